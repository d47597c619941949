"""Adapter: YAML text to plain values, with the position of every key and value.

PyYAML's constructors guess types (YAML 1.1 reads `no` as false, `1.10` as 1.1,
`0123` as octal, `1:30:00` as 5400) and drop sub-microsecond digits of timestamps.
So dorasync composes the node tree only (with the C parser when it is there) and
builds values itself: quoted scalars are strings, plain scalars keep the exact text
written and remember what YAML would have made of them (`Plain.kind`), so that each
field decides: a string field takes the text as written, a timestamp field parses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from dorasync.errors import Problem

_TAG = "tag:yaml.org,2002:"
_SCALAR_KINDS = {"str", "int", "float", "bool", "null", "timestamp"}
_COLLECTION_TAGS = {_TAG + "map", _TAG + "seq"}
# An incident file holds a few dozen values; these bounds stop a hostile file (a
# "billion laughs" of nested aliases, a recursive alias) in milliseconds.
MAX_NODES = 5_000
MAX_DEPTH = 32

Path = tuple[str | int, ...]


class Plain(str):
    """An unquoted scalar: the text exactly as written, and YAML 1.1's reading of it."""

    kind: str

    def __new__(cls, text: str, kind: str) -> Plain:
        self = super().__new__(cls, text)
        self.kind = kind
        return self


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a node starts: 1-based line and column in `file`."""

    file: str
    line: int
    col: int


@dataclass(slots=True)
class Document:
    """A parsed YAML document: its value and where each part of it was written."""

    value: Any
    start: Mark
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)

    def mark(self, path: Path, *, key: bool = False) -> Mark:
        """The mark of `path`, else of its nearest written ancestor."""
        table = self.keys if key else self.values
        while path:
            found = table.get(path) or self.values.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.start


class YamlProblems(Exception):
    """The text is not a YAML document dorasync can read; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


def parse(text: str, filename: str) -> Document:
    """Parse one YAML document, or raise YamlProblems naming every mistake in it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise YamlProblems([_syntax_problem(exc, filename, text)]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([Problem(filename, 1, 1, "yaml", str(exc))]) from None
    finally:
        loader.dispose()
    start = Mark(filename, 1, 1)
    if node is None:
        return Document(None, start)
    builder = _Builder(filename)
    value = builder.build(node, (), 0)
    if builder.problems:
        raise YamlProblems(builder.problems)
    return Document(value, builder.mark(node), builder.values, builder.keys)


def _syntax_problem(exc: yaml.MarkedYAMLError, filename: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = " ".join(p for p in (exc.context, exc.problem) if p) or "not valid YAML"
    lines = text.splitlines()
    if "expected a single document" in what:
        what = "holds more than one YAML document; keep one incident per file"
    elif line <= len(lines) and "\t" in lines[line - 1][: col + 1]:
        what = "a tab indents this line, and YAML allows only spaces there; use spaces"
    else:
        hint = _hint(what, lines, line)
        if hint is not None:
            line, col, field, what = hint
            return Problem(filename, line, col, field, what)
    return Problem(filename, line, col, "yaml", what)


_NO_SPACE = re.compile(r"^\s*([\w.-]+):(\S.*)$")
_AFTER_QUOTE = re.compile(r"""^\s*[\w.-]+:\s*("[^"]*"|'[^']*')\s*[^\s#]""")


def _hint(what: str, lines: list[str], line: int) -> tuple[int, int, str, str] | None:
    """The usual mistakes behind PyYAML's scanner errors, said as what to write:
    (line, column, field, message)."""
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    previous = lines[line - 2] if 1 < line <= len(lines) + 1 else ""
    if "mapping values are not allowed" in what:
        key, _, value = current.partition(":")
        name, value = key.strip(), value.strip()
        if ": " in value or value.endswith(":"):
            message = (
                "the value holds ': ', which YAML reads as another key; put the value in "
                f'quotes: {name}: "{value}"'
            )
            return line, len(key) + 3, name, message
        found = _NO_SPACE.match(previous)
        if found:
            message = f"a key needs a space after its colon: write {found[1]}: {found[2]}"
            return line - 1, len(found[1]) + 2, found[1], message
    if "did not find expected key" in what and _AFTER_QUOTE.match(current):
        name = current.partition(":")[0].strip()
        message = "there is text after the closing quote; put the whole value inside the quotes"
        return line, 1, name, message
    return None


class _Builder:
    """Walks composed nodes into values, recording marks and collecting problems."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.values: dict[Path, Mark] = {}
        self.keys: dict[Path, Mark] = {}
        self.budget = MAX_NODES

    def mark(self, node: yaml.Node) -> Mark:
        return Mark(self.filename, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: yaml.Node, path: Path, message: str) -> None:
        self.problems.append(
            Problem(self.filename, *_line_col(node), dotted(path) or "yaml", message)
        )

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0 or depth > MAX_DEPTH:
            if self.budget == -1 or depth == MAX_DEPTH + 1:
                self.fail(
                    node,
                    path[:1],
                    "too deeply nested or too many values (aliases that "
                    "expand without end?); an incident needs a few dozen values",
                )
            raise YamlProblems(self.problems)
        self.values.setdefault(path, self.mark(node))
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            self.fail(node, path, f"YAML tag {node.tag!r} is not supported; write a plain value")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.fail(
                    key_node,
                    path,
                    "merge keys (<<) are not supported; write the "
                    "fields out, or put shared values under defaults: in dorasync.yaml",
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, path, "a key must be a plain name, not a list or mapping")
                continue
            key = str(key_node.value)
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.fail(
                    key_node,
                    (*path, key),
                    f"written twice in this mapping (first on line {first}); keep one",
                )
                continue
            seen[key] = key_node
            self.keys[(*path, key)] = self.mark(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def scalar(self, node: yaml.Node, path: Path) -> Any:
        tag = str(node.tag)
        kind = tag[len(_TAG) :] if tag.startswith(_TAG) else None
        if kind not in _SCALAR_KINDS:
            self.fail(node, path, f"YAML tag {tag!r} is not supported; write a plain value")
            return None
        text = str(node.value)
        if getattr(node, "style", None):  # quoted or block: the user wrote a string
            return text
        if kind == "null":
            return None
        return text if kind == "str" else Plain(text, kind)


def _line_col(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def dotted(path: Path) -> str:
    """A path as a field name (`git.commit_sha`, `services[1]`), each part cut short so
    that a hostile key cannot flood the output."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{_short(part)}" if out else _short(part)
    return out


def _short(text: str, limit: int = 64) -> str:
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= limit else text[: limit - 3] + "..."
