"""The incident model: every rule of the seed's field table, defaults, and clear messages."""

from __future__ import annotations

import textwrap
import uuid

import pytest

from dorasync.config import Settings, read_settings
from dorasync.errors import Problem
from dorasync.ids import derive_id
from dorasync.incidents import Source, build, check_unique
from dorasync.model import Incident
from dorasync.yamlsource import parse

NAMESPACE = "3b1f6f0e-6d4c-4b8e-9a57-0c2d41e8a913"
NOW = 1_800_000_000 * 10**9  # 2027-01-15: after every incident below
BASE = "started_at: 2026-11-20T13:02:00Z\nservices: [checkout]\n"


def settings(defaults: str = "") -> Settings:
    text = f"namespace: {NAMESPACE}\n" + textwrap.dedent(defaults)
    result, problems = read_settings(parse(text, "dorasync.yaml"))
    assert result is not None
    assert problems == []
    return result


def check(
    body: str, *, using: Settings | None = None, name: str = "a/b.yaml", now: int = NOW
) -> tuple[Incident | None, list[Problem]]:
    doc = parse(textwrap.dedent(body).lstrip("\n"), f"incidents/{name}")
    source = Source(f"incidents/{name}", name.rsplit(".", 1)[0], doc, "digest")
    return build(source, using or settings(), now)


def errors(body: str, **kwargs: object) -> list[str]:
    incident, problems = check(body, **kwargs)  # type: ignore[arg-type]
    assert incident is None
    return [str(p) for p in problems]


