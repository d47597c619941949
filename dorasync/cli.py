"""Shell: the `dorasync` command line; parses, calls, renders and picks the exit code.

Exit codes are Terraform's (product.md "Commands"): 0 success, 1 any error (usage
errors included, so that 2 only ever means "changes" with --detailed-exitcode), 130
after Ctrl-C and 143 after SIGTERM.
"""

from __future__ import annotations

import importlib
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click

from dorasync import __version__
from dorasync.commands import Context, Terminated
from dorasync.console import Console
from dorasync.errors import DorasyncError, InvalidInput

# name -> (module, attribute, short help). A command's module is imported only when
# that command runs: importing all of them cost `dorasync --help` a fifth of its time.
# tests/test_layers.py checks each short help against its command's docstring.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "apply": (
        "apply",
        "apply",
        "Plan, ask, then send each new or changed incident and record it in the state.",
    ),
    "emulator": (
        "emulator",
        "emulator",
        "Serve Datadog's DORA endpoints on loopback, for trying dorasync without Datadog.",
    ),
    "force-unlock": (
        "unlock",
        "force_unlock",
        "Remove the state lock LOCK_ID, left by a dorasync that no longer runs.",
    ),
    "import": (
        "importing",
        "import_",
        "Write one incident file per failure event already in Datadog, and record it.",
    ),
    "init": (
        "init",
        "init",
        "Write dorasync.yaml with a fresh namespace and create the incidents folder.",
    ),
    "plan": (
        "plan",
        "plan",
        "Show what apply would send: creates (+), updates (~) and deletes (-).",
    ),
    "refresh": (
        "refresh",
        "refresh",
        "Read every event the state records back from Datadog and record what it holds.",
    ),
    "report": (
        "report",
        "report",
        "Report what the incidents say: counts, open incidents, time to restore and DORA band.",
    ),
    "schema": (
        "schema",
        "schema",
        "Print the JSON Schema (draft 2020-12) of an incident file, dorasync.yaml, or a plan.",
    ),
    "show": (
        "show",
        "show",
        "Show a plan saved by `plan --out FILE`, as `plan` showed it (FILE is relative to -C).",
    ),
    "state": (
        "state",
        "state",
        "Read what the state file says was sent, or edit it (rm, mv) without sending.",
    ),
    "validate": (
        "validate",
        "validate",
        "Check every incident and deployment file, or only the files and folders named.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when they run, listed from COMMANDS."""

    def list_commands(self, _ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, _ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(f"dorasync.commands.{spec[0]}")
        command: click.Command = getattr(module, spec[1])
        return command

    def format_commands(self, _ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [
            (name, spec[2] if len(spec[2]) <= limit else _cut(spec[2], limit))
            for name, spec in sorted(COMMANDS.items())
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _cut(text: str, limit: int) -> str:
    """`text` cut at a word to fit `limit`, as click cuts a command's short help."""
    return text[: max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="dorasync")
@click.option(
    "-C",
    "--chdir",
    "chdir",
    metavar="DIR",
    default=".",
    type=click.Path(file_okay=False),
    help="Project folder (default: the current one).",
)
@click.option("--no-color", "no_colour", is_flag=True, help="Never colour the output.")
@click.option("-q", "--quiet", is_flag=True, help="Print only results and errors.")
@click.pass_context
def cli(ctx: click.Context, chdir: str, no_colour: bool, quiet: bool) -> None:
    """Keep DORA incident events in git; plan and apply them to Datadog.

    \b
    Start with:
      dorasync init          # a dorasync.yaml and an incidents/ folder
      dorasync validate      # check every incident file
      dorasync plan          # what would be sent (no key, no network)
      dorasync apply         # send it (DD_API_KEY)
      dorasync report        # what the incidents say: time to restore, open, bands
      dorasync emulator      # a local DORA API to try it all against

    \b
    In a pull request:
      dorasync plan --out plan.json --format markdown > plan.md
      dorasync apply plan.json   # exactly what was reviewed, or nothing

    \b
    Over an incident's life:
      dorasync import --from 2025-01-01   # adopt events already in Datadog
      dorasync plan --refresh             # what changed in Datadog behind your back
      dorasync apply --prune              # also delete the events of deleted files
    """
    ctx.obj = Context(Path(chdir), Console(no_colour=no_colour, quiet=quiet))


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the CLI and exit with Terraform's codes; no traceback reaches a user."""
    console = Console()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = cli.main(args=argv, prog_name="dorasync", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = 1
    except click.Abort as exc:
        # click turns Ctrl-C into Abort; it is still an interrupt (130), not an error.
        interrupted = isinstance(exc.__cause__, KeyboardInterrupt)
        console.err("Interrupted." if interrupted else "Aborted.")
        code = 130 if interrupted else 1
    except InvalidInput as exc:
        console.problems(exc.problems)
        console.error(f"{exc}; nothing was sent and the state is untouched")
        code = 1
    except DorasyncError as exc:
        console.error(str(exc))
        code = 1
    except KeyboardInterrupt:
        console.err("Interrupted.")
        code = 130
    except Terminated:
        console.err("Terminated.")
        code = 143
    except Exception as exc:  # a bug: say so, keep the traceback out of the way
        code = _crash(console, exc)
    sys.exit(code if isinstance(code, int) else 0)


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated


def _crash(console: Console, exc: Exception) -> int:
    import tempfile  # noqa: PLC0415 - only on a crash; `dorasync --help` stays fast
    import traceback  # noqa: PLC0415

    with tempfile.NamedTemporaryFile(
        "w", prefix="dorasync-crash-", suffix=".log", delete=False
    ) as log:
        log.write(console.mask("".join(traceback.format_exception(exc))))
    console.error(
        f"internal error ({type(exc).__name__}); this is a bug in dorasync, please "
        f"report it with the traceback in {log.name}"
    )
    return 1
