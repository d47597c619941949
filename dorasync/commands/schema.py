"""Shell: `dorasync schema`, JSON Schemas for editors and for tools that read plans."""

from __future__ import annotations

import click

from dorasync.commands import Context, pass_context

KINDS = ("incident", "deployment", "config", "plan")


@click.command()
@click.argument("kind", type=click.Choice(KINDS), default="incident")
@pass_context
def schema(ctx: Context, kind: str) -> int:
    """Print the JSON Schema (draft 2020-12) of an incident file, dorasync.yaml, or a plan.

    KIND is incident (the default), deployment (a file of the deployments folder),
    config (dorasync.yaml) or plan (what plan --json prints).

    With the YAML language server (VS Code's YAML extension, and others), the schema
    validates and completes incident files as you type: save it once, then name it
    on the first line of a file, or map it to the incidents folder in the editor's
    settings (README "Editor schema").

    \b
    Examples:
      dorasync schema > .dorasync/incident.schema.json
      dorasync schema config > .dorasync/config.schema.json
      dorasync schema deployment > .dorasync/deployment.schema.json
      # then, first line of an incident file:
      # yaml-language-server: $schema=../../.dorasync/incident.schema.json
    """
    import json  # noqa: PLC0415 - keep `dorasync --help` fast
    from importlib import resources  # noqa: PLC0415

    from dorasync.schema import config_schema, deployment_schema, incident_schema  # noqa: PLC0415

    if kind == "plan":
        text = resources.files("dorasync").joinpath("schemas/plan.schema.json").read_text("utf-8")
    else:
        made = {"incident": incident_schema, "deployment": deployment_schema}
        body = made.get(kind, config_schema)()
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    ctx.console.out(text, end="")
    return 0
