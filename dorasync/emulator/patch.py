"""pure core: checks deployment PATCH bodies (mark a deployment as a change failure).

Sources: DORADeploymentPatchRequest / DORADeploymentPatchByVersionRequest and
DORADeploymentPatchRemediation in datadog-api-client-python (dora_metrics_api.py lists
`PATCH /api/v2/dora/deployments/{deployment_id}` and, by version,
`PATCH /api/v2/dora/deployments`), and the two patch recordings in
tests/fixtures/datadog-recordings/ for the status and the error text.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorasync.emulator.rules import (
    ATTRS,
    Error,
    api_error,
    check_nonempty_string,
    shown,
    unknown_keys,
)
from dorasync.emulator.search import type_error

PATCH_TYPE = "dora_deployment_patch_request"
_REMEDIATION_TYPES = ("rollback", "rollforward")


@dataclass(frozen=True)
class Patch:
    """What a PATCH changes; None leaves a field as it was."""

    change_failure: bool | None
    remediation: dict[str, object] | None


@dataclass(frozen=True)
class VersionMatch:
    """Which deployments a by-version PATCH names."""

    service: str
    env: str
    version: str


def _remediation(value: object, errors: list[Error]) -> dict[str, object] | None:
    pointer = f"{ATTRS}/remediation"
    if not isinstance(value, dict):
        errors.append(api_error('attribute "remediation" must be an object', pointer))
        return None
    errors += unknown_keys(value, {"type", "id", "version"}, pointer, "remediation.")
    if value.get("type") not in _REMEDIATION_TYPES:
        # Word for word from test_patch_a_deployment_event_returns_bad_request_response,
        # which has no source pointer.
        errors.append(api_error('attribute "type" must be one of "rollback rollforward"'))
    # The spec: "Specify either id or version to identify the remediation deployment, but
    # not both". Remediation ids are not held to the 16-128 rule: the accepted recording
    # sends "eG42zNIkVjM" (11 characters).
    named = [key for key in ("id", "version") if key in value]
    if len(named) != 1:
        errors.append(api_error('remediation needs exactly one of "id" or "version"', pointer))
    for key in named:
        errors += check_nonempty_string(value[key], f"remediation.{key}", f"{pointer}/{key}")
    return value


def _patch(attrs: dict[str, object], errors: list[Error], *, needs_flag: bool) -> Patch:
    flag = attrs.get("change_failure")
    if "change_failure" in attrs and not isinstance(flag, bool):
        detail = f'attribute "change_failure" must be a boolean, got {shown(flag)}'
        errors.append(api_error(detail, f"{ATTRS}/change_failure"))
    elif needs_flag and flag is None:
        errors.append(
            api_error('attribute "change_failure" is required', f"{ATTRS}/change_failure")
        )
    remediation = _remediation(attrs["remediation"], errors) if "remediation" in attrs else None
    return Patch(flag if isinstance(flag, bool) else None, remediation)


def _data(doc: dict[str, object], keys: set[str], errors: list[Error]) -> dict[str, object]:
    data = doc["data"]
    assert isinstance(data, dict)
    errors += unknown_keys(doc, {"data"}, "")
    errors += unknown_keys(data, keys, "/data", "data.")
    attrs = data.get("attributes")
    if not isinstance(attrs, dict):
        errors.append(api_error('"data.attributes" must be an object', ATTRS))
        return {}
    return attrs


def parse_patch(doc: dict[str, object], path_id: str) -> tuple[Patch | None, list[Error]]:
    """A PATCH /api/v2/dora/deployments/{id} body, checked."""
    wrong_type = type_error(doc, PATCH_TYPE)
    if wrong_type is not None:
        return None, [wrong_type]
    errors: list[Error] = []
    attrs = _data(doc, {"type", "id", "attributes"}, errors)
    data_id = doc["data"].get("id", path_id) if isinstance(doc["data"], dict) else path_id
    if data_id != path_id:
        # Unverified: the recordings always send data.id equal to the path's id.
        detail = f'"data.id" ({shown(data_id)}) must equal the id in the path ({shown(path_id)})'
        errors.append(api_error(detail, "/data/id"))
    errors += unknown_keys(attrs, {"change_failure", "remediation"}, ATTRS)
    patch = _patch(attrs, errors, needs_flag=False)
    return (None, errors) if errors else (patch, [])


def parse_patch_by_version(
    doc: dict[str, object],
) -> tuple[tuple[VersionMatch, Patch] | None, list[Error]]:
    """A PATCH /api/v2/dora/deployments body (by service, env and version), checked.

    Unverified: this form is in the spec and the official clients
    (patch_dora_deployment_by_version) but in none of the recordings.
    """
    wrong_type = type_error(doc, PATCH_TYPE)
    if wrong_type is not None:
        return None, [wrong_type]
    errors: list[Error] = []
    attrs = _data(doc, {"type", "attributes"}, errors)
    errors += unknown_keys(
        attrs, {"change_failure", "remediation", "service", "env", "version"}, ATTRS
    )
    names = ("service", "env", "version")
    for name in names:
        if name not in attrs:
            errors.append(api_error(f'attribute "{name}" is required', f"{ATTRS}/{name}"))
        else:
            errors += check_nonempty_string(attrs[name], name, f"{ATTRS}/{name}")
    patch = _patch(attrs, errors, needs_flag=True)
    if errors:
        return None, errors
    service, env, version = (str(attrs[name]) for name in names)
    return (VersionMatch(service, env, version), patch), []
