"""The YAML layer: exact text, positions, and no silent type conversion or blow-up."""

from __future__ import annotations

import time

import pytest

from dorasync.yamlsource import Mark, Plain, YamlProblems, parse


def problems(text: str) -> list[str]:
    with pytest.raises(YamlProblems) as caught:
        parse(text, "f.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("no", "bool"),
        ("off", "bool"),
        ("1.10", "float"),
        ("0123", "int"),
        ("1:30:00", "int"),
        ("2026-11-20", "timestamp"),
        ("6.8523015e+5", "float"),
        ("0x1F", "int"),
    ],
)
def test_plain_scalars_keep_the_exact_text_and_what_yaml_would_make_of_it(
    written: str, kind: str
) -> None:
    value = parse(f"v: {written}\n", "f.yaml").value["v"]
    assert value == written
    assert isinstance(value, Plain)
    assert value.kind == kind


def test_quoted_scalars_are_plain_strings() -> None:
    value = parse('v: "no"\n', "f.yaml").value["v"]
    assert value == "no"
    assert not isinstance(value, Plain)


def test_empty_and_null_values_are_none_but_quoted_null_is_text() -> None:
    doc = parse("a:\nb: ~\nc: null\nd: 'null'\n", "f.yaml").value
    assert doc == {"a": None, "b": None, "c": None, "d": "null"}


def test_positions_point_at_keys_and_values_one_based() -> None:
    doc = parse("name: x\nservices:\n  - a\n  - b\n", "f.yaml")
    assert doc.keys[("services",)] == Mark("f.yaml", 2, 1)
    assert doc.values[("services", 1)] == Mark("f.yaml", 4, 5)
    assert doc.mark(("services", 7)) == Mark("f.yaml", 3, 3)


def test_duplicate_keys_are_an_error_naming_both_lines() -> None:
    assert problems("a: 1\nb: 2\na: 3\n") == [
        "f.yaml:3:1: a: written twice in this mapping (first on line 1); keep one"
    ]


def test_every_duplicate_in_a_file_is_reported_in_one_run() -> None:
    assert len(problems("a: 1\na: 2\nb: 1\nb: 2\n")) == 2


def test_syntax_error_names_line_and_column() -> None:
    (found,) = problems("name: x\nservices: [a, b\n")
    assert found.startswith("f.yaml:3:1: yaml:")


def test_several_documents_in_one_file_are_refused() -> None:
    (found,) = problems("a: 1\n---\nb: 2\n")
    assert "more than one YAML document" in found


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system [ls]\n",
        "a: !custom x\n",
        "a: !!binary aGk=\n",
        "a: !!set {x}\n",
    ],
)
def test_object_and_custom_tags_are_refused_without_being_constructed(text: str) -> None:
    (found,) = problems(text)
    assert "is not supported" in found


def test_merge_keys_are_refused_with_a_pointer_to_defaults() -> None:
    (found,) = problems("base: &b {env: prod}\nx:\n  <<: *b\n")
    assert "defaults:" in found


def test_billion_laughs_is_an_error_in_milliseconds() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    found = problems("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1.0  # not a timing target: "not minutes"
    assert "too deeply nested or too many values" in found[0]


def test_recursive_alias_is_an_error_not_a_hang() -> None:
    assert "too deeply nested" in problems("a: &a [*a]\n")[0]


def test_non_scalar_keys_are_refused() -> None:
    assert "a key must be a plain name" in problems("? [a, b]\n: 1\n")[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: Outage: db down\nservices: [a]\n",
            "f.yaml:1:7: name: the value holds ': ', which YAML reads as another key; put the "
            'value in quotes: name: "Outage: db down"',
        ),
        (
            "services:[x]\nstarted_at: 1790000000\n",
            "f.yaml:1:10: services: a key needs a space after its colon: write services: [x]",
        ),
        (
            'name: "ok" trailing\nservices: [a]\n',
            "f.yaml:1:1: name: there is text after the closing quote; put the whole value inside "
            "the quotes",
        ),
    ],
)
def test_the_usual_yaml_mistakes_are_said_as_what_to_write(text: str, expected: str) -> None:
    assert problems(text) == [expected]
