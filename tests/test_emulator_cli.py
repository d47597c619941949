"""`dorasync emulator`: option parsing in-process, the real thing in a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from dorasync.commands.emulator import emulator
from tests.emulator_fixtures import API_KEY, body, failure_attributes

ROOT = Path(__file__).resolve().parents[1]
LAUNCH = "from dorasync.commands.emulator import emulator; emulator()"


def launch(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), environment.get("PYTHONPATH")])
    )
    command = [sys.executable, "-c", LAUNCH, "--port", "0", *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )


@pytest.fixture(name="running")
def running_fixture() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=5)


def listening_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("dorasync emulator listening on http://"), line
    return line.split(" on ", 1)[1].strip()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_emulator_command_says_where_it_listens_then_stops_cleanly_on_a_signal(
    running: list[subprocess.Popen[str]], sig: signal.Signals
) -> None:
    process = launch("--api-key", API_KEY)
    running.append(process)
    url = listening_url(process)
    response = requests.post(
        f"{url}/api/v2/dora/failure",
        json=body(failure_attributes()),
        headers={"DD-API-KEY": API_KEY},
        timeout=5,
    )
    assert response.status_code == 200
    began = time.perf_counter()
    process.send_signal(sig)
    out, err = process.communicate(timeout=5)
    assert process.returncode == 0
    assert time.perf_counter() - began < 2
    assert out == ""  # the listening line was the only one
    assert "POST /api/v2/dora/failure 200" in err
    assert API_KEY not in err


def test_emulator_command_takes_keys_from_the_environment_and_is_quiet_when_asked(
    running: list[subprocess.Popen[str]],
) -> None:
    process = launch("--quiet", env={"DORASYNC_EMULATOR_API_KEY": "env-key"})
    running.append(process)
    url = listening_url(process)
    post = f"{url}/api/v2/dora/failure"
    assert (
        requests.post(
            post, json=body(failure_attributes()), headers={"DD-API-KEY": "x"}, timeout=5
        ).status_code
        == 403
    )
    assert (
        requests.post(
            post, json=body(failure_attributes()), headers={"DD-API-KEY": "env-key"}, timeout=5
        ).status_code
        == 200
    )
    process.terminate()
    _, err = process.communicate(timeout=5)
    assert (process.returncode, err) == (0, "")


def test_emulator_command_fails_clearly_when_the_port_is_taken(
    running: list[subprocess.Popen[str]],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(emulator, ["--port", port, "--quiet"])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--host", "0.0.0.0"], "not a loopback address"),
        (["--host", "192.168.1.10"], "not a loopback address"),
        (["--host", "example.com"], "not an IP address or localhost"),
        (["--rate-limit", "100"], "expected N/SECONDS"),
        (["--rate-limit", "0/10"], "expected N/SECONDS"),
        (["--error-rate", "1.5"], "--error-rate"),
        (["--error-rate", "0.6", "--drop-rate", "0.6"], "must not exceed 1"),
        (["--latency", "-5"], "--latency"),
        (["--port", "70000"], "--port"),
    ],
)
def test_emulator_command_refuses_bad_options_with_a_usage_error(
    args: list[str], words: str
) -> None:
    result = CliRunner().invoke(emulator, args)
    assert result.exit_code == 2
    assert words in result.output


def test_emulator_command_refuses_a_seed_file_that_breaks_the_rules(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('[{"started_at": 1}]', encoding="utf-8")
    result = CliRunner().invoke(emulator, ["--seed", str(seed)])
    assert result.exit_code == 2
    assert "seed.json[0]" in result.output


def test_emulator_command_help_shows_an_example() -> None:
    result = CliRunner().invoke(emulator, ["--help"])
    assert result.exit_code == 0
    assert "dorasync emulator --port 8126" in result.output
    assert "DORASYNC_EMULATOR_API_KEY" in result.output


def test_emulator_module_imports_only_click_at_load_time() -> None:
    code = (
        "import sys, dorasync.commands.emulator; print('dorasync.emulator.server' in sys.modules)"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    assert result.stdout.strip() == "False"
