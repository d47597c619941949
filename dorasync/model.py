"""Core: an incident as declared, checked by every rule of the seed's field table.

The seed (Datadog's page for the incident endpoint) is the rule book: `started_at`
required; `services` or `team`; `id` 16-128 of `A-Za-z0-9-_.:`; `custom_tags` as
`key:value`, at most 100; `git` with both fields. dorasync adds `finished_at >=
started_at` (an incident cannot end before it starts) and refuses YAML's silent
type conversions (product.md "Timestamps").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from dorasync.ids import ID_RULE
from dorasync.links import CausedBy, Remediation, link_of
from dorasync.text import Text, check_text, user_error
from dorasync.timestamps import EXAMPLE, TimestampError, datetime_to_ns, epoch_to_ns
from dorasync.yamlsource import Mark, Plain

MAX_TAGS = 100  # the seed: "Up to 100 may be added per event"
MAX_TAG = 200  # Datadog truncates tags longer than 200 characters
_SHA = re.compile(r"[0-9a-fA-F]{40,}")
_DIGITS = re.compile(r"[0-9]{1,30}")  # an epoch has at most 19 digits; int() of more is slow


def _a_list(example: str) -> Callable[[object], list[object]]:
    def check(value: object) -> list[object]:
        if not isinstance(value, list):
            raise user_error(f"must be a list, e.g. [{example}]")
        if not value:
            raise user_error("is an empty list; list at least one, or remove the line")
        return value

    return check


def _no_repeats(items: list[str]) -> list[str]:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise user_error(f"lists {item!r} more than once")
        seen.add(item)
    return items


def _at_most_100(items: list[str]) -> list[str]:
    if len(items) > MAX_TAGS:
        raise user_error(f"has {len(items)} tags; the API takes at most {MAX_TAGS}")
    return items


def _name(value: object) -> str:
    if isinstance(value, dict):
        raise user_error("each entry must be a name, not a mapping")
    return check_text(value)


def _tag(value: object) -> str:
    if isinstance(value, dict) and len(value) == 1:
        k, v = next(iter(value.items()))
        raise user_error(
            f"is a mapping, because of the space after the colon; write the tag "
            f'as one quoted string: "{k}:{v}"'
        )
    text = check_text(value, MAX_TAG)
    if not text.partition(":")[0] or ":" not in text:
        raise user_error(
            f'{text!r} is not a key:value tag (Datadog\'s rule); write e.g. "cause:{text}"'
        )
    return text


def _event_id(value: object) -> str:
    text = check_text(value)
    if not ID_RULE.fullmatch(text):
        bad = sorted({c for c in text if not re.fullmatch(r"[A-Za-z0-9_.:-]", c)})
        why = f"has {bad[0]!r}" if bad else f"is {len(text)} characters long"
        raise user_error(
            f"{why}; the API takes 16 to 128 characters of A-Z a-z 0-9 - _ . : "
            "(or leave id out and dorasync derives one)"
        )
    return text


def check_sha(value: object) -> str:
    text = check_text(value)
    if not _SHA.fullmatch(text):
        raise user_error(f"{text!r} is not a full commit SHA; write all 40 hex digits, in quotes")
    return text


def check_url(value: object) -> str:
    text = check_text(value)
    if any(c.isspace() for c in text):
        raise user_error("contains a space; write the repository's URL")
    return text


def _timestamp(value: object) -> int:
    try:
        return _read_timestamp(value)
    except TimestampError as exc:
        raise user_error(str(exc)) from None


def _read_timestamp(value: object) -> int:
    if isinstance(value, str) and len(value) > 64:
        raise TimestampError(
            f"is {len(value)} characters long, which no timestamp is; write e.g. {EXAMPLE}"
        )
    if isinstance(value, Plain):
        if value.kind == "int" and _DIGITS.fullmatch(value):
            return epoch_to_ns(int(value))
        if value.kind == "int" and ":" in value:
            raise TimestampError(
                f"'{value}' is a YAML base-60 number, not a time; write a "
                f"date-time with an offset, e.g. {EXAMPLE}"
            )
        if value.kind == "int" and value.startswith("-"):
            raise TimestampError(f"'{value}' is negative, before 1970; write e.g. {EXAMPLE}")
        if value.kind == "int":
            raise TimestampError(f"'{value}' is not a plain decimal epoch; write its digits")
        if value.kind == "float":
            raise TimestampError(
                f"'{value}' is a decimal number; write a whole number of "
                f"seconds, milliseconds or nanoseconds, or e.g. {EXAMPLE}"
            )
        if value.kind == "bool":
            raise TimestampError(f"'{value}' is a yes/no value, not a time; write e.g. {EXAMPLE}")
    if isinstance(value, str):
        if _DIGITS.fullmatch(value.strip()):
            raise TimestampError(f"'{value}' is a quoted number; write the epoch without quotes")
        return datetime_to_ns(value)
    raise TimestampError(f"must be a date-time or an epoch, not a {type(value).__name__}")


def _flag(value: object) -> bool:
    """true or false as YAML writes them; yes/no/on/off are refused, not guessed."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, str):
        raise user_error(f"must be true or false, not a {type(value).__name__}")
    raise user_error(f"{value!r} is not true or false; write retracted: true")


