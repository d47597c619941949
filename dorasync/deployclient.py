"""Adapter: the deployment calls of Datadog's DORA API, each through DoraClient.request.

`POST /api/v2/dora/deployment` sends a deployment event (API key), and `PATCH
/api/v2/dora/deployments/{id}`, or `PATCH /api/v2/dora/deployments` by service, env
and version, marks one as a change failure or un-marks it (API and application
keys; 202, no body). A PATCH says the whole mark, so resending it is harmless: the
retries of DoraClient.request apply as they do to events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dorasync.client import ApiProblem, DoraClient, Fatal, Rejected, Reply
from dorasync.links import deployment_text, patch_body, patch_path

DEPLOYMENT = "/api/v2/dora/deployment"  # writes use the singular path (API note)


def send_deployment(client: DoraClient, attributes: Mapping[str, Any]) -> Reply:
    """POST one deployment event; it carries its id, so a retry is safe."""
    return client.request("POST", DEPLOYMENT, {"data": {"attributes": dict(attributes)}})


def patch_deployment(client: DoraClient, link: Mapping[str, Any], *, mark: bool) -> Reply:
    """Mark the link's deployment as a change failure (with its remediation), or
    un-mark it; a deployment Datadog does not have fails this change alone."""
    target, body = patch_body(link, mark=mark)
    try:
        return client.request("PATCH", patch_path(target), body, app_key=True)
    except Fatal as exc:
        if exc.status != 404:
            raise
        if not mark:
            # Nothing left to un-mark: the deployment is gone, which is what was wanted
            # (as a DELETE of a gone event is), not a failure to repeat on every apply.
            return Reply(404, None, 1)
        # Unverified: no recording shows Datadog's 404 for an unknown deployment; the
        # events sent before it in this run showed the site is right.
        shown = deployment_text(link["deployment"])
        raise Rejected(
            404,
            [
                ApiProblem(
                    f"Datadog has no deployment {shown}; check caused_by (or the "
                    "remediation's deployment), or send the deployment first"
                )
            ],
        ) from None