def test_a_complete_incident_becomes_the_attributes_the_seed_describes() -> None:
    incident, problems = check("""
        name: Webserver is down failing all requests
        services: [shopist]
        team: backend
        severity: High
        env: staging
        version: v1.12.07
        started_at: 1707842944500000000
        finished_at: 1707842944600000000
        git:
          commit_sha: 66adc9350f2cc9b250b69abddab733dd55e1a588
          repository_url: https://github.com/organization/example-repository
        custom_tags: ["language:java", "department:engineering"]
    """)
    assert problems == []
    assert incident is not None
    assert incident.attributes == {
        "name": "Webserver is down failing all requests",
        "services": ["shopist"],
        "team": "backend",
        "severity": "High",
        "env": "staging",
        "version": "v1.12.07",
        "started_at": 1707842944500000000,
        "finished_at": 1707842944600000000,
        "git": {
            "commit_sha": "66adc9350f2cc9b250b69abddab733dd55e1a588",
            "repository_url": "https://github.com/organization/example-repository",
        },
        "custom_tags": ["language:java", "department:engineering"],
        "id": derive_id(uuid.UUID(NAMESPACE), "a/b"),
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "services: [a]\n",
            "incidents/a/b.yaml:1:1: started_at: is required; add e.g. started_at:",
        ),
        ("started_at: 2026-11-20T13:02:00Z\n", "1:1: services: an incident needs services or team"),
        (BASE + "id: short\n", "3:5: id: is 5 characters long; the API takes 16 to 128"),
        (BASE + "id: has/a/slash-in-it-long\n", "3:5: id: has '/'"),
        (BASE + "id: " + "x" * 129 + "\n", "id: is 129 characters long"),
        (BASE + "custom_tags: [nocolon]\n", "3:15: custom_tags[0]: 'nocolon' is not a key:value"),
        (BASE + "custom_tags: [':value']\n", "custom_tags[0]: ':value' is not a key:value"),
        (
            BASE + "custom_tags:\n  - source: dorasync\n",
            "custom_tags[0]: is a mapping, because of the space after the colon; "
            'write the tag as one quoted string: "source:dorasync"',
        ),
        (
            BASE + "custom_tags: [" + ", ".join(f"k:{i}" for i in range(101)) + "]\n",
            "custom_tags: has 101 tags; the API takes at most 100",
        ),
        (BASE + "custom_tags: [a:1, a:1]\n", "custom_tags: lists 'a:1' more than once"),
        (
            BASE + "git: {commit_sha: 66adc9350f2cc9b250b69abddab733dd55e1a588}\n",
            "3:6: git.repository_url: is required",
        ),
        (BASE + "git: {repository_url: https://x}\n", "git.commit_sha: is required"),
        (
            BASE + "git: {commit_sha: abc123, repository_url: https://x}\n",
            "git.commit_sha: 'abc123' is not a full commit SHA",
        ),
        (
            BASE + "git: https://x\n",
            "git: must be a mapping: {commit_sha: ..., repository_url: ...}",
        ),
        (BASE + "finished_at: 2026-11-20T13:01:59Z\n", "3:14: finished_at: is before started_at"),
        (
            BASE + "finshed_at: 2026-11-20T14:00:00Z\n",
            "3:1: finshed_at: unknown field; did you mean 'finished_at'?",
        ),
        (BASE + "git: {commit: abc}\n", "git.commit: unknown field; did you mean 'commit_sha'?"),
        (
            "started_at: 2026-11-20T13:02:00Z\nservices: checkout\n",
            "services: must be a list, e.g. [checkout]",
        ),
        ("started_at: 2026-11-20T13:02:00Z\nservices: []\n", "services: is an empty list"),
        (
            "started_at: 2026-11-20T13:02:00Z\nservices: [a, a]\n",
            "services: lists 'a' more than once",
        ),
        (BASE + "name: [a, b]\n", "name: must be a single text value, not a list"),
        (BASE + 'name: "a\\tb"\n', "name: contains a control or invisible character"),
        (BASE + "name: " + "x" * 1001 + "\n", "name: is 1001 characters long"),
        (BASE + "team: ''\n", "team: is empty"),
    ],
)
def test_each_rule_of_the_seed_is_enforced_with_file_line_and_fix(body: str, expected: str) -> None:
    assert any(expected in e for e in errors(body)), errors(body)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1:30:00", "YAML base-60 number"),
        ("1707842944.5", "is a decimal number"),
        ("yes", "is a yes/no value"),
        ("'1707842944'", "is a quoted number; write the epoch without quotes"),
        ("2026-11-20", "is a date without a time of day"),
        ("2026-11-20T13:02:00", "has no UTC offset"),
        ("0x65B4E2C0", "not a plain decimal epoch"),
        ("1707842944500000", "microseconds"),
        ("[1, 2]", "must be a date-time or an epoch"),
    ],
)
def test_yaml_type_traps_in_timestamps_are_refused_never_converted(
    value: str, expected: str
) -> None:
    (found,) = errors(f"services: [a]\nstarted_at: {value}\n")
    assert found.startswith("incidents/a/b.yaml:2:13: started_at: ")
    assert expected in found


@pytest.mark.parametrize(
    ("field", "written"),
    [
        ("env", "no"),
        ("env", "off"),
        ("version", "1.10"),
        ("severity", "1"),
        ("name", "2026-11-20"),
        ("team", "null-team"),
        ("version", "0123"),
    ],
)
def test_yaml_type_traps_in_text_fields_are_read_as_written(field: str, written: str) -> None:
    incident, _ = check(BASE + f"{field}: {written}\n")
    assert incident is not None
    assert incident.attributes[field] == written


def test_commit_sha_made_of_digits_keeps_its_leading_zero() -> None:
    incident, _ = check(
        BASE + "git: {commit_sha: 0123456789012345678901234567890123456789, "
        "repository_url: https://x}\n"
    )
    assert incident is not None
    assert incident.attributes["git"]["commit_sha"] == "0123456789012345678901234567890123456789"


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    found = errors("""
        nme: x
        services: []
        started_at: 2026-11-20
        custom_tags: [bad]
    """)
    assert [f.split(": ")[1] for f in found] == ["nme", "services", "started_at", "custom_tags[0]"]


def test_started_at_in_the_future_is_a_warning_not_an_error() -> None:
    incident, problems = check(BASE, now=1_700_000_000 * 10**9)
    assert incident is not None
    assert [p.severity for p in problems] == ["warning"]
    assert "in the future" in problems[0].message