Timestamp = Annotated[int, BeforeValidator(_timestamp)]
EventId = Annotated[str, BeforeValidator(_event_id)]
Key = Annotated[str, BeforeValidator(lambda v: check_text(v, 512))]
Services = Annotated[
    list[Annotated[str, BeforeValidator(_name)]],
    BeforeValidator(_a_list("checkout")),
    AfterValidator(_no_repeats),
]
Tags = Annotated[
    list[Annotated[str, BeforeValidator(_tag)]],
    BeforeValidator(_a_list('"cause:config"')),
    AfterValidator(_no_repeats),
    AfterValidator(_at_most_100),
]


class GitInfo(BaseModel):
    """The seed's `git` object: both fields are required when it is present."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    commit_sha: Annotated[str, BeforeValidator(check_sha)]
    repository_url: Annotated[str, BeforeValidator(check_url)]


# Fields of an incident file that dorasync keeps to itself: never sent.
# The link to a deployment is sent apart, as a PATCH of that deployment (links.py).
LOCAL_FIELDS = frozenset({"key", "retracted", "retracted_reason", "caused_by", "remediation"})


class IncidentSpec(BaseModel):
    """The fields an incident file may hold, after `defaults:` were merged under it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    started_at: Timestamp
    finished_at: Timestamp | None = None
    services: Services | None = None
    team: Text | None = None
    name: Text | None = None
    severity: Text | None = None
    env: Text | None = None
    version: Text | None = None
    git: GitInfo | None = None
    custom_tags: Tags | None = None
    id: EventId | None = None
    key: Key | None = None
    # Not sent: a retracted incident is deleted from Datadog, and its file stays as
    # the record of what was retracted and why (issue 5).
    retracted: Annotated[bool, BeforeValidator(_flag)] | None = None
    retracted_reason: Text | None = None
    caused_by: CausedBy | None = None
    remediation: Remediation | None = None

    def attributes(self, event_id: str) -> dict[str, Any]:
        """The body's `attributes`, exactly as sent: absent fields are left out."""
        body = self.model_dump(exclude_none=True, exclude=set(LOCAL_FIELDS))
        body["id"] = event_id
        return body

    def link(self) -> dict[str, Any] | None:
        """The link to the deployment that caused it, in its normal form (links.py)."""
        return link_of(self.caused_by, self.remediation)


FIELDS = tuple(IncidentSpec.model_fields)


@dataclass(frozen=True, slots=True)
class Incident:
    """A checked incident: its identity, where it came from and what will be sent."""

    key: str
    id: str
    file: str
    attributes: dict[str, Any]
    marks: Mapping[str, Mark]
    digest: str
    retracted: bool = False
    retracted_reason: str | None = None
    # The deployment that caused it and its remediation, as links.link_of gives them.
    link: Mapping[str, Any] | None = None


def cross_checks(spec: IncidentSpec, now_ns: int) -> list[tuple[str, str, bool]]:
    """Rules that span fields, as (field, message, is_error)."""
    found: list[tuple[str, str, bool]] = []
    if not spec.services and not spec.team:
        found.append(
            (
                "services",
                "an incident needs services or team (Datadog's rule); "
                "add e.g. services: [checkout] or team: backend",
                True,
            )
        )
    if spec.finished_at is not None and spec.finished_at < spec.started_at:
        found.append(
            (
                "finished_at",
                "is before started_at; an incident cannot end before "
                "it starts (swapped, or a wrong offset?)",
                True,
            )
        )
    if spec.retracted_reason is not None and not spec.retracted:
        found.append(
            (
                "retracted_reason",
                "is set, but retracted is not true, so the incident is sent as usual; "
                "add retracted: true to retract it",
                False,
            )
        )
    if spec.started_at > now_ns:
        found.append(("started_at", "is in the future; is the date or the offset right?", False))
    return found
