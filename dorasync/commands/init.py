"""Shell: `dorasync init`, a new project with a fresh namespace."""

from __future__ import annotations

import click

from dorasync.commands import Context, pass_context

TEMPLATE = """\
# dorasync project settings (see the README for every field).
# The namespace is part of every derived event id: never change it once incidents
# have been sent, or every incident would be sent again as a new event.
namespace: {namespace}
incidents: {incidents}            # folder of incident files, relative to this file
state: .dorasync/state.json     # what has been sent; commit it
site: {site}          # Datadog site; DD_SITE overrides
endpoint: failure               # failure, or incident (the legacy path)
defaults:                       # merged under every incident; the file's value wins
  # env: prod
  # team: backend
  # git: {{repository_url: https://github.com/acme/shop}}
  # custom_tags: ["source:dorasync"]
"""


@click.command()
@click.option(
    "--incidents",
    default="incidents",
    show_default=True,
    help="Folder for incident files, relative to the project.",
)
@click.option("--site", default="datadoghq.com", show_default=True, help="Datadog site.")
@pass_context
def init(ctx: Context, incidents: str, site: str) -> int:
    """Write dorasync.yaml with a fresh namespace and create the incidents folder.

    Refuses to overwrite an existing dorasync.yaml.

    \b
    Example:
      dorasync init && dorasync validate
    """
    import uuid  # noqa: PLC0415 - keep `dorasync --help` fast

    from dorasync.config import CONFIG_FILE, check_folder, check_site  # noqa: PLC0415
    from dorasync.errors import DorasyncError  # noqa: PLC0415

    try:
        site = check_site(site)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--site") from None
    try:
        incidents = check_folder(incidents)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--incidents") from None
    target = ctx.root / CONFIG_FILE
    if target.exists():
        raise DorasyncError(
            f"{target} exists already; dorasync init never overwrites it "
            "(its namespace is part of every id)"
        )
    ctx.root.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:
        handle.write(TEMPLATE.format(namespace=uuid.uuid4(), incidents=incidents, site=site))
    (ctx.root / incidents).mkdir(parents=True, exist_ok=True)
    ctx.console.out(f"Wrote {target} and created {ctx.root / incidents}/.")
    ctx.console.out("Next: add an incident file there, then run `dorasync validate`.")
    return 0
