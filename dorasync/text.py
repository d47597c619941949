"""Core: the checks every text value of a file meets, and the error they raise."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

MAX_TEXT = 1_000
# Control characters, and the invisible ones that make text read other than it is
# (bidirectional overrides and isolates, zero-width marks): a name in a plan must
# show what will be sent (CVE-2021-42574, "Trojan Source").
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def user_error(message: str) -> PydanticCustomError:
    return PydanticCustomError("dorasync", "{reason}", {"reason": message})


def check_text(value: object, limit: int = MAX_TEXT) -> str:
    if isinstance(value, list):
        raise user_error("must be a single text value, not a list")
    if isinstance(value, dict):
        raise user_error("must be a single text value, not a mapping; quote it if it holds ': '")
    if not isinstance(value, str):  # pragma: no cover - the YAML layer yields only these
        raise user_error("must be text")
    if not value.strip():
        raise user_error("is empty; give a value or remove the line")
    if _CONTROL.search(value):
        raise user_error(
            "contains a control or invisible character (a line break, a tab, a bidi "
            "override?); write plain text on one line"
        )
    if len(value) > limit:
        raise user_error(f"is {len(value)} characters long; keep it under {limit}")
    return str(value)


Text = Annotated[str, BeforeValidator(check_text)]
