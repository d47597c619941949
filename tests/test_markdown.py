"""The Markdown plan: a pull-request comment, readable, safe and under 60,000 characters."""

from __future__ import annotations

import json
import re
import time

import pytest

from dorasync.markdown import LIMIT, MARKER, plan_markdown
from dorasync.plan import Action, Change, FieldChange, Plan, make_plan
from dorasync.targets import select
from tests.review_support import Terminal, run_on, sample
from tests.support import ProjectDir, Runner
from tests.test_plan import START, incident, state_of


def a_plan() -> Plan:
    return make_plan(
        [incident("new"), incident("a", finished_at=START + 10**9, started_at=START + 1)],
        state_of(incident("a"), incident("gone")),
    )


def test_the_comment_starts_with_a_marker_and_a_one_line_summary() -> None:
    lines = plan_markdown(a_plan()).splitlines()
    assert lines[0] == MARKER
    assert lines[1] == (
        "**dorasync** · Plan: 1 to create, 1 to update, 0 to delete, 0 unchanged, "
        "1 declared no more (left alone)."
    )


def test_the_table_has_action_key_file_and_the_fields_that_change() -> None:
    text = plan_markdown(a_plan())
    assert "| action | incident | file | fields |\n|---|---|---|---|\n" in text
    assert (
        "| update | <code>a</code> | <code>incidents/a.yaml</code> | finished_at, started_at "
        "**(warning)** |"
    ) in text
    assert (
        "| create | <code>new</code> | <code>incidents/new.yaml</code> | services, started_at |"
        in (text)
    )


def test_each_change_has_a_collapsible_field_diff() -> None:
    text = plan_markdown(a_plan())
    block = text[text.index("<details><summary><b>update</b> <code>a</code></summary>") :]
    block = block[: block.index("</details>")]
    assert "```diff\n" in block
    assert '  id          = "id-a-0123456789"' in block
    assert "+ finished_at = 1795179721000000000  # 2026-11-20T13:02:01Z" in block
    assert "- started_at  = 1795179720000000000  # 2026-11-20T13:02:00Z" in block
    assert "+ started_at  = 1795179720000000001  # 2026-11-20T13:02:00.000000001Z" in block
    assert "**Warning:** changing started\\_at of an event already sent" in block


def test_orphans_are_listed_in_their_own_block() -> None:
    text = plan_markdown(a_plan())
    assert "<details><summary>1 declared no more (left alone, in Datadog and in the state)" in text
    assert "- <code>gone</code> (was <code>incidents/gone.yaml</code>)" in text


def test_a_plan_without_changes_says_so_and_has_no_table() -> None:
    text = plan_markdown(make_plan([incident("a")], state_of(incident("a"))))
    assert "No changes: 1 incident match the state." in text
    assert "|---|" not in text


def test_partial_and_unsafe_plans_say_so_above_the_table() -> None:
    text = plan_markdown(select(a_plan(), ["a"]), unsafe="it updates 12 of 12")
    head = text[: text.index("| action |")]
    assert "> Partial plan: only the 1 incident matching --target a" in head
    assert "> **Apply will refuse this plan without `--force`:** it updates 12 of 12" in head


@pytest.mark.parametrize(
    "key",
    ["a|b", "<script>alert(1)</script>", "@octocat/pager", "`rm -rf`", "**bold** _x_ [l](u)"],
)
def test_what_users_wrote_cannot_break_the_table_or_mention_anyone(key: str) -> None:
    text = plan_markdown(make_plan([incident(key, name=key)], state_of()))
    row = next(line for line in text.splitlines() if line.startswith("| create |"))
    assert row.count("|") == 5
    # Inside a fenced block nothing is markup; everywhere else, nothing the user wrote is.
    outside = re.sub(r"```diff\n.*?\n```", "", text, flags=re.DOTALL)
    assert "<script>" not in outside
    assert "@octocat" not in outside
    # A <summary> line is raw HTML, where Markdown is not read: there the key is
    # HTML-escaped inside <code>, without backslashes (they would show).
    summaries = re.findall(r"<summary>.*?</summary>", outside)
    assert summaries
    assert all("\\" not in line for line in summaries)
    assert "**bold**" not in re.sub(r"<summary>.*?</summary>", "", outside)


def test_a_value_with_backticks_gets_a_longer_fence() -> None:
    text = plan_markdown(make_plan([incident("a", name="a ``` b ```` c")], state_of()))
    assert "`````diff\n" in text
    assert re.search(r"^`````$", text, re.MULTILINE)


