"""JSON Schemas: for editors (an incident file, dorasync.yaml) and for the JSON plan."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs; only tests use it
import pytest
import yaml

from dorasync.commands.init import TEMPLATE
from dorasync.config import Defaults, ProjectConfig, Safety
from dorasync.model import IncidentSpec
from dorasync.schema import DIALECT, config_schema, incident_schema
from tests.review_support import sample
from tests.support import NAMESPACE, ProjectDir, Runner

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "dorasync" / "schemas"


class Yaml12(yaml.SafeLoader):
    """YAML 1.2's core schema, as the YAML language server reads a file: `no` is a
    string, `1.10` a number, and there is no timestamp type."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's own class attribute


for tag, pattern, first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
]:
    Yaml12.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern), first)


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)


Yaml12.add_constructor("tag:yaml.org,2002:int", _int)


def read_yaml(text: str) -> Any:
    return yaml.load(text, Loader=Yaml12)  # a SafeLoader subclass: safe


def errors(schema: dict[str, Any], document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(document)]


@pytest.mark.parametrize("kind", ["incident", "config", "plan"])
def test_the_schema_command_prints_a_valid_draft_2020_12_schema(kind: str, run: Runner) -> None:
    result = run("schema", kind)
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["$schema"] == DIALECT
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_schema_command_prints_the_incident_schema_by_default(run: Runner) -> None:
    assert json.loads(run("schema").out) == incident_schema()


@pytest.mark.parametrize("kind", ["incident", "config", "deployment"])
def test_the_schema_files_in_the_repository_are_what_the_command_prints(
    kind: str, run: Runner
) -> None:
    assert (SCHEMAS / f"{kind}.schema.json").read_text() == run("schema", kind).out


def test_the_schemas_know_every_field_dorasync_knows() -> None:
    from dorasync.deployments import DeploymentSpec  # noqa: PLC0415
    from dorasync.schema import deployment_schema  # noqa: PLC0415

    assert set(incident_schema()["properties"]) == set(IncidentSpec.model_fields)
    assert set(deployment_schema()["properties"]) == set(DeploymentSpec.model_fields)
    config = config_schema()["properties"]
    assert set(config) == set(ProjectConfig.model_fields)
    assert set(config["defaults"]["properties"]) == set(Defaults.model_fields)
    assert set(config["safety"]["properties"]) == set(Safety.model_fields)


def repository_incidents() -> list[Path]:
    found = [*REPO.glob("incidents/**/*.y*ml"), *REPO.glob("examples/*/incidents/**/*.y*ml")]
    assert len(found) >= 7
    return sorted(found)


@pytest.mark.parametrize("path", repository_incidents(), ids=lambda p: p.name)
def test_the_incident_schema_accepts_the_repositorys_own_incidents(path: Path) -> None:
    assert errors(incident_schema(), read_yaml(path.read_text())) == []


def test_the_config_schema_accepts_every_dorasync_yaml_of_the_repository() -> None:
    files = [REPO / "dorasync.yaml", *REPO.glob("examples/*/dorasync.yaml")]
    assert len(files) >= 2
    for path in files:
        assert errors(config_schema(), read_yaml(path.read_text())) == [], path
    written = TEMPLATE.format(namespace=NAMESPACE, incidents="incidents", site="datadoghq.eu")
    assert errors(config_schema(), read_yaml(written)) == []


