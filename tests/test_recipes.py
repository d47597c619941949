"""Recipes that run: the pre-commit hook, and the GitHub Actions and GitLab CI examples."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from dorasync.cli import cli
from dorasync.emulator.server import Emulator
from dorasync.markdown import MARKER
from tests.support import Runner

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
GITHUB = EXAMPLES / "github-actions"
GITLAB = EXAMPLES / "gitlab-ci"
OPERATORS = {"|", "||", "&&", ";", ">", ">>", ">&", "&", "2", ")"}


def invocations(script: str) -> list[tuple[list[str], str | None]]:
    """Each `dorasync ...` in a shell script: its arguments and where stdout goes."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        if not re.search(r"(^|[\s;&|(])dorasync\s", line):
            continue  # other tools' lines, whose quotes may span lines
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        for i, token in enumerate(tokens):
            if token != "dorasync" or (i and tokens[i - 1] not in OPERATORS | {"$("}):
                continue
            args = []
            for word in tokens[i + 1 :]:
                if word in OPERATORS or word.startswith(("#", ">")):
                    break
                args.append(word)
            rest = tokens[i + 1 + len(args) :]
            found.append((args, rest[1] if rest[:1] == [">"] else None))
    return found


def scripts_of(path: Path) -> list[str]:
    """The shell of every step or job of a GitHub workflow or a GitLab pipeline."""
    doc = yaml.safe_load(path.read_text())
    out: list[str] = []
    for job in (doc.get("jobs") or doc).values():
        if not isinstance(job, dict):
            continue
        out += [step["run"] for step in job.get("steps", []) if "run" in step]
        for key in ("before_script", "script", "after_script"):
            out += job.get(key, [])
    return out


def parse(args: list[str]) -> click.Context:
    """Parse a command line as dorasync would, without running it (UsageError if wrong)."""
    ctx = cli.make_context("dorasync", list(args))
    command: click.Command = cli
    while isinstance(command, click.Group):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None
        assert name is not None
        command, ctx = sub, sub.make_context(name, rest, parent=ctx)
    return ctx


# Each CI example: its project folder, and its workflow or pipeline.
RECIPES = [
    pytest.param(GITHUB, GITHUB / ".github/workflows/dorasync.yml", id="github-actions"),
    pytest.param(GITLAB, GITLAB / ".gitlab-ci.yml", id="gitlab-ci"),
]


@pytest.mark.parametrize(("project", "path"), RECIPES)
def test_each_ci_example_is_valid_yaml_and_calls_only_commands_and_options_that_exist(
    project: Path, path: Path
) -> None:
    calls = [args for script in scripts_of(path) for args, _ in invocations(script)]
    assert [args[0] for args in calls] == ["validate", "plan", "apply"]
    for args in calls:
        parse(args)


def test_the_command_check_catches_a_wrong_option() -> None:
    (args, out), *_ = invocations("dorasync plan --output plan.json > plan.md")
    assert out == "plan.md"
    with pytest.raises(click.UsageError):
        parse(args)


def test_the_github_workflow_plans_pull_requests_and_applies_on_demand_with_the_key_alone() -> None:
    doc = yaml.safe_load((GITHUB / ".github/workflows/dorasync.yml").read_text())
    triggers = doc[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers
    assert "pull_request" in triggers["workflow_dispatch"]["inputs"]
    plan, apply = doc["jobs"]["plan"], doc["jobs"]["apply"]
    uploaded = next(s for s in plan["steps"] if "upload-artifact" in s.get("uses", ""))
    assert uploaded["with"] == {"name": "dorasync-plan", "path": "plan.json"}
    assert "secrets." not in json.dumps(plan)
    assert apply["environment"] == "datadog"
    assert "secrets.DD_API_KEY" in json.dumps(apply)
    assert "gh run download" in json.dumps(apply)


def test_the_gitlab_pipeline_applies_its_own_saved_plan_by_a_manual_job() -> None:
    doc = yaml.safe_load((GITLAB / ".gitlab-ci.yml").read_text())
    assert doc["plan"]["artifacts"]["paths"] == ["plan.json", "plan.md"]
    assert (doc["apply"]["when"], doc["apply"]["needs"]) == ("manual", ["plan"])
    assert doc["apply"]["environment"] == "datadog"
    assert doc["workflow"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]


def dorasync_bin() -> Path:
    return Path(sys.executable).parent / "dorasync"


@pytest.mark.parametrize(("example", "path"), RECIPES)
def test_each_ci_example_runs_its_dorasync_commands_against_the_emulator(
    example: Path,
    path: Path,
    *,
    tmp_path: Path,
    run: Runner,
    emulator: Emulator,
    api_env: dict[str, str],
) -> None:
    """The example's commands, in order, in a copy of its project: validate, plan, apply."""
    project = tmp_path / "project"
    shutil.copytree(example, project)
    for script in scripts_of(path):
        for args, stdout in invocations(script):
            result = run("-C", project, *args, env=api_env)
            assert result.code == 0, (args, result.err)
            if stdout:
                (project / stdout).write_text(result.out)
    assert (project / "plan.md").read_text().startswith(MARKER)
    assert len(emulator.failures()) == 2
    assert json.loads((project / ".dorasync/state.json").read_text())["serial"] == 1
    again = run("-C", project, "apply", "plan.json", env=api_env)
    assert again.code == 1
    assert "the state moved since plan.json was saved" in again.err


def test_the_pre_commit_hook_runs_dorasync_validate_on_incident_files() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "dorasync-validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    parse(shlex.split(hook["entry"])[1:])
    files = re.compile(hook["files"])
    for path in (
        "incidents/2026/a.yaml",
        "incidents/a.yml",
        "ops/incidents/x.yaml",
        "dorasync.yaml",
    ):
        assert files.search(path), path
    for path in ("README.md", "incidents.yaml", "src/dorasync.yaml.bak"):
        assert not files.search(path), path
    result = subprocess.run(
        shlex.split(hook["entry"].replace("dorasync", str(dorasync_bin()), 1)),
        cwd=GITHUB,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "ok: 2 incidents valid\n")


@pytest.mark.parametrize("project", [GITHUB, GITLAB], ids=lambda p: p.name)
def test_each_example_projects_pre_commit_config_and_schemas_are_current(project: Path) -> None:
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    (hook,) = config["repos"][0]["hooks"]
    parse(shlex.split(hook["entry"])[1:])
    for kind in ("incident", "config"):
        shipped = (REPO / "dorasync/schemas" / f"{kind}.schema.json").read_text()
        assert (project / ".dorasync" / f"{kind}.schema.json").read_text() == shipped
    settings = json.loads((project / ".vscode/settings.json").read_text())
    assert all((project / schema).is_file() for schema in settings["yaml.schemas"])


def test_both_examples_carry_the_same_comment_script() -> None:
    assert (GITHUB / "ci/comment.py").read_bytes() == (GITLAB / "ci/comment.py").read_bytes()


class FakeForge(BaseHTTPRequestHandler):
    """GitHub's issue comments and GitLab's merge request notes, in memory, on loopback."""

    comments: list[dict[str, Any]]
    tokens: list[str]

    def log_message(self, *_: object) -> None:
        pass

    def answer(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.tokens.append(self.headers.get("Authorization") or self.headers["PRIVATE-TOKEN"])
        page = int(self.path.rsplit("page=", 1)[1])
        self.answer(self.comments if page == 1 else [])

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["body"]
        self.comments.append({"id": len(self.comments) + 100, "body": body})
        self.answer(self.comments[-1])

    def do_PATCH(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["body"]
        comment_id = int(self.path.rsplit("/", 1)[1])
        (comment,) = [c for c in self.comments if c["id"] == comment_id]
        comment["body"] = body
        self.answer(comment)

    do_PUT = do_PATCH


@pytest.fixture
def forge() -> Iterator[tuple[str, type[FakeForge]]]:
    handler = type("Forge", (FakeForge,), {"comments": [], "tokens": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_the_comment_script_posts_one_comment_then_updates_it(
    platform: str, forge: tuple[str, type[FakeForge]], tmp_path: Path
) -> None:
    url, handler = forge
    handler.comments.append({"id": 1, "body": "LGTM"})
    env = {
        "github": {"GITHUB_ACTIONS": "true", "GITHUB_API_URL": url, "GITHUB_REPOSITORY": "a/b"}
        | {"PR": "7", "GITHUB_TOKEN": "gh-token-1234"},
        "gitlab": {"CI_API_V4_URL": url, "CI_PROJECT_ID": "3", "CI_MERGE_REQUEST_IID": "7"}
        | {"GITLAB_TOKEN": "gl-token-1234"},
    }[platform]
    script = (GITHUB if platform == "github" else GITLAB) / "ci/comment.py"

    def post(text: str) -> str:
        (tmp_path / "c.md").write_text(text)
        result = subprocess.run(
            [sys.executable, str(script), str(tmp_path / "c.md")],
            env={"PATH": os.environ["PATH"], **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    assert post(f"{MARKER}\nPlan: 1 to create") == "posted comment 101\n"
    assert post(f"{MARKER}\nPlan: 2 to create") == "updated comment 101\n"
    assert post("<!-- dorasync apply -->\napplied") == "posted comment 102\n"
    assert [c["body"] for c in handler.comments] == [
        "LGTM",
        f"{MARKER}\nPlan: 2 to create",
        "<!-- dorasync apply -->\napplied",
    ]
    assert handler.tokens[0] in ("Bearer gh-token-1234", "gl-token-1234")
