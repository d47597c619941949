"""Apply against a misbehaving server: every incident delivered once by id, an honest
summary and exit code, and a state that holds exactly the successes (issue 3)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dorasync.emulator.server import Emulator, Faults
from tests.support import API_KEY, ProjectDir, Result, Runner

StartEmulator = Callable[..., Emulator]


def many(project: ProjectDir, count: int) -> ProjectDir:
    for n in range(count):
        project.incident(
            f"2026/i{n:03d}.yaml",
            f"""
            services: [svc-{n % 5}]
            started_at: {1_790_000_000 + n * 3600}
            finished_at: {1_790_000_000 + n * 3600 + 600}
        """,
        )
    return project


def apply(run: Runner, project: ProjectDir, emu: Emulator, *args: str) -> Result:
    env = {"DORASYNC_API_URL": emu.url, "DD_API_KEY": API_KEY}
    return run("-C", project.root, "apply", "--auto-approve", *args, env=env)


def state_ids(project: ProjectDir) -> set[str]:
    state = json.loads(project.state_path.read_text())
    return {entry["id"] for entry in state["incidents"].values()}


def test_every_incident_is_delivered_once_by_id_through_503s_drops_hangs_and_cut_answers(
    project: ProjectDir, run: Runner, start_emulator: StartEmulator
) -> None:
    many(project, 40)
    faults = Faults(
        error_rate=0.2,
        drop_rate=0.1,
        timeout_rate=0.1,
        cut_rate=0.1,
        hang_seconds=3,
        fault_seed=3,
    )
    emu = start_emulator(api_key=API_KEY, faults=faults)
    result = apply(run, project, emu, "--request-timeout", "0.5", "--parallelism", "4")
    assert result.code == 0, result.text
    assert (
        "Apply complete: 40 sent (40 created, 0 updated), 0 failed, 0 not attempted;" in result.out
    )
    assert " retries" in result.out
    assert len(emu.failures()) == 40
    assert emu.stats()["faults"]["cut"] > 0  # type: ignore[index]
    assert state_ids(project) == set(emu.failures())
    assert run("-C", project.root, "plan", "--detailed-exitcode").code == 0


def test_a_rate_limited_run_settles_under_the_limit_instead_of_bouncing(
    project: ProjectDir, run: Runner, start_emulator: StartEmulator
) -> None:
    many(project, 45)
    emu = start_emulator(api_key=API_KEY, faults=Faults(rate_limit=(15, 1.0)))
    result = apply(run, project, emu, "--parallelism", "8")
    assert result.code == 0, result.text
    assert len(emu.failures()) == 45
    limited = emu.stats()["rate_limited"]
    assert isinstance(limited, int)
    assert limited <= 2  # at most the first burst, before the limit is known


def test_a_limit_signalled_only_by_retry_after_is_learnt_after_the_first_429s(
    project: ProjectDir, run: Runner, start_emulator: StartEmulator
) -> None:
    many(project, 60)
    faults = Faults(rate_limit=(15, 1.0), rate_limit_headers=False)
    emu = start_emulator(api_key=API_KEY, faults=faults)
    result = apply(run, project, emu, "--parallelism", "8")
    assert result.code == 0, result.text
    assert len(emu.failures()) == 60
    limited = emu.stats()["rate_limited"]
    assert isinstance(limited, int)
    assert limited <= 8, limited  # the first window's burst only: one per worker at most


def test_an_answer_of_202_is_a_success_noted_in_the_summary(
    project: ProjectDir, run: Runner, start_emulator: StartEmulator
) -> None:
    many(project, 6)
    emu = start_emulator(api_key=API_KEY, faults=Faults(delayed_rate=1.0))
    result = apply(run, project, emu)
    assert result.code == 0
    assert "6 sent (6 created, 0 updated, 6 accepted with delay (202))" in result.out
    assert len(state_ids(project)) == 6


def test_a_server_that_keeps_failing_gives_up_within_the_attempts_and_keeps_no_state(
    project: ProjectDir, run: Runner, start_emulator: StartEmulator
) -> None:
    many(project, 3)
    emu = start_emulator(api_key=API_KEY, faults=Faults(error_rate=1.0))
    result = apply(run, project, emu, "--max-attempts", "2")
    assert result.code == 1
    assert "0 sent (0 created, 0 updated), 3 failed, 0 not attempted" in result.out
    assert "not sent: gave up after 2 attempts: HTTP 503 Service Unavailable" in result.err
    assert "incidents/2026/i000.yaml: 2026/i000:" in result.err
    assert not project.state_path.exists()


def test_the_run_budget_stops_retries_across_all_incidents(
    project: ProjectDir, run: Runner, start_emulator: StartEmulator
) -> None:
    many(project, 3)
    emu = start_emulator(api_key=API_KEY, faults=Faults(error_rate=1.0))
    result = apply(run, project, emu, "--retry-budget", "0")
    assert result.code == 1
    assert "the run's retry budget is spent; last error: HTTP 503" in result.err


def test_a_server_that_is_not_there_fails_each_incident_with_the_reason(
    project: ProjectDir, run: Runner
) -> None:
    many(project, 2)
    env = {"DORASYNC_API_URL": "http://127.0.0.1:9", "DD_API_KEY": API_KEY}
    result = run("-C", project.root, "apply", "--auto-approve", "--max-attempts", "1", env=env)
    assert result.code == 1
    assert "gave up after 1 attempts: connection failed" in result.err


def test_a_wrong_url_stops_the_run_at_the_first_404(
    project: ProjectDir, run: Runner, emulator: Emulator
) -> None:
    many(project, 5)
    env = {"DORASYNC_API_URL": emulator.url + "/nowhere", "DD_API_KEY": API_KEY}
    result = run("-C", project.root, "apply", "--auto-approve", "--parallelism", "1", env=env)
    assert result.code == 1
    assert "HTTP 404 from http://127.0.0.1" in result.err
    assert "no DORA API there; check the site" in result.err
    assert "4 not attempted" in result.out


def test_parallel_workers_record_exactly_what_a_single_worker_records(
    run: Runner, start_emulator: StartEmulator, tmp_path: pytest.TempPathFactory
) -> None:
    def entries(parallelism: str) -> dict[str, object]:
        project = many(ProjectDir(tmp_path / f"p{parallelism}").config(), 25)  # type: ignore[operator]
        assert (
            apply(run, project, start_emulator(api_key=API_KEY), "--parallelism", parallelism).code
            == 0
        )
        state = json.loads(project.state_path.read_text())
        for entry in state["incidents"].values():
            del entry["applied_at"]
        return dict(state["incidents"])

    assert entries("1") == entries("8")


class _Redirect(BaseHTTPRequestHandler):
    """Answers every request with a redirect to another loopback server."""

    target = ""

    def do_POST(self) -> None:
        self.send_response(307)
        self.send_header("Location", self.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def redirecting(emulator: Emulator) -> Iterator[str]:
    _Redirect.target = emulator.url
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_redirect_is_not_followed_so_the_key_goes_nowhere_else(
    project: ProjectDir, run: Runner, emulator: Emulator, redirecting: str
) -> None:
    many(project, 1)
    env = {"DORASYNC_API_URL": redirecting, "DD_API_KEY": API_KEY}
    result = run("-C", project.root, "apply", "--auto-approve", env=env)
    assert result.code == 1
    assert "HTTP 307" in result.err
    assert emulator.stats()["requests"] == {}
