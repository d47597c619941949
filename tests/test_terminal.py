"""Terminal manners: a progress bar only on a terminal, --quiet, --version, help, colour."""

from __future__ import annotations

import io

import click
import pytest

from dorasync import __version__
from dorasync.cli import cli
from dorasync.emulator.server import Emulator
from dorasync.progress import Bar
from tests.review_support import Terminal, many, run_on
from tests.support import ProjectDir, Runner


def test_an_apply_of_more_than_a_few_incidents_draws_a_bar_on_a_terminals_stderr(
    project: ProjectDir,
    emulator: Emulator,
    api_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    many(project, 8)
    result = run_on(
        monkeypatch, "-C", project.root, "apply", "--auto-approve", stderr=Terminal(), env=api_env
    )
    assert result.code == 0, result.text
    assert "\rApplying [##############################] 8/8\n" in result.err
    assert "created, id" not in result.err
    assert "\r" not in result.out
    assert "Apply complete: 8 sent" in result.out


def test_without_a_terminal_progress_is_plain_lines(
    project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    many(project, 8)
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert result.code == 0
    assert "\r" not in result.text
    assert result.err.count(": created, id ") == 8


def test_a_few_incidents_get_a_line_each_even_on_a_terminal(
    project: ProjectDir,
    emulator: Emulator,
    api_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    many(project, 3)
    result = run_on(
        monkeypatch, "-C", project.root, "apply", "--auto-approve", stderr=Terminal(), env=api_env
    )
    assert "\r" not in result.err
    assert result.err.count(": created, id ") == 3


def test_quiet_prints_no_progress_and_keeps_the_results(
    project: ProjectDir,
    emulator: Emulator,
    api_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    many(project, 8)
    result = run_on(
        monkeypatch,
        "-C",
        project.root,
        "--quiet",
        "apply",
        "--auto-approve",
        stderr=Terminal(),
        env=api_env,
    )
    assert result.code == 0
    assert result.err == ""
    assert "Apply complete: 8 sent" in result.out


def test_the_bar_redraws_at_most_every_tenth_of_a_second_and_clears_for_a_message() -> None:
    stream, now = io.StringIO(), [0.0]
    bar = Bar(100, stream, clock=lambda: now[0])
    bar.update(1, 0)
    bar.update(2, 0)  # too soon: not drawn
    now[0] = 0.2
    bar.update(3, 1)
    assert stream.getvalue().count("\r") == 2
    line = "Applying [" + "." * 30 + "]   3/100  (1 failed)"
    assert stream.getvalue().endswith("\r" + line)
    bar.clear()
    assert stream.getvalue().endswith("\r" + line + "\r" + " " * len(line) + "\r")
    bar.update(100, 1)
    assert stream.getvalue().endswith("100/100  (1 failed)\n")


def test_version(run: Runner) -> None:
    assert run("--version").out == f"dorasync, version {__version__}\n"


def every_command() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            found.append((*path, name))
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(cli, ())
    return found


@pytest.mark.parametrize("path", every_command(), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...], run: Runner) -> None:
    result = run(*path, "--help")
    assert result.code == 0
    assert "Example" in result.out
    assert "dorasync " + " ".join(path) in result.out


def test_every_command_is_covered() -> None:
    assert {p[0] for p in every_command()} >= {
        "init",
        "validate",
        "plan",
        "apply",
        "show",
        "state",
        "schema",
        "emulator",
    }
    assert ("state", "list") in every_command()


@pytest.mark.parametrize(
    ("env", "flags", "coloured"),
    [
        ({}, (), True),
        ({"NO_COLOR": "1"}, (), False),
        ({}, ("--no-color",), False),
    ],
)
def test_colour_only_on_a_terminal_and_never_with_no_color(
    project: ProjectDir,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    flags: tuple[str, ...],
    coloured: bool,
) -> None:
    many(project, 1)
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = run_on(monkeypatch, "-C", project.root, *flags, "plan", stdout=Terminal(), env=env)
    assert ("\x1b[" in result.out) is coloured
    piped = run_on(monkeypatch, "-C", project.root, "plan")
    assert "\x1b" not in piped.text
