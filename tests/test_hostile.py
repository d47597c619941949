"""Broken and hostile inputs: each one exit 1, a message naming the file, no traceback,
nothing sent (issue 3); and no generated YAML makes the loader raise anything else."""

from __future__ import annotations

import os
import shutil
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorasync.config import Settings, read_settings
from dorasync.emulator.server import Emulator
from dorasync.incidents import Source, build
from dorasync.yamlsource import YamlProblems, parse
from tests.support import NAMESPACE, ProjectDir, Runner

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
INCIDENTS = sorted(p.name for p in (HOSTILE / "incidents").iterdir())
CONFIGS = sorted(p.name for p in (HOSTILE / "config").iterdir())
GOOD = "started_at: 2026-11-20T13:02:00Z\nservices: [checkout]\n"


def assert_refused(result_code: int, err: str, shown: str, emulator: Emulator) -> None:
    assert result_code == 1
    assert shown in err
    assert "Traceback" not in err
    assert emulator.stats()["requests"] == {}


def test_the_corpus_has_at_least_forty_cases() -> None:
    assert len(INCIDENTS) + len(CONFIGS) >= 40


@pytest.mark.parametrize("name", INCIDENTS)
def test_a_hostile_incident_file_is_refused_and_nothing_is_sent(
    name: str, project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    project.incident("good.yaml", GOOD)
    shutil.copyfile(HOSTILE / "incidents" / name, project.root / "incidents" / name)
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert_refused(result.code, result.err, f"incidents/{name}:", emulator)
    assert not project.state_path.exists()


@pytest.mark.parametrize("name", CONFIGS)
def test_a_hostile_dorasync_yaml_is_refused_and_nothing_is_sent(
    name: str, project: ProjectDir, run: Runner, emulator: Emulator, api_env: dict[str, str]
) -> None:
    project.incident("good.yaml", GOOD)
    shutil.copyfile(HOSTILE / "config" / name, project.root / "dorasync.yaml")
    result = run("-C", project.root, "apply", "--auto-approve", env=api_env)
    assert_refused(result.code, result.err, "dorasync.yaml", emulator)
    assert not Path("/tmp/dorasync-evil-state.json").exists()


def test_a_file_over_one_mebibyte_is_refused_unread(project: ProjectDir, run: Runner) -> None:
    project.incident("big.yaml", GOOD + "# " + "x" * (1 << 20) + "\n")
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert (
        "incidents/big.yaml:1:1: file: is 1048633 bytes; an incident file is at most" in result.err
    )


def test_a_fifo_is_refused_instead_of_hanging_the_read(project: ProjectDir, run: Runner) -> None:
    os.mkfifo(project.root / "incidents" / "pipe.yaml")
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert "incidents/pipe.yaml:1:1: file: is not a regular file" in result.err


def test_a_link_to_a_file_outside_the_project_is_refused(
    project: ProjectDir, run: Runner, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(GOOD)
    (project.root / "incidents" / "link.yaml").symlink_to(secret)
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert "incidents/link.yaml:1:1: file: is a link to something outside the project" in result.err


def test_a_link_to_a_file_inside_the_project_is_read(project: ProjectDir, run: Runner) -> None:
    real = project.incident("2026/real.yaml", GOOD)
    (project.root / "incidents" / "alias.yaml").symlink_to(real)
    result = run("-C", project.root, "validate")
    assert result.code == 0, result.err


def test_a_folder_link_loop_is_refused_not_followed_forever(
    project: ProjectDir, run: Runner
) -> None:
    project.incident("a/one.yaml", GOOD)
    (project.root / "incidents" / "a" / "loop").symlink_to(project.root / "incidents")
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert "is a link back into a folder already read" in result.err


def test_a_file_name_that_is_not_utf8_is_refused_and_printed_safely(
    project: ProjectDir, run: Runner
) -> None:
    name = os.fsdecode(b"caf\xe9.yaml")
    (project.root / "incidents" / name).write_text(GOOD)
    result = run("-C", project.root, "validate")
    assert result.code == 1
    assert "incidents/caf\\xe9.yaml:1:1: file: has a name that is not UTF-8" in result.err


def _settings() -> Settings:
    result, _ = read_settings(parse(f"namespace: {NAMESPACE}\n", "dorasync.yaml"))
    assert result is not None
    return result


SETTINGS = _settings()
YAMLISH = st.text(alphabet=string.printable + "äé😀\u202e\x00\x85", max_size=300)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_no_text_makes_the_loader_raise_anything_but_its_own_error(text: str) -> None:
    try:
        doc = parse(text, "f.yaml")
    except YamlProblems as exc:
        problems = exc.problems
    else:
        _, problems = build(Source("incidents/f.yaml", "f", doc, "d"), SETTINGS, 0)
    assert all(p.file in ("f.yaml", "incidents/f.yaml") and p.line >= 1 for p in problems)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "started_at",
                "finished_at",
                "services",
                "team",
                "id",
                "git",
                "custom_tags",
                "name",
                "env",
                "key",
                "x",
            ]
        ),
        VALUES,
        max_size=8,
    )
)
def test_no_yaml_document_makes_the_incident_checks_raise(document: dict[str, object]) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        doc = parse(text, "f.yaml")
    except YamlProblems:
        return
    incident, problems = build(Source("incidents/f.yaml", "f", doc, "d"), SETTINGS, 0)
    assert (incident is None) == any(p.severity == "error" for p in problems)
