"""Deterministic ids: the README's formula, recomputed here from first principles."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePosixPath

import pytest

from dorasync.ids import ID_RULE, derive_id, key_for_path

NAMESPACE = uuid.UUID("3b1f6f0e-6d4c-4b8e-9a57-0c2d41e8a913")


def readme_formula(namespace: str, key: str) -> str:
    """RFC 4122 name-based UUID, version 5, written out as the README states it."""
    digest = bytearray(hashlib.sha1(uuid.UUID(namespace).bytes + key.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@pytest.mark.parametrize("key", ["2026/2026-11-20-checkout-latency", "a", "ünïcode/key", "x" * 500])
def test_derived_id_is_the_documented_uuid5_of_namespace_and_key(key: str) -> None:
    assert derive_id(NAMESPACE, key) == readme_formula(str(NAMESPACE), key)


def test_derived_ids_are_valid_event_ids_for_the_api() -> None:
    assert ID_RULE.fullmatch(derive_id(NAMESPACE, "k"))


def test_known_vector_so_that_a_change_of_formula_cannot_go_unnoticed() -> None:
    assert (
        derive_id(NAMESPACE, "2026/2026-11-20-checkout-latency")
        == "0d547d17-a7cc-5453-a7a4-5a12c5d662ab"
    )


def test_another_namespace_gives_another_id() -> None:
    other = uuid.UUID("00000000-0000-4000-8000-000000000000")
    assert derive_id(NAMESPACE, "k") != derive_id(other, "k")


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("2026/2026-11-20-checkout-latency.yaml", "2026/2026-11-20-checkout-latency"),
        ("top.yml", "top"),
        ("a/b/c.d.yaml", "a/b/c.d"),
    ],
)
def test_key_is_the_path_under_the_incidents_folder_without_extension(path: str, key: str) -> None:
    assert key_for_path(PurePosixPath(path)) == key
