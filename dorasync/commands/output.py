"""Shell: prints a plan in the format asked for (`plan` and `show` share it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dorasync.commands import Context

if TYPE_CHECKING:
    from dorasync.plan import Plan


def emit(
    ctx: Context,
    plan: Plan,
    output_format: str,
    *,
    unsafe: str | None,
    document: Mapping[str, Any] | None = None,
    shown: str | None = None,
) -> None:
    """Print `plan` on stdout; `document` is the JSON to print as is (a saved plan's)."""
    import json  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.markdown import plan_markdown  # noqa: PLC0415
    from dorasync.render import plan_text  # noqa: PLC0415
    from dorasync.savedplan import plan_document  # noqa: PLC0415

    if unsafe:
        ctx.console.warning(f"apply will refuse this plan without --force: {unsafe}")
    if output_format == "json":
        body = document if document is not None else plan_document(plan, unsafe)
        ctx.console.out(json.dumps(body, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        ctx.console.out(plan_markdown(plan, unsafe=unsafe, shown=shown), end="")
    else:
        ctx.console.out(plan_text(plan, ctx.console.colour), end="")
