"""shell: `dorasync emulator`, a local stand-in for Datadog's DORA API on loopback."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click

_EPILOG = """\b
Example:
  dorasync emulator --port 8126 --api-key test --data .dorasync/emulator.jsonl
  DORASYNC_API_URL=http://127.0.0.1:8126 DD_API_KEY=test dorasync apply

\b
Misbehaving on purpose, to try retries:
  dorasync emulator --rate-limit 100/10 --error-rate 0.1 --latency 50 --fault-seed 7
"""


def _loopback(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from dorasync.emulator.server import check_host  # noqa: PLC0415 - keeps --help fast

    try:
        check_host(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _rate_limit(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, float] | None:
    if value is None:
        return None
    count, slash, seconds = value.partition("/")
    try:
        limit = (int(count), float(seconds)) if slash else None
    except ValueError:
        limit = None
    if limit is None or limit[0] < 1 or not limit[1] > 0:
        raise click.BadParameter(
            f"expected N/SECONDS with N >= 1 and SECONDS > 0 (e.g. 100/10), got {value!r}"
        )
    return limit


def _stop_on_signal(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM is turned into the KeyboardInterrupt that SIGINT raises, so both end
    # serve_forever() the same clean way; a second signal during shutdown is ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


_RATE = click.FloatRange(0.0, 1.0)


@click.command("emulator", epilog=_EPILOG)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    callback=_loopback,
    help="Loopback address to bind.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8126,
    show_default=True,
    help="0 picks a free port.",
)
@click.option(
    "--api-key",
    envvar="DORASYNC_EMULATOR_API_KEY",
    show_envvar=True,
    help="Only this DD-API-KEY is accepted.",
)
@click.option(
    "--app-key",
    envvar="DORASYNC_EMULATOR_APP_KEY",
    show_envvar=True,
    help="Only this DD-APPLICATION-KEY.",
)
@click.option(
    "--data",
    "data_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep events in this JSON Lines file.",
)
@click.option(
    "--seed",
    "seed_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Preload failures from a JSON list.",
)
@click.option(
    "--rate-limit",
    callback=_rate_limit,
    metavar="N/SECONDS",
    help="Answer 429 past N requests per window.",
)
@click.option(
    "--rate-limit-headers/--no-rate-limit-headers",
    default=True,
    show_default=True,
    help="Send X-RateLimit-* headers; without, a 429 says only Retry-After.",
)
@click.option("--error-rate", type=_RATE, default=0.0, help="Share of API requests answered 503.")
@click.option(
    "--latency", type=click.IntRange(min=0), default=0, metavar="MS", help="Delay every API answer."
)
@click.option(
    "--timeout-rate", type=_RATE, default=0.0, help="Share of requests stored, then never answered."
)
@click.option(
    "--drop-rate", type=_RATE, default=0.0, help="Share of requests dropped without an answer."
)
@click.option(
    "--delayed-rate", type=_RATE, default=0.0, help="Share of events answered 202 (delayed)."
)
@click.option(
    "--cut-rate",
    type=_RATE,
    default=0.0,
    help="Share of requests handled, then answered with half a body.",
)
@click.option(
    "--hang-seconds",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="How long a timeout hangs.",
)
@click.option(
    "--fault-seed", type=int, default=0, show_default=True, help="Seed for the fault draws."
)
@click.option(
    "--reject-id",
    "reject_ids",
    multiple=True,
    metavar="ID",
    help="Answer 400 to events with this id (repeatable), to try a refusal.",
)
@click.option("--quiet", is_flag=True, help="No access log on stderr.")
def emulator(
    *,
    host: str,
    port: int,
    api_key: str | None,
    app_key: str | None,
    data_file: Path | None,
    seed_file: Path | None,
    rate_limit: tuple[int, float] | None,
    rate_limit_headers: bool,
    error_rate: float,
    latency: int,
    timeout_rate: float,
    drop_rate: float,
    delayed_rate: float,
    cut_rate: float,
    hang_seconds: float,
    fault_seed: int,
    reject_ids: tuple[str, ...],
    quiet: bool,
) -> None:
    """Serve Datadog's DORA endpoints on loopback, for trying dorasync without Datadog.

    Checks request bodies as Datadog documents them, keeps events by id and prints
    `dorasync emulator listening on URL` once ready. Stop it with Ctrl-C or SIGTERM.
    """
    from dorasync.emulator.server import Emulator, Faults  # noqa: PLC0415 - keeps --help fast

    try:
        faults = Faults(
            rate_limit=rate_limit,
            rate_limit_headers=rate_limit_headers,
            error_rate=error_rate,
            latency_ms=latency,
            timeout_rate=timeout_rate,
            drop_rate=drop_rate,
            delayed_rate=delayed_rate,
            cut_rate=cut_rate,
            hang_seconds=hang_seconds,
            fault_seed=fault_seed,
            reject_ids=frozenset(reject_ids),
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        server = Emulator(
            host=host,
            port=port,
            api_key=api_key or None,
            app_key=app_key or None,
            data_file=data_file,
            seed_file=seed_file,
            faults=faults,
            log=None if quiet else sys.stderr,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--seed") from None
    try:
        url = server.bind()
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    except ValueError as exc:  # a data file this emulator did not write
        raise click.ClickException(str(exc)) from None
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    click.echo(f"dorasync emulator listening on {url}")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    emulator()
