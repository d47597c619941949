"""Core: JSON Schemas (draft 2020-12) of an incident file and of dorasync.yaml, for editors.

Written from the constants the model checks with, not from pydantic's schema of the
model: the model describes values after dorasync read them (timestamps as integer
nanoseconds), while an editor sees the YAML as written, read as YAML 1.2 (where
`1.10` is a number and `no` a string; dorasync reads both as the text written).
Only keywords that mean the same in draft-07 are used, so that language servers
that know draft-07 alone read them too. Rules that span fields or files (services
or team once defaults are merged, finished_at after started_at, unique keys) are
left to `dorasync validate`.
"""

from __future__ import annotations

from typing import Any

from dorasync.config import SITES
from dorasync.ids import ID_RULE
from dorasync.links import BY_VERSION, REMEDIATION_TYPES
from dorasync.model import MAX_TAG, MAX_TAGS
from dorasync.safety import DEFAULT_DELETE_SHARE, DEFAULT_MIN_EXISTING, DEFAULT_SHARE
from dorasync.text import MAX_TEXT
from dorasync.timestamps import EXAMPLE, MAX_S, MIN_S, NS_PER_S

DIALECT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]

_ONE_LINE = "[^\\u0000-\\u001f\\u007f-\\u009f]"
# YAML 1.2 reads `1.10`, `true` or `1234` as a number or a boolean; dorasync reads
# the text written, so a text field takes any scalar.
_SCALAR = ["string", "number", "boolean"]
_DATETIME = r"^(20\d\d|2100)-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d([.,]\d{1,9})?([Zz]|[+-]\d\d:?\d\d)$"


def _text(description: str, limit: int = MAX_TEXT, **more: Any) -> Schema:
    return {
        "description": description,
        "type": [*_SCALAR, "null"],
        "maxLength": limit,
        "pattern": f"^{_ONE_LINE}*\\S{_ONE_LINE}*$",
        **more,
    }


def _timestamp(description: str, nullable: bool) -> Schema:
    epochs = [
        {"type": "integer", "minimum": MIN_S * scale, "exclusiveMaximum": MAX_S * scale}
        for scale in (1, 1_000, NS_PER_S)
    ]
    date_time = {"type": "string", "pattern": _DATETIME}
    return {
        "description": description,
        "anyOf": [date_time, *epochs, *([{"type": "null"}] if nullable else [])],
        "examples": [EXAMPLE],
    }


def _list(description: str, item: Schema, **more: Any) -> Schema:
    return {
        "description": description,
        "type": ["array", "null"],
        "minItems": 1,
        "uniqueItems": True,
        "items": item,
        **more,
    }


def _git(description: str) -> Schema:
    return {
        "description": description,
        "type": ["object", "null"],
        "additionalProperties": False,
        "properties": {
            "commit_sha": {
                "description": "The full commit SHA, all 40 hex digits.",
                "type": ["string", "integer", "null"],
                "pattern": "^[0-9a-fA-F]{40,}$",
            },
            "repository_url": {
                "description": "The repository's URL, e.g. https://github.com/acme/shop.",
                "type": ["string", "null"],
                "pattern": "^\\S+$",
            },
        },
    }


def _shared(git: str) -> dict[str, Schema]:
    """The fields an incident file and `defaults:` both may set."""
    tag = {"type": "string", "maxLength": MAX_TAG, "pattern": "^[^:]+:"}
    return {
        "services": _list(
            "The services affected; services or team is required.",
            {"type": _SCALAR, "maxLength": MAX_TEXT},
            examples=[["checkout"]],
        ),
        "team": _text("The team that owns the incident; services or team is required."),
        "severity": _text("Free text, e.g. SEV-1 or High.", examples=["SEV-2"]),
        "env": _text("The environment, e.g. prod.", examples=["prod"]),
        "version": _text("The version deployed when it happened.", examples=["v1.12.07"]),
        "git": _git(git),
        "custom_tags": _list(
            f'key:value tags, at most {MAX_TAGS}, e.g. ["cause:config"].',
            tag,
            maxItems=MAX_TAGS,
        ),
    }


def incident_schema() -> Schema:
    """The schema of one incident file, as written (before defaults are merged)."""
    properties: dict[str, Schema] = {
        "name": _text("A short title.", examples=["Checkout latency above SLO"]),
        "started_at": _timestamp(
            "When it started: a date-time with an offset, or an epoch in s, ms or ns.", False
        ),
        "finished_at": _timestamp(
            "When it ended, not before started_at; leave out while it is ongoing.", True
        ),
        **_shared(
            "The commit that caused it: commit_sha and repository_url (the URL may come "
            "from defaults: in dorasync.yaml)."
        ),
        "id": {
            "description": "An explicit event id; leave out and dorasync derives one.",
            "type": ["string", "integer", "null"],
            "pattern": f"^{ID_RULE.pattern}$",
        },
        "key": _text("A stable key, to keep the id when the file moves.", 512),
        "retracted": {
            "description": "true deletes the event from Datadog (once it was sent) and never "
            "sends it again; keep the file as the record of what was retracted and why.",
            "type": ["boolean", "null"],
        },
        "retracted_reason": _text(
            "Why it was retracted; kept in the file, never sent.",
            examples=["duplicate of 2026/2026-11-20-checkout-latency"],
        ),
        **_link(),
    }
    return {
        "$schema": DIALECT,
        "$id": "urn:dorasync:schema:incident",
        "title": "dorasync incident",
        "description": "One incident for Datadog's DORA Metrics, kept by dorasync.",
        "type": "object",
        "required": ["started_at"],
        "additionalProperties": False,
        "properties": properties,
        # if/then rather than dependentRequired, which draft-07 does not know.
        "if": {"required": ["remediation"]},
        "then": {"required": ["caused_by"]},
    }


