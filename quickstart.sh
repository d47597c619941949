#!/bin/sh
# The README's quick start, in one command: installs dorasync into .venv, starts the
# bundled emulator (a local stand-in for Datadog's DORA API) on a free loopback
# port, then validates, plans and applies this repository's incidents/ against it.
# No Datadog account is needed and nothing leaves this machine.
set -eu
cd "$(dirname "$0")"
if [ ! -x .venv/bin/dorasync ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
mkdir -p .dorasync
# The demo key is the emulator's, not a Datadog key; the emulator keeps its events
# in .dorasync/emulator-events.jsonl so that a second run shows "No changes".
export DORASYNC_EMULATOR_API_KEY=quickstart-demo-key
.venv/bin/dorasync emulator --port 0 --quiet --data .dorasync/emulator-events.jsonl \
  > .dorasync/emulator.out &
emulator=$!
trap '{ set +x; } 2>/dev/null; kill $emulator 2>/dev/null || true' EXIT INT TERM
i=0
until grep -q "listening on" .dorasync/emulator.out 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ]; then echo "the emulator did not start" >&2; exit 1; fi
  sleep 0.1
done
export DORASYNC_API_URL="$(sed -n 's/.*listening on //p' .dorasync/emulator.out)"
export DD_API_KEY=quickstart-demo-key
echo "Emulator at $DORASYNC_API_URL"
set -x
.venv/bin/dorasync validate
.venv/bin/dorasync plan
.venv/bin/dorasync apply --auto-approve
.venv/bin/dorasync plan --detailed-exitcode
