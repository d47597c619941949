"""pure core: checks DORA write bodies by the seed's field table and returns JSON:API errors.

The emulator checks bodies on its own, without the client's incident model, so that a
mistake in one is caught by the other (docs/style.md). The failure table is the seed's
(seeds/000_ec69850d60b52bbc.txt, "Body Data"); the deployment table is Datadog's
DORADeploymentRequestAttributes (datadog-api-client-python) plus team and custom_tags.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

Error = dict[str, object]
Check = Callable[[object, str, str], list[Error]]

ATTRS = "/data/attributes"
_ID = re.compile(r"[A-Za-z0-9\-_.:]+")
_HEX = re.compile(r"[0-9a-fA-F]{40,}")
_MAX_TAGS = 100
# Years 2000 through 2100 (docs/product.md, "Timestamps"). The upper bound is the end of
# 2100 so that the client's own check, not the emulator, is the stricter one at the edge.
_FIRST_SECOND = 946_684_800  # 2000-01-01T00:00:00Z
_END_SECOND = 4_133_980_800  # 2101-01-01T00:00:00Z
_UNITS = {"seconds": 1, "milliseconds": 10**3, "nanoseconds": 10**9}


def api_error(detail: str, pointer: str | None = None, status: int = 400) -> Error:
    """One JSON:API error object, shaped like the seed's 400 model."""
    titles = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
    error: Error = {"status": str(status), "title": titles.get(status, "Error"), "detail": detail}
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    return error