def deployment_schema() -> Schema:
    """The schema of one deployment file (README "Deployments"), as written."""
    shared = _shared(
        "The commit deployed: commit_sha and repository_url (the URL may come from "
        "defaults: in dorasync.yaml)."
    )
    properties: dict[str, Schema] = {
        "service": _text("The service deployed.", examples=["checkout"]),
        "started_at": _timestamp(
            "When the deployment started: a date-time with an offset, or an epoch.", False
        ),
        "finished_at": _timestamp("When it finished, not before started_at.", False),
        **{name: shared[name] for name in ("env", "version", "team", "git", "custom_tags")},
        "id": {
            "description": "An explicit deployment id; leave out and dorasync derives one.",
            "type": ["string", "integer", "null"],
            "pattern": f"^{ID_RULE.pattern}$",
        },
        "key": _text("A stable key, to keep the id when the file moves.", 512),
    }
    return {
        "$schema": DIALECT,
        "$id": "urn:dorasync:schema:deployment",
        "title": "dorasync deployment",
        "description": "One deployment event for Datadog's DORA Metrics, kept by dorasync.",
        "type": "object",
        "required": ["service", "started_at", "finished_at"],
        "additionalProperties": False,
        "properties": properties,
    }


_DEPLOYMENT_ID = {
    "description": "The deployment's id in Datadog.",
    "type": ["string", "integer"],
    "pattern": "^[A-Za-z0-9_.:-]{1,128}$",
    "examples": ["z_RwVLi7v4Y"],
}


def _link() -> dict[str, Schema]:
    """caused_by and remediation: exactly one way of naming each deployment."""
    by_version = {name: _text(f"The deployment's {name}.") for name in BY_VERSION}
    caused_by = {
        "description": "The deployment that caused the incident, marked as a change failure "
        "in Datadog: by deployment_id, or by service, env and version.",
        "type": "object",
        "additionalProperties": False,
        "properties": {"deployment_id": _DEPLOYMENT_ID, **by_version},
        "oneOf": [
            {"required": ["deployment_id"], "not": {"anyOf": _any_of(by_version)}},
            {"required": list(by_version), "not": {"required": ["deployment_id"]}},
        ],
        "examples": [{"deployment_id": "z_RwVLi7v4Y"}],
    }
    remediation = {
        "description": "How the failed deployment was remediated and by which deployment "
        "(by deployment_id, or by version of the same service and env); needs caused_by.",
        "type": "object",
        "additionalProperties": False,
        "required": ["type"],
        "properties": {
            "type": {"description": "rollback or rollforward.", "enum": list(REMEDIATION_TYPES)},
            "deployment_id": _DEPLOYMENT_ID,
            "version": _text("The version of the remediation deployment.", examples=["v1.12.06"]),
        },
        "oneOf": [{"required": ["deployment_id"]}, {"required": ["version"]}],
    }
    return {"caused_by": caused_by, "remediation": remediation}


def _any_of(names: dict[str, Schema]) -> list[Schema]:
    return [{"required": [name]} for name in names]


def _safety() -> Schema:
    return {
        "description": "apply refuses, without --force, a plan that updates or deletes "
        "more than a share of the incidents already sent.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "update_threshold": {
                "description": "The share of incidents in the state one apply may update.",
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 1,
                "default": DEFAULT_SHARE,
            },
            "delete_threshold": {
                "description": "The share of incidents in the state one apply may delete "
                "(retractions and --prune).",
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 1,
                "default": DEFAULT_DELETE_SHARE,
            },
            "min_existing": {
                "description": "The threshold applies once the state holds this many.",
                "type": "integer",
                "minimum": 0,
                "default": DEFAULT_MIN_EXISTING,
            },
        },
    }


def config_schema() -> Schema:
    """The schema of dorasync.yaml."""
    uuid = "^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$"
    return {
        "$schema": DIALECT,
        "$id": "urn:dorasync:schema:config",
        "title": "dorasync.yaml",
        "description": "The settings of a dorasync project.",
        "type": "object",
        "required": ["namespace"],
        "additionalProperties": False,
        "properties": {
            "namespace": {
                "description": "Fixed by `dorasync init`; part of every derived id. Never "
                "change it once incidents were sent.",
                "type": "string",
                "pattern": uuid,
            },
            "incidents": _text("The incidents folder, relative to this file.", default="incidents"),
            "deployments": _text(
                "The folder of deployment files (optional; none when it is missing).",
                default="deployments",
            ),
            "state": _text("The state file.", default=".dorasync/state.json"),
            "site": {"description": "The Datadog site; DD_SITE overrides.", "enum": list(SITES)},
            "endpoint": {
                "description": "failure, or incident (the legacy path).",
                "enum": ["failure", "incident"],
                "default": "failure",
            },
            "defaults": {
                "description": "Merged under every incident; the file's value wins.",
                "type": ["object", "null"],
                "additionalProperties": False,
                "properties": _shared(
                    "git merges key by key under an incident's own git:; a default with "
                    "repository_url alone applies only to incidents that write git:."
                ),
            },
            "safety": _safety(),
        },
    }
