"""State surgery's core: forgetting and moving entries, and the id a moved entry keeps."""

from __future__ import annotations

import uuid

import pytest

from dorasync.ids import derive_id
from dorasync.moves import Surgery, forget, keep_moved_ids, move
from dorasync.state import State
from tests.support import NAMESPACE
from tests.test_plan import incident, state_of

SPACE = uuid.UUID(NAMESPACE)


def test_forget_removes_the_keys_named_and_refuses_an_unknown_one_changing_nothing() -> None:
    state = state_of(incident("a"), incident("b"))
    assert forget(state, ["a"], "state.json") == {"a": None}
    with pytest.raises(Surgery, match=r"no incident with the key 'c'.*nothing was changed"):
        forget(state, ["a", "c"], "state.json")


def test_move_gives_the_entry_a_new_key_keeping_its_id_and_where_it_came_from() -> None:
    state = state_of(incident("2025/old"))
    change = move(state, "2025/old", "2026/new", "state.json")
    moved = change["2026/new"]
    assert change["2025/old"] is None
    assert moved is not None
    assert (moved.id, moved.moved_from, moved.digest) == ("id-2025/old-0123456789", "2025/old", "")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("nope", "x", "no incident with the key 'nope'"),
        ("a", "a", "already the key"),
        ("a", "b", "already has an incident with the key 'b'.*dorasync state rm b"),
    ],
)
def test_a_move_that_cannot_be_done_says_why(old: str, new: str, message: str) -> None:
    with pytest.raises(Surgery, match=message):
        move(state_of(incident("a"), incident("b")), old, new, "state.json")


def moved_state() -> State:
    """A state whose entry for `old` (with old's derived id) was moved to `new`."""
    state = state_of(incident("old", id=derive_id(SPACE, "old")))
    return state.with_entries(move(state, "old", "new", "s"), "L")


def test_a_moved_entry_gives_its_id_to_the_incident_of_its_new_key() -> None:
    new = incident("new", id=derive_id(SPACE, "new"))
    (kept,) = keep_moved_ids([new], moved_state(), SPACE)
    assert kept.id == kept.attributes["id"] == derive_id(SPACE, "old")


def test_an_id_written_in_the_file_wins_over_a_moved_entry() -> None:
    state = moved_state()
    explicit = incident("new", id="written-in-the-file-01")
    assert keep_moved_ids([explicit], state, SPACE) == [explicit]


def test_an_entry_that_was_not_moved_never_changes_a_derived_id() -> None:
    state = state_of(incident("a", id="another-id-0123456789"))
    mine = incident("a", id=derive_id(SPACE, "a"))
    assert keep_moved_ids([mine], state, SPACE)[0].id == derive_id(SPACE, "a")
