"""The report's change failure rate and failed deployment recovery time, worked by hand."""

from __future__ import annotations

import json
from decimal import Decimal

from dorasync.cfr import outcomes
from tests.support import ProjectDir, Runner

DEPLOYMENTS = {
    # name: (service, version, finished_at); each started ten minutes before (an offset)
    "d1": ("checkout", "v1", "2026-03-01T10:00"),
    "d2": ("checkout", "v2", "2026-03-02T10:00"),  # failed; rolled back by d3, 1h30m later
    "d3": ("checkout", "v1-again", "2026-03-02T11:30"),
    "d4": ("checkout", "v3", "2026-03-10T00:00"),  # failed; rolled forward by v4, 2h later
    "d5": ("checkout", "v4", "2026-03-10T02:00"),
    "p1": ("payments", "v9", "2026-03-05T00:00"),
    "late": ("payments", "v10", "2026-04-02T00:00"),  # after the window
}
INCIDENTS = {
    "by-id": "caused_by: {deployment_id: deploy-d2-0000000001}\n"
    "remediation: {type: rollback, deployment_id: deploy-d3-0000000001}\n",
    "by-version": "caused_by: {service: checkout, env: prod, version: v3}\n"
    "remediation: {type: rollforward, version: v4}\n",
    # Neither counts: the deployment is declared nowhere, the incident is retracted.
    "elsewhere": "caused_by: {deployment_id: z_RwVLi7v4Y}\n",
    "retracted": "retracted: true\ncaused_by: {deployment_id: deploy-p1-0000000001}\n",
}


def worked(project: ProjectDir) -> ProjectDir:
    project.config("defaults:\n  env: prod\n")
    folder = project.root / "deployments"
    folder.mkdir()
    for name, (service, version, finished) in DEPLOYMENTS.items():
        (folder / f"{name}.yaml").write_text(
            f"service: {service}\nversion: {version}\nid: deploy-{name}-0000000001\n"
            f"started_at: {finished}:00+00:10\nfinished_at: {finished}:00Z\n"
        )
    for name, link in INCIDENTS.items():
        project.incident(
            f"{name}.yaml",
            "services: [checkout]\nstarted_at: 2026-03-02T10:30:00Z\n"
            "finished_at: 2026-03-02T11:00:00Z\n" + link,
        )
    return project


def test_the_report_adds_change_failure_rate_and_recovery_time_from_the_links(
    project: ProjectDir, run: Runner
) -> None:
    worked(project)
    args = ("-C", project.root, "report", "--since", "2026-03-01", "--until", "2026-03-31")
    text = run(*args, "--by", "service").out
    assert "; 6 deployments, change failure rate 33.3%" in text
    lines = {line.split()[0]: line.split()[-3:] for line in text.splitlines()[3:6]}
    assert lines == {
        "(all)": ["6", "33.3%", "1h45m"],
        "checkout": ["5", "40.0%", "1h45m"],
        "payments": ["1", "0.0%", "-"],
    }
    groups = json.loads(run(*args, "--format", "json").out, parse_float=Decimal)["groups"]
    assert {k: groups[0][k] for k in ("deployments", "change_failures", "change_failure_rate")} == {
        "deployments": 6,
        "change_failures": 2,
        "change_failure_rate": Decimal("0.333333333"),
    }
    assert groups[0]["recovery_seconds"] == {
        "median": Decimal("6300.0"),
        "mean": Decimal("6300.0"),
        "p90": Decimal("7200.0"),
    }


def test_a_project_without_deployment_files_reports_as_before(
    project: ProjectDir, run: Runner
) -> None:
    project.incident("a.yaml", "services: [a]\nstarted_at: 2026-03-02T10:30:00Z\n")
    body = json.loads(
        run("-C", project.root, "report", "--since", "2026-03-01", "--format", "json").out
    )
    assert "deployments" not in body["groups"][0]
    assert "CFR" not in run("-C", project.root, "report", "--since", "2026-03-01").out


def test_a_remediation_before_the_failure_gives_no_recovery_and_two_links_mark_once() -> None:
    deployments = {
        "a": {"id": "a", "service": "s", "env": "e", "version": "1", "finished_at": 10},
        "b": {"id": "b", "service": "s", "env": "e", "version": "2", "finished_at": 5},
    }
    links = [
        {"deployment": {"id": "a"}, "remediation": {"type": "rollback", "id": "b"}},
        {"deployment": {"id": "a"}},
    ]
    found = outcomes(deployments, links)
    assert set(found) == {"a"}
    assert (found["a"].failed, found["a"].recovery_ns) == (True, None)