def shown(value: object) -> str:
    """A short rendering of a bad value for an error detail (never a header, so never a key)."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number with a fraction"}
    names |= {str: "a string", list: "a list", dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def epoch_unit(value: int) -> str | None:
    """The unit whose scale puts `value` in 2000..2100, or None when no unit does."""
    for unit, per_second in _UNITS.items():
        if _FIRST_SECOND * per_second <= value < _END_SECOND * per_second:
            return unit
    return None


def epoch_to_ns(value: int) -> int:
    """Nanoseconds for a timestamp that passed check_epoch (integer arithmetic only)."""
    unit = epoch_unit(value)
    return value * (10**9 // _UNITS[unit]) if unit else value


def check_epoch(value: object, name: str, pointer: str) -> list[Error]:
    # A JSON integer only: bool is an int in Python and 1.7e18 parses as a float, and the
    # seed's type is int64 for both timestamps.
    if type(value) is not int:
        detail = f'attribute "{name}" must be an integer Unix time, got {_kind(value)}'
        return [api_error(detail, pointer)]
    if epoch_unit(value) is not None:
        return []
    if _FIRST_SECOND * 10**6 <= value < _END_SECOND * 10**6:
        # The seed says "nanoseconds, milliseconds, or seconds": microseconds are not taken.
        detail = (
            f'attribute "{name}" looks like microseconds ({value}); '
            "send seconds, milliseconds or nanoseconds"
        )
        return [api_error(detail, pointer)]
    detail = (
        f'attribute "{name}" ({value}) is not a Unix time between 2000 and 2100 '
        "in seconds, milliseconds or nanoseconds"
    )
    return [api_error(detail, pointer)]


def check_string(value: object, name: str, pointer: str) -> list[Error]:
    if isinstance(value, str):
        return []
    return [api_error(f'attribute "{name}" must be a string, got {_kind(value)}', pointer)]


def check_nonempty_string(value: object, name: str, pointer: str) -> list[Error]:
    if isinstance(value, str) and value:
        return []
    return [
        api_error(f'attribute "{name}" must be a non-empty string, got {shown(value)}', pointer)
    ]


def check_id(value: object, name: str, pointer: str) -> list[Error]:
    if not isinstance(value, str):
        return check_string(value, name, pointer)
    if not 16 <= len(value) <= 128:
        detail = f'attribute "{name}" must be 16 to 128 characters long, got {len(value)}'
        return [api_error(detail, pointer)]
    if not _ID.fullmatch(value):
        detail = f'attribute "{name}" may only contain A-Z a-z 0-9 - _ . :, got {shown(value)}'
        return [api_error(detail, pointer)]
    return []


def check_services(value: object, name: str, pointer: str) -> list[Error]:
    if not isinstance(value, list):
        return [api_error(f'attribute "{name}" must be a list of strings', pointer)]
    return [
        api_error(f'attribute "{name}" item {i} must be a non-empty string', f"{pointer}/{i}")
        for i, item in enumerate(value)
        if not (isinstance(item, str) and item)
    ]


def _is_tag(item: object) -> bool:
    return isinstance(item, str) and item.find(":") > 0


def check_tags(value: object, name: str, pointer: str) -> list[Error]:
    if value is None:
        # Datadog's spec marks custom_tags nullable (DORAFailureRequestAttributes:
        # "[str], none_type"), so null means "no tags" rather than a type error.
        return []
    if not isinstance(value, list):
        return [api_error(f'attribute "{name}" must be a list of key:value strings', pointer)]
    errors = [
        api_error(
            f'attribute "{name}" item {i} must look like key:value, got {shown(item)}',
            f"{pointer}/{i}",
        )
        for i, item in enumerate(value)
        if not _is_tag(item)
    ]
    if len(value) > _MAX_TAGS:
        detail = f'attribute "{name}" has {len(value)} tags; at most {_MAX_TAGS} are allowed'
        errors.append(api_error(detail, pointer))
    return errors


def check_git(value: object, name: str, pointer: str) -> list[Error]:
    if not isinstance(value, dict):
        return [api_error(f'attribute "{name}" must be an object, got {_kind(value)}', pointer)]
    errors = unknown_keys(value, {"commit_sha", "repository_url"}, pointer, f"{name}.")
    for key in ("commit_sha", "repository_url"):
        if key not in value:
            errors.append(api_error(f'attribute "{name}.{key}" is required', f"{pointer}/{key}"))
    sha = value.get("commit_sha")
    if "commit_sha" in value and not (isinstance(sha, str) and _HEX.fullmatch(sha)):
        detail = f'attribute "{name}.commit_sha" must be 40 or more hexadecimal characters'
        errors.append(api_error(detail, f"{pointer}/commit_sha"))
    if "repository_url" in value:
        errors += check_string(
            value["repository_url"], f"{name}.repository_url", f"{pointer}/repository_url"
        )
    return errors


def unknown_keys(
    obj: dict[str, object], known: set[str], pointer: str, prefix: str = ""
) -> list[Error]:
    # Deliberately strict: a misspelt attribute (finshed_at) must fail loudly here rather
    # than be dropped silently by the real API.
    return [
        api_error(f'unknown attribute "{prefix}{key}"', f"{pointer}/{key}")
        for key in obj
        if key not in known
    ]


FAILURE_FIELDS: dict[str, Check] = {
    "started_at": check_epoch,
    "finished_at": check_epoch,
    "services": check_services,
    "team": check_string,
    "id": check_id,
    "name": check_string,
    "severity": check_string,
    "env": check_string,
    "version": check_string,
    "git": check_git,
    "custom_tags": check_tags,
}

DEPLOYMENT_FIELDS: dict[str, Check] = {
    "service": check_nonempty_string,
    "started_at": check_epoch,
    "finished_at": check_epoch,
    "id": check_id,
    "env": check_string,
    "version": check_string,
    "team": check_string,
    "git": check_git,
    "custom_tags": check_tags,
}


def check_fields(
    attrs: dict[str, object], fields: dict[str, Check], required: set[str]
) -> list[Error]:
    errors = unknown_keys(attrs, set(fields), ATTRS)
    for name, check in fields.items():
        if name in attrs:
            errors += check(attrs[name], name, f"{ATTRS}/{name}")
        elif name in required:
            errors.append(api_error(f'attribute "{name}" is required', f"{ATTRS}/{name}"))
    return errors


def failure_errors(attrs: dict[str, object]) -> list[Error]:
    """Every problem in a failure/incident attributes object, by the seed's table."""
    errors = check_fields(attrs, FAILURE_FIELDS, {"started_at"})
    services, team = attrs.get("services"), attrs.get("team")
    # The seed: services is "required when the team field is not provided" and vice versa.
    if not (isinstance(services, list) and services) and not (isinstance(team, str) and team):
        detail = 'one of attributes "services" (a non-empty list) or "team" is required'
        errors.append(api_error(detail, f"{ATTRS}/services"))
    return errors


def deployment_errors(attrs: dict[str, object]) -> list[Error]:
    """Every problem in a deployment attributes object (DORADeploymentRequestAttributes)."""
    return check_fields(attrs, DEPLOYMENT_FIELDS, {"service", "started_at", "finished_at"})


def parse_document(raw: bytes) -> tuple[dict[str, object] | None, list[Error]]:
    """The request body as a JSON object, or the error that says why it is not one."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [api_error(f"request body is not valid JSON: {exc}", "")]
    if not isinstance(doc, dict):
        return None, [api_error(f"request body must be a JSON object, got {_kind(doc)}", "")]
    return doc, []


def write_attributes(doc: dict[str, object]) -> tuple[dict[str, object] | None, list[Error]]:
    """`data.attributes` of a write body: the seed's body has no data.type and no data.id."""
    errors = unknown_keys(doc, {"data"}, "")
    data = doc.get("data")
    if not isinstance(data, dict):
        return None, [*errors, api_error('"data" must be an object', "/data")]
    errors += unknown_keys(data, {"attributes"}, "/data", "data.")
    attrs = data.get("attributes")
    if not isinstance(attrs, dict):
        return None, [*errors, api_error('"data.attributes" must be an object', ATTRS)]
    return attrs, errors
