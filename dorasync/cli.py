"""Shell: the `dorasync` command line; parses, calls, renders and picks the exit code.

Exit codes are Terraform's (product.md "Commands"): 0 success, 1 any error (usage
errors included, so that 2 only ever means "changes" with --detailed-exitcode), 130
after Ctrl-C and 143 after SIGTERM.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click

from dorasync import __version__
from dorasync.commands import Context, Terminated
from dorasync.commands.apply import apply
from dorasync.commands.emulator import emulator
from dorasync.commands.importing import import_
from dorasync.commands.init import init
from dorasync.commands.plan import plan
from dorasync.commands.refresh import refresh
from dorasync.commands.report import report
from dorasync.commands.schema import schema
from dorasync.commands.show import show
from dorasync.commands.state import state
from dorasync.commands.unlock import force_unlock
from dorasync.commands.validate import validate
from dorasync.console import Console
from dorasync.errors import DorasyncError, InvalidInput


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


for command in (
    init,
    validate,
    plan,
    apply,
    refresh,
    import_,
    show,
    state,
    schema,
    report,
    force_unlock,
    emulator,
):
    cli.add_command(command)


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
