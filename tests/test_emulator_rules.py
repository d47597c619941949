"""The emulator's body rules, by the seed's field table (pure, no HTTP)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorasync.emulator.rules import deployment_errors, epoch_to_ns, failure_errors
from dorasync.emulator.search import ns_to_rfc3339, rfc3339_to_ns
from tests.emulator_fixtures import failure_attributes

SECONDS = 1_707_842_944


def pointers(attributes: dict[str, object]) -> list[str]:
    return [str(error["source"]["pointer"]) for error in failure_errors(attributes)]  # type: ignore[index]


def details(attributes: dict[str, object]) -> str:
    return " | ".join(str(error["detail"]) for error in failure_errors(attributes))


def test_rules_accept_the_seeds_own_example() -> None:
    assert failure_errors(failure_attributes()) == []


@pytest.mark.parametrize(
    "started_at", [SECONDS, SECONDS * 1000, SECONDS * 10**9, 946_684_800, 4_133_980_799]
)
def test_rules_accept_seconds_milliseconds_and_nanoseconds_from_2000_to_2100(
    started_at: int,
) -> None:
    assert failure_errors(failure_attributes(started_at=started_at, finished_at=None)) == []


@pytest.mark.parametrize(
    ("started_at", "words"),
    [
        ("2024-02-13T16:49:04Z", "got a string"),
        (True, "got a boolean"),
        (1.707842944e18, "got a number with a fraction"),
        (SECONDS * 10**6, "looks like microseconds"),
        (946_684_799, "between 2000 and 2100"),
        (4_133_980_800, "between 2000 and 2100"),
        (-1, "between 2000 and 2100"),
    ],
)
def test_rules_reject_a_started_at_that_is_not_an_integer_epoch_in_s_ms_or_ns(
    started_at: object, words: str
) -> None:
    attributes = failure_attributes(started_at=started_at, finished_at=None)
    assert pointers(attributes) == ["/data/attributes/started_at"]
    assert words in details(attributes)


def test_rules_reject_a_microsecond_finished_at_naming_finished_at() -> None:
    attributes = failure_attributes(finished_at=SECONDS * 10**6)
    assert pointers(attributes) == ["/data/attributes/finished_at"]
    assert 'attribute "finished_at" looks like microseconds' in details(attributes)


def test_rules_require_started_at() -> None:
    assert pointers(failure_attributes(started_at=None)) == ["/data/attributes/started_at"]


@pytest.mark.parametrize(
    ("services", "team", "ok"),
    [
        (["checkout"], None, True),
        (None, "backend", True),
        ([], "backend", True),
        ([], None, False),
        (None, None, False),
        (None, "", False),
    ],
)
def test_rules_need_a_non_empty_services_list_or_a_team(
    services: object, team: object, ok: bool
) -> None:
    attributes = failure_attributes(services=services, team=team)
    assert pointers(attributes) == ([] if ok else ["/data/attributes/services"])


def test_rules_point_at_the_service_that_is_not_a_non_empty_string() -> None:
    assert pointers(failure_attributes(services=["checkout", ""])) == [
        "/data/attributes/services/1"
    ]


@pytest.mark.parametrize(
    ("event_id", "ok"),
    [
        ("a" * 16, True),
        ("a" * 128, True),
        ("Az09-_.:Az09-_.:", True),
        ("a" * 15, False),
        ("a" * 129, False),
        ("incident/0001/checkout", False),
        ("incident 0001 checkout", False),
        (12345678901234567, False),
    ],
)
def test_rules_take_ids_of_16_to_128_allowed_characters(event_id: object, ok: bool) -> None:
    assert pointers(failure_attributes(id=event_id)) == ([] if ok else ["/data/attributes/id"])


@pytest.mark.parametrize(
    ("git", "expected"),
    [
        (
            {"commit_sha": "66adc9350f2cc9b250b69abddab733dd55e1a588"},
            ["/data/attributes/git/repository_url"],
        ),
        ({"repository_url": "https://x"}, ["/data/attributes/git/commit_sha"]),
        (
            {"commit_sha": "66adc93", "repository_url": "https://x"},
            ["/data/attributes/git/commit_sha"],
        ),
        (
            {"commit_sha": "z" * 40, "repository_url": "https://x"},
            ["/data/attributes/git/commit_sha"],
        ),
        ({"commit_sha": "a" * 64, "repository_url": "https://x"}, []),
        (
            {"commit_sha": "a" * 40, "repository_url": "https://x", "branch": "main"},
            ["/data/attributes/git/branch"],
        ),
        ("66adc9350f2cc9b250b69abddab733dd55e1a588", ["/data/attributes/git"]),
    ],
)
def test_rules_need_both_commit_sha_and_repository_url_in_git(
    git: object, expected: list[str]
) -> None:
    assert pointers(failure_attributes(git=git)) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["language:java", "department:engineering"], []),
        (["url:https://x:8080", "empty:"], []),
        (["language:java", "java"], ["/data/attributes/custom_tags/1"]),
        ([":java"], ["/data/attributes/custom_tags/0"]),
        ([7], ["/data/attributes/custom_tags/0"]),
        ("language:java", ["/data/attributes/custom_tags"]),
        ([f"n:{i}" for i in range(100)], []),
        ([f"n:{i}" for i in range(101)], ["/data/attributes/custom_tags"]),
    ],
)
def test_rules_take_at_most_100_custom_tags_each_key_colon_value(
    tags: object, expected: list[str]
) -> None:
    assert pointers(failure_attributes(custom_tags=tags)) == expected


def test_rules_take_null_custom_tags_as_the_spec_marks_them_nullable() -> None:
    attributes = failure_attributes()
    attributes["custom_tags"] = None
    assert failure_errors(attributes) == []


@pytest.mark.parametrize("name", ["name", "severity", "env", "version", "team"])
def test_rules_want_strings_for_free_text_attributes(name: str) -> None:
    assert pointers(failure_attributes(**{name: 1})) == [f"/data/attributes/{name}"]


def test_rules_reject_an_unknown_attribute_rather_than_drop_it() -> None:
    attributes = failure_attributes(finshed_at=SECONDS)
    assert pointers(attributes) == ["/data/attributes/finshed_at"]
    assert 'unknown attribute "finshed_at"' in details(attributes)


def test_rules_report_every_problem_not_just_the_first() -> None:
    attributes = failure_attributes(id="short", custom_tags=["bad"], started_at="now", severity=3)
    assert sorted(pointers(attributes)) == [
        "/data/attributes/custom_tags/0",
        "/data/attributes/id",
        "/data/attributes/severity",
        "/data/attributes/started_at",
    ]


def test_rules_for_deployments_need_service_started_at_and_finished_at() -> None:
    errors = deployment_errors({"env": "prod"})
    assert [e["source"] for e in errors] == [
        {"pointer": "/data/attributes/service"},
        {"pointer": "/data/attributes/started_at"},
        {"pointer": "/data/attributes/finished_at"},
    ]


def test_rules_for_deployments_reject_failure_only_attributes() -> None:
    attributes = {
        "service": "shopist",
        "started_at": SECONDS,
        "finished_at": SECONDS,
        "severity": "High",
    }
    assert [e["source"] for e in deployment_errors(attributes)] == [
        {"pointer": "/data/attributes/severity"}
    ]


@given(st.integers(min_value=946_684_800, max_value=4_133_980_799), st.integers(0, 10**9 - 1))
def test_epochs_in_any_unit_read_back_as_the_same_whole_second(seconds: int, nanos: int) -> None:
    expected = ns_to_rfc3339(seconds * 10**9)
    assert ns_to_rfc3339(epoch_to_ns(seconds)) == expected
    assert ns_to_rfc3339(epoch_to_ns(seconds * 1000 + nanos // 10**6)) == expected
    assert ns_to_rfc3339(epoch_to_ns(seconds * 10**9 + nanos)) == expected
    assert rfc3339_to_ns(expected) == seconds * 10**9


@pytest.mark.parametrize("text", ["2025-01-01T00:00:00", "2025-01-01", "yesterday", ""])
def test_search_bounds_need_an_rfc3339_date_time_with_an_offset(text: str) -> None:
    assert rfc3339_to_ns(text) is None


def test_the_emulator_imports_nothing_from_dorasync_but_its_own_modules_and_the_version() -> None:
    root = Path(__file__).resolve().parents[1] / "dorasync"
    files = [*sorted((root / "emulator").glob("*.py")), root / "commands" / "emulator.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            if isinstance(node, ast.ImportFrom) and module.startswith("dorasync"):
                names = [alias.name for alias in node.names]
                allowed = module.startswith("dorasync.emulator") or names == ["__version__"]
                assert allowed, f"{path.name} imports {names} from {module}"
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("dorasync") for alias in node.names), path.name
