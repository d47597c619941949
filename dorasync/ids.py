"""Core: an incident's key, and the deterministic event id derived from it.

The formula, which anyone can recompute (README "Ids"):

    key = the `key:` field, else the file's path under the incidents folder, without
          its extension, with `/` separators (`2026/2026-11-20-checkout-latency`)
    id  = the `id:` field, else str(uuid5(UUID(namespace), key))

uuid5 is RFC 4122's name-based UUID (SHA-1 of the namespace's 16 bytes followed by
the key's UTF-8 bytes): 36 characters of `0-9 a-f -`, inside the API's 16 to 128
characters of `A-Za-z0-9-_.:`, the same on every machine and in every language.
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath

ID_RULE = re.compile(r"[A-Za-z0-9_.:-]{16,128}")


def key_for_path(relative: PurePosixPath) -> str:
    """The key of an incident file, from its path under the incidents folder."""
    return str(relative.with_suffix(""))


def derive_id(namespace: uuid.UUID, key: str) -> str:
    """The event id of an incident that does not set `id:` itself."""
    return str(uuid.uuid5(namespace, key))