def test_no_ansi_code_ever_appears() -> None:
    assert "\x1b" not in plan_markdown(a_plan())


def thousands(count: int) -> Plan:
    """`count` updates that each resolve an incident, built directly (deepdiff is slow)."""
    changes = []
    for n in range(count):
        key = f"2026/incident-{n:05}"
        attributes = {"id": f"id-{n:05}-0123456789", "started_at": START, "finished_at": START + n}
        fields = (FieldChange("finished_at", None, START + n),)
        changes.append(
            Change(
                Action.UPDATE,
                key,
                str(attributes["id"]),
                f"incidents/{key}.yaml",
                attributes,
                fields,
            )
        )
    return Plan(tuple(changes))


def test_a_plan_of_5000_updates_stays_under_60000_characters_and_says_how_many_left_out() -> None:
    text = plan_markdown(thousands(5000), shown="plan.json")
    assert len(text) < LIMIT
    rows = sum(1 for line in text.splitlines() if line.startswith("| update |"))
    assert 0 < rows < 5000
    assert f"**{5000 - rows} left out:** this comment lists {rows} of the 5000 changes" in text
    assert "`dorasync show plan.json` shows them all" in text


def test_when_only_the_diffs_do_not_fit_the_table_is_whole_and_the_diffs_are_counted() -> None:
    text = plan_markdown(thousands(40), limit=8_000)
    assert len(text) < 8_000
    assert sum(1 for line in text.splitlines() if line.startswith("| update |")) == 40
    assert re.search(r"\*\*Field diffs of \d+ changes left out\*\* to stay under 8,000", text)


def test_plan_format_markdown_has_no_colour_even_on_a_terminal(
    project: ProjectDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample(project)
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = run_on(monkeypatch, "-C", project.root, "plan", stdout=Terminal())
    assert "\x1b[32m" in coloured.out  # the terminal does get colour for text
    text = run_on(
        monkeypatch, "-C", project.root, "plan", "--format", "markdown", stdout=Terminal()
    )
    assert text.out.startswith(MARKER)
    assert "\x1b" not in text.out
    assert "| create | <code>2026/ongoing</code>" in text.out


def test_json_and_another_format_at_once_is_a_usage_error(project: ProjectDir, run: Runner) -> None:
    result = run("-C", project.root, "plan", "--json", "--format", "markdown")
    assert result.code == 1
    assert "--json and --format markdown ask for two formats" in result.err


def test_the_whole_comment_with_the_impact_stays_under_60000_characters(
    project: ProjectDir, run: Runner
) -> None:
    """Every incident in its own service, all started this month: the impact has a row
    per service, which must share the comment's room with the plan."""
    now = int(time.time()) - 86_400
    for n in range(1500):
        project.incident(
            f"i{n:04d}.yaml", f"services: [service-number-{n:04d}]\nstarted_at: {now - n * 60}\n"
        )
    result = run("-C", project.root, "plan", "--format", "markdown")
    assert result.code == 0
    assert len(result.out) < 60_000
    assert "more groups left out to keep the comment short" in result.out
    assert "left out" in result.out.split("### Impact on the report")[0]


def test_a_service_name_in_the_impact_can_neither_mention_nor_inject_html(
    project: ProjectDir, run: Runner
) -> None:
    now = int(time.time()) - 86_400
    project.incident(
        "a.yaml", f"services: ['@acme/security <img src=x onerror=alert(1)>']\nstarted_at: {now}\n"
    )
    section = run("-C", project.root, "plan", "--format", "markdown").out.split(
        "### Impact on the report"
    )[1]
    assert "@acme" not in section
    assert "<img" not in section
    assert "acme/security &lt;img src=x" in section


def test_file_warnings_reach_the_pull_request_comment_and_the_json_plan(
    project: ProjectDir, run: Runner
) -> None:
    """A started_at in the future (the wrong year) is a warning the reviewer must see."""
    soon = int(time.time()) + 30 * 86_400
    project.incident("a.yaml", f"services: [a]\nstarted_at: {soon}\n")
    markdown = run("-C", project.root, "plan", "--format", "markdown").out
    assert "> **Warnings:**" in markdown
    assert "incidents/a.yaml:2:13: started\\_at: warning: is in the future" in markdown
    body = json.loads(run("-C", project.root, "plan", "--json").out)
    assert body["warnings"] == [
        "incidents/a.yaml:2:13: started_at: warning: is in the future; is the date or the "
        "offset right?"
    ]
