"""Shell: prints a plan in the format asked for (`plan` and `show` share it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dorasync.commands import Context

if TYPE_CHECKING:
    from dorasync.impact import Impact
    from dorasync.plan import Plan


def emit(
    ctx: Context,
    plan: Plan,
    output_format: str,
    *,
    unsafe: str | None,
    document: Mapping[str, Any] | None = None,
    shown: str | None = None,
    effect: Impact | None = None,
    warnings: Sequence[str] = (),
) -> None:
    """Print `plan` on stdout; `document` is the JSON to print as is (a saved plan's);
    `effect` is the plan's impact on the report, shown after the plan."""
    from dorasync.impact import impact_data, impact_markdown, impact_text  # noqa: PLC0415
    from dorasync.markdown import LIMIT, plan_markdown  # noqa: PLC0415
    from dorasync.render import plan_chunks  # noqa: PLC0415
    from dorasync.reportjson import dumps  # noqa: PLC0415
    from dorasync.savedplan import plan_document  # noqa: PLC0415

    if unsafe:
        ctx.console.warning(f"apply will refuse this plan without --force: {unsafe}")
    if output_format == "json":
        body = dict(document) if document is not None else plan_document(plan, unsafe)
        # A saved plan's document gets it too: `show --json` prints what plan printed.
        body["impact"] = impact_data(effect) if effect else None
        if document is None:
            body["warnings"] = list(warnings)
        # dumps writes the impact's exact decimals; otherwise it is json.dumps(indent=2)
        ctx.console.out(dumps(body))
    elif output_format == "markdown":
        # One comment holds both: the impact first takes its (bounded) room, the plan
        # gets what is left of the 60,000 characters.
        section = "\n" + impact_markdown(effect) if effect else ""
        text = plan_markdown(
            plan, unsafe=unsafe, shown=shown, limit=LIMIT - len(section), warnings=warnings
        )
        ctx.console.out(text + section, end="")
    else:
        for chunk in plan_chunks(plan, ctx.console.colour):
            ctx.console.out(chunk, end="")
        if effect:
            ctx.console.out("\n" + impact_text(effect), end="")