def test_defaults_merge_under_the_file_and_the_file_wins() -> None:
    project = settings("""
        defaults:
          env: prod
          team: backend
          git: {repository_url: https://github.com/acme/shop}
          custom_tags: ["source:dorasync"]
    """)
    incident, _ = check(
        BASE + "env: staging\ncustom_tags: [a:b]\n"
        "git: {commit_sha: 66adc9350f2cc9b250b69abddab733dd55e1a588}\n",
        using=project,
    )
    assert incident is not None
    attrs = incident.attributes
    assert attrs["env"] == "staging"
    assert attrs["team"] == "backend"
    assert attrs["custom_tags"] == ["a:b"]  # lists are replaced, not appended
    assert attrs["git"] == {
        "commit_sha": "66adc9350f2cc9b250b69abddab733dd55e1a588",
        "repository_url": "https://github.com/acme/shop",
    }


def test_a_partial_git_default_is_left_out_of_incidents_that_name_no_commit() -> None:
    project = settings("defaults:\n  git: {repository_url: https://github.com/acme/shop}\n")
    incident, problems = check(BASE, using=project)
    assert problems == []
    assert incident is not None
    assert "git" not in incident.attributes


def test_null_in_the_file_removes_a_default() -> None:
    incident, _ = check(BASE + "env: null\n", using=settings("defaults: {env: prod}\n"))
    assert incident is not None
    assert "env" not in incident.attributes


def test_a_problem_caused_by_a_default_points_at_dorasync_yaml() -> None:
    project = settings("""
        defaults:
          git: {commit_sha: 66adc9350f2cc9b250b69abddab733dd55e1a588}
    """)
    found = errors(BASE + "git: {}\n", using=project)
    assert found == [
        "incidents/a/b.yaml:3:6: git.repository_url: is required; "
        "add e.g. repository_url: https://github.com/acme/shop"
    ]


def test_a_team_default_satisfies_the_services_or_team_rule() -> None:
    incident, _ = check(
        "started_at: 2026-11-20T13:02:00Z\n", using=settings("defaults: {team: x}\n")
    )
    assert incident is not None
    assert incident.attributes["team"] == "x"


def test_bad_defaults_are_reported_in_dorasync_yaml_and_left_out() -> None:
    doc = parse(f"namespace: {NAMESPACE}\ndefaults:\n  env: [a]\n  team: ok\n", "dorasync.yaml")
    result, problems = read_settings(doc)
    assert result is not None
    assert result.defaults == {"team": "ok"}
    assert [str(p) for p in problems] == [
        "dorasync.yaml:3:8: env: must be a single text value, not a list"
    ]


def test_duplicate_derived_keys_and_explicit_ids_name_both_files() -> None:
    a, _ = check(BASE + "id: same-id-0123456789\n", name="x.yaml")
    b, _ = check(BASE, name="x.yml")
    c, _ = check(BASE + "id: same-id-0123456789\n", name="y.yaml")
    assert a is not None
    assert b is not None
    assert c is not None
    found = [str(p) for p in check_unique([a, b, c])]
    assert found == [
        "incidents/x.yml:1:1: key: 'x' is also the key of incidents/x.yaml (line 1); keys must "
        "be unique in a project; set another key:",
        "incidents/y.yaml:3:5: id: 'same-id-0123456789' is also the id of incidents/x.yaml "
        "(line 3); ids must be unique in a project; change or remove one id:",
    ]


def test_an_empty_file_or_a_list_is_reported_not_crashed_on() -> None:
    assert "is empty" in errors("")[0]
    assert "is not a mapping" in errors("- a\n- b\n")[0]


def test_an_unknown_field_left_empty_is_still_an_unknown_field() -> None:
    found = errors(BASE + "finshed_at:\nfoo: null\n")
    assert found == [
        "incidents/a/b.yaml:3:1: finshed_at: unknown field; did you mean 'finished_at'?",
        found[1],
    ]
    assert found[1].startswith("incidents/a/b.yaml:4:1: foo: unknown field")