GOOD = {
    "YAML 1.1 traps read as text": "env: no\nversion: 1.10\nteam: true\n",
    "a commit SHA of digits": (
        "git: {commit_sha: 0123456789012345678901234567890123456789, repository_url: u}\n"
    ),
    "an epoch in nanoseconds": "finished_at: 1795183500000000000\n",
    "an offset without a colon": "finished_at: 2026-11-20T15:02:00.123456789+0200\n",
    "null removes a default": "env: null\ncustom_tags:\n",
    "an explicit id and key": "id: pd-incident-Q3X9-2026-07-11\nkey: 2026/renamed\n",
}
BAD = {
    "a misspelt field": ("finshed_at: 2026-11-20T14:05:00Z\n", "Additional properties"),
    "a bare date": ("finished_at: 2026-11-20\n", "is not valid"),
    "no offset": ("finished_at: 2026-11-20T14:05:00\n", "is not valid"),
    "a float epoch": ("finished_at: 1707842944.5\n", "is not valid"),
    "a microsecond epoch": ("finished_at: 1707842944500000\n", "is not valid"),
    "a base-60 number": ("finished_at: 1:30:00\n", "is not valid"),
    "a boolean time": ("finished_at: true\n", "is not valid"),
    "a quoted epoch": ("finished_at: '1707842944'\n", "is not valid"),
    "an id too short": ("id: short\n", "does not match"),
    "a tag without a colon": ("custom_tags: [config]\n", "does not match"),
    "an empty list": ("services: []\n", "should be non-empty"),
    "a repeated service": ("services: [a, a]\n", "non-unique"),
    "a short SHA": ("git: {commit_sha: abc123}\n", "does not match"),
    "two lines of text": ("name: |\n  one\n  two\n", "does not match"),
    "101 tags": ("custom_tags: [" + ", ".join(f"t:{n}" for n in range(101)) + "]\n", "too long"),
}
BASE = "services: [checkout]\nstarted_at: 2026-11-20T13:02:00Z\n"


@pytest.mark.parametrize("text", GOOD.values(), ids=GOOD.keys())
def test_what_dorasync_accepts_the_schema_accepts(
    text: str, project: ProjectDir, run: Runner
) -> None:
    project.incident("a.yaml", BASE + text)
    assert run("-C", project.root, "validate").code == 0
    assert errors(incident_schema(), read_yaml(BASE + text)) == []


@pytest.mark.parametrize(("text", "message"), BAD.values(), ids=BAD.keys())
def test_what_the_schema_rejects_dorasync_rejects_too(
    text: str, message: str, project: ProjectDir, run: Runner
) -> None:
    found = errors(incident_schema(), read_yaml(BASE + text))
    assert found
    assert any(message in e for e in found), found
    project.incident("a.yaml", BASE + text)
    assert run("-C", project.root, "validate").code == 1


def test_an_incident_without_started_at_is_rejected() -> None:
    assert errors(incident_schema(), {"services": ["a"]}) == ["'started_at' is a required property"]


def test_a_broken_dorasync_yaml_is_rejected() -> None:
    found = errors(
        config_schema(),
        read_yaml("namespace: nope\nsite: datadog.com\nsafety: {update_threshold: 30}\n"),
    )
    assert len(found) == 3


def plan_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / "plan.schema.json").read_text())
    return schema


def test_every_plan_dorasync_prints_or_saves_matches_the_plan_schema(
    project: ProjectDir, run: Runner
) -> None:
    sample(project)
    printed = json.loads(run("-C", project.root, "plan", "--json").out)
    partial = json.loads(run("-C", project.root, "plan", "--json", "--target", "2026/*").out)
    assert run("-C", project.root, "plan", "--out", "plan.json").code == 0
    saved = json.loads((project.root / "plan.json").read_text())
    for body in (printed, partial, saved):
        assert errors(plan_schema(), body) == []
    assert errors(plan_schema(), {**printed, "format_version": 2}) != []
    assert errors(plan_schema(), {**saved, "lineage": 3}) != []


def test_the_deployment_schema_accepts_what_dorasync_accepts_and_refuses_a_missing_finish() -> None:
    from dorasync.schema import deployment_schema  # noqa: PLC0415

    schema = deployment_schema()
    good = {
        "service": "checkout",
        "env": "prod",
        "version": "v1.12.07",
        "started_at": "2026-11-20T12:00:00Z",
        "finished_at": 1795183500,
        "git": {"commit_sha": "66adc9350f2cc9b250b69abddab733dd55e1a588"},
    }
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(good)) == []
    bad = {k: v for k, v in good.items() if k != "finished_at"}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
