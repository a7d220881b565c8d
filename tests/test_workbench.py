"""The workbench tools against the sandbox over loopback HTTP, through a real MCP client.

Group 12 (Mobile App 2.0) has a sprint history (sandbox/seed_history.py): two completed
sprints, an active one with a card in every column, unestimated and oversized backlog
items. Group 11 has only a planned sprint; group 13 becomes an empty Scrum with
`backlog_add`. Each figure is checked against what the one-to-one tools say, or against
the seed; each write against the sandbox's own record of the calls it received.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from mcp import Client
from mcp.types import TextContent

from bitrix24_scrum_mcp.sandbox.seed_history import ACTIVE_SPRINT_ID, SECOND_SPRINT_ID
from bitrix24_scrum_mcp.tools import select
from tests.helpers import mcp_session
from tests.live_sandbox import LiveSandbox

pytestmark = pytest.mark.anyio

TEAM, CHECKOUT, PLAIN = 12, 11, 13
WRITES = ("add", "update", "delete", "start", "complete", "movetask", "addTask", "deleteTask")
DATES = {"dateStart": "2026-12-21T09:00:00+03:00", "dateEnd": "2027-01-04T09:00:00+03:00"}


async def ok(session: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def failed(session: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def writes(sandbox: LiveSandbox) -> list[str]:
    """The write methods the portal has run, batch sub-calls included."""
    return [m for m, _ in sandbox.portal.calls if m.rsplit(".", 1)[-1] in WRITES]


def column(board: dict[str, Any], kind: str) -> dict[str, Any]:
    [found] = [c for c in board["columns"] if c["type"] == kind]
    return found


async def test_overview_of_a_team_mid_sprint_in_three_requests(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, client):
        sent = client.requests_sent
        overview = await ok(session, "scrum_overview", {"groupId": TEAM})
        requests = client.requests_sent - sent
        backlog = await ok(session, "backlog_items", {"groupId": TEAM, "limit": 500})
    assert requests == 3
    assert overview["name"] == "Mobile App 2.0"
    assert overview["backlog"] == {"id": 22, "totals": backlog["totals"]}
    assert backlog["totals"] == {"tasks": 12, "points": 63, "unestimated": [136, 137]}
    active = overview["activeSprint"]
    assert active["sprint"]["id"] == ACTIVE_SPRINT_ID and active["sprint"]["status"] == "active"
    end = datetime.fromisoformat(active["sprint"]["dateEnd"])
    today = datetime.now(UTC).astimezone(end.tzinfo).date()
    assert active["sprint"]["daysLeft"] == (end.date() - today).days
    assert [c["type"] for c in active["columns"]] == ["NEW", "WORK", "FINISH"]
    assert all(c["tasks"] for c in active["columns"]), "a card in every column"
    assert active["totals"] == {"tasks": 6, "points": 21, "unestimated": [133]}
    assert active["done"] == {"tasks": 2, "points": 5, "unestimated": []}
    unestimated = next(t for t in column(active, "NEW")["tasks"] if t["id"] == 133)
    assert "points" not in unestimated and unestimated["responsible"] == "Olga Smirnova"
    assert overview["plannedSprints"] == [] and overview["completedSprints"] == 2
    assert {e["name"] for e in overview["epics"]} == {"Onboarding", "Performance"}
    assert writes(sandbox) == []


async def test_overview_without_an_active_sprint_and_of_an_empty_scrum(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        checkout = await ok(session, "scrum_overview", {"groupId": CHECKOUT})
        await ok(session, "backlog_add", {"fields": {"groupId": PLAIN, "createdBy": 1}})
        empty = await ok(session, "scrum_overview", {"groupId": PLAIN})
        board = await failed(session, "sprint_board", {"groupId": CHECKOUT})
    assert "activeSprint" not in checkout
    assert [s["name"] for s in checkout["plannedSprints"]] == ["Sprint 1"]
    assert checkout["backlog"]["totals"]["tasks"] == 8
    assert empty["backlog"]["totals"] == {"tasks": 0, "points": 0, "unestimated": []}
    assert empty["plannedSprints"] == [] and empty["epics"] == [] and "activeSprint" not in empty
    assert board["error"] == "INVALID_STATE" and "no active sprint" in board["error_description"]


async def test_backlog_pages_follow_the_backlog_order(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        first = await ok(session, "backlog_items", {"groupId": TEAM, "limit": 5})
        second = await ok(session, "backlog_items", {"groupId": TEAM, "start": first["next"]})
        items = [*first["items"], *second["items"]]
        sorts = [(await ok(session, "task_get", {"id": i["id"]}))["sortFloat"] for i in items]
        # A task placed at the top of the backlog comes first.
        await ok(session, "task_update", {"id": 138, "fields": {"sort": 1}})
        top = await ok(session, "backlog_items", {"groupId": TEAM, "limit": 1})
    assert first["total"] == 12 and first["next"] == 5 and "next" not in second
    assert len(items) == 12 and sorts == sorted(sorts)
    assert [i["id"] for i in items][:3] == [112, 113, 114]
    assert {i["id"] for i in items if "points" not in i} == {136, 137}
    assert top["items"][0]["id"] == 138


async def test_a_backlog_longer_than_a_page_is_read_whole(sandbox: LiveSandbox) -> None:
    new = {"RESPONSIBLE_ID": 2, "GROUP_ID": TEAM}
    calls = [
        {"tool": "tasks_task_add", "arguments": {"fields": {**new, "TITLE": f"Story {i}"}}}
        for i in range(60)
    ]
    async with mcp_session(sandbox.webhook_url) as (session, client):
        await ok(session, "scrum_batch", {"calls": calls})
        sent = client.requests_sent
        page = await ok(session, "backlog_items", {"groupId": TEAM, "start": 70})
        requests = client.requests_sent - sent
    # Round 1 holds the first page (its BACKLOG_ID taken from backlog.get inside the batch),
    # then the second page, then 72 Scrum items in two batches of 50.
    assert page["total"] == 72 and len(page["items"]) == 2 and requests == 4
    assert page["totals"]["tasks"] == 72


async def test_board_by_group_and_by_sprint_agree_and_a_planned_sprint_has_no_columns(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, client):
        by_group = await ok(session, "sprint_board", {"groupId": TEAM})
        sent = client.requests_sent
        by_sprint = await ok(session, "sprint_board", {"sprintId": ACTIVE_SPRINT_ID})
        requests = client.requests_sent - sent
        planned = await ok(session, "sprint_board", {"sprintId": 23})
        both = await failed(session, "sprint_board", {"sprintId": 26, "groupId": TEAM})
        backlog = await failed(session, "sprint_board", {"sprintId": 22})
    assert by_group == by_sprint and requests == 2
    assert planned["columns"] == [] and {t["id"] for t in planned["offBoard"]} == {101, 102, 103}
    assert "no board" in planned["notes"][0]
    assert both["error"] == "INVALID_ARGUMENTS" and backlog["error"] == "INVALID_STATE"


async def test_move_by_name_completes_on_done_and_reopens_elsewhere(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, client):
        sent = client.requests_sent
        moved = await ok(session, "board_move", {"taskId": 131, "stage": "  in PROGRESS "})
        requests = client.requests_sent - sent
        board = await ok(session, "sprint_board", {"groupId": TEAM})
        done = await ok(session, "board_move", {"taskId": 131, "stage": "Done"})
        again = await ok(session, "board_move", {"taskId": 131, "stage": done["column"]["id"]})
        reopened = await ok(session, "board_move", {"taskId": 131, "stage": "New"})
    assert requests == 2  # the task, its item, sprint and columns; then read-move-read
    assert moved["column"]["type"] == "WORK" and moved["previous"]["type"] == "NEW"
    assert moved["moved"] and moved["title"] == "Reorder confirmation sheet"
    assert 131 in {t["id"] for t in column(board, "WORK")["tasks"]}
    assert 131 not in {t["id"] for t in column(board, "NEW")["tasks"]}
    assert done["status"] == "completed" and not again["moved"]
    assert reopened["status"] == "pending" and reopened["column"]["type"] == "NEW"


async def test_move_refusals_name_the_columns_and_write_nothing(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        unknown = await session.call_tool("board_move", {"taskId": 131, "stage": "Doing"})
        in_backlog = await failed(session, "board_move", {"taskId": 112, "stage": "Done"})
        planned = await failed(session, "board_move", {"taskId": 101, "stage": "Done"})
    assert unknown.is_error and unknown.structured_content is not None
    assert unknown.structured_content["error"] == "INVALID_ARGUMENTS"
    [text] = [c.text for c in unknown.content if isinstance(c, TextContent)]
    assert "'New' (7), 'In Progress' (8), 'Done' (9)" in text
    assert in_backlog["error"] == "INVALID_STATE" and "backlog" in in_backlog["error_description"]
    assert planned["error"] == "INVALID_STATE" and "planned" in planned["error_description"]
    assert writes(sandbox) == []


async def test_move_puts_a_task_on_the_board_that_had_no_card(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        # task_update moves a backlog task into the running sprint, but not onto its board.
        await ok(session, "task_update", {"id": 112, "fields": {"entityId": ACTIVE_SPRINT_ID}})
        before = await ok(session, "sprint_board", {"groupId": TEAM})
        moved = await ok(session, "board_move", {"taskId": 112, "stage": "In Progress"})
        after = await ok(session, "sprint_board", {"groupId": TEAM})
    assert [t["id"] for t in before["offBoard"]] == [112] and "on no column" in before["notes"][0]
    assert "previous" not in moved and moved["moved"]
    assert after["offBoard"] == [] and 112 in {t["id"] for t in column(after, "WORK")["tasks"]}


async def test_plan_dry_run_writes_nothing_and_says_what_it_skipped(sandbox: LiveSandbox) -> None:
    sprint = {"name": "Mobile Sprint 4", **DATES}
    async with mcp_session(sandbox.webhook_url) as (session, _):
        plan = await ok(session, "sprint_plan", {"groupId": TEAM, "capacity": 13, "sprint": sprint})
        wide = await ok(
            session, "sprint_plan", {"groupId": TEAM, "capacity": 100, "sprint": sprint}
        )
    assert plan["applied"] == "no" and "id" not in plan["sprint"] and "moves" not in plan
    assert [t["id"] for t in plan["tasks"]] == [112, 113, 119] and plan["points"] == 13
    assert {s["id"]: s["reason"] for s in plan["skipped"]} == dict.fromkeys(
        (114, 115, 116, 117, 118), "too big"
    )
    assert plan["notConsidered"] == 4
    reasons = {s["id"]: s["reason"] for s in wide["skipped"]}
    assert reasons == {136: "unestimated", 137: "unestimated"}
    assert wide["points"] == 63 and wide["notConsidered"] == 0
    assert writes(sandbox) == []


async def test_plan_applied_creates_the_sprint_and_moves_each_task_once(
    sandbox: LiveSandbox,
) -> None:
    arguments = {"groupId": TEAM, "capacity": 13, "sprint": {"name": "Mobile Sprint 4", **DATES}}
    async with mcp_session(sandbox.webhook_url) as (session, client):
        sent = client.requests_sent
        plan = await ok(session, "sprint_plan", {**arguments, "apply": True})
        requests = client.requests_sent - sent
        again = await failed(session, "sprint_plan", {**arguments, "apply": True})
        placed = [(await ok(session, "task_get", {"id": t}))["entityId"] for t in (112, 113, 119)]
        created = await ok(session, "sprint_get", {"id": plan["sprint"]["id"]})
    assert plan["applied"] == "yes" and requests == 4  # 2 reads, sprint.add, a batch of moves
    assert plan["moves"] == [{"taskId": t, "ok": True} for t in (112, 113, 119)]
    assert placed == [plan["sprint"]["id"]] * 3
    assert created["status"] == "planned" and created["createdBy"] == 1
    assert (
        again["error"] == "INVALID_STATE"
        and "already has a planned sprint" in again["error_description"]
    )
    assert writes(sandbox).count("tasks.api.scrum.sprint.add") == 1
    assert writes(sandbox).count("tasks.api.scrum.task.update") == 3


async def test_plan_that_fails_half_way_says_so_task_by_task(sandbox: LiveSandbox) -> None:
    sandbox.faults.force_errors["tasks.api.scrum.task.update"] = "Unknown error"
    arguments = {"groupId": TEAM, "capacity": 13, "sprint": {"name": "Half", **DATES}}
    async with mcp_session(sandbox.webhook_url) as (session, _):
        plan = await ok(session, "sprint_plan", {**arguments, "apply": True})
        sprint = await ok(session, "sprint_get", {"id": plan["sprint"]["id"]})
    assert plan["applied"] == "partly" and sprint["name"] == "Half"
    assert [m["ok"] for m in plan["moves"]] == [False] * 3
    assert all("Unknown error" in m["error"] for m in plan["moves"])


async def test_a_portal_error_in_the_middle_of_a_job_is_the_tools_error(
    sandbox: LiveSandbox,
) -> None:
    sandbox.faults.force_errors["tasks.api.scrum.kanban.getStages"] = "Stages not found"
    async with mcp_session(sandbox.webhook_url) as (session, client):
        sent = client.requests_sent
        board = await failed(session, "sprint_board", {"groupId": TEAM})
        requests = client.requests_sent - sent
    assert requests == 2  # the group's active sprint was found; its stages failed
    assert board["method"] == "tasks.api.scrum.kanban.getStages"
    assert "Stages not found" in board["error_description"]


async def test_report_of_a_completed_sprint(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        report = await ok(session, "sprint_report", {"sprintId": SECOND_SPRINT_ID})
    assert report["committed"] == {"tasks": 5, "points": 23}
    assert report["completed"] == {"tasks": 4, "points": 18}
    assert [t["id"] for t in report["carriedOver"]] == [128]
    assert {s["type"]: s["tasks"] for s in report["stages"]} == {"NEW": 0, "WORK": 1, "FINISH": 4}
    people = {p["responsibleId"]: p for p in report["people"]}
    assert people[2]["donePoints"] == 13 and people[5]["tasks"] == 3
    burndown = report["burndown"]
    assert burndown[0]["remaining"] == 23 and burndown[0]["ideal"] == 23
    assert burndown[-1]["remaining"] == 5 and burndown[-1]["ideal"] == 0
    assert all("remaining" in day for day in burndown)
    assert [v["sprintId"] for v in report["velocity"]] == [25, 24]
    assert [v["donePoints"] for v in report["velocity"]] == [18, 19]
    assert report["averageVelocity"] == 18.5
    assert any("carried over" in note for note in report["approximations"])


async def test_report_of_the_running_sprint_stops_at_today(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        report = await ok(session, "sprint_report", {"sprintId": ACTIVE_SPRINT_ID})
    today = datetime.now(UTC).astimezone(
        datetime.fromisoformat(report["sprint"]["dateStart"]).tzinfo
    )
    days = {d["date"]: d for d in report["burndown"]}
    assert "remaining" in days[today.date().isoformat()]
    assert all(
        "remaining" not in d for d in report["burndown"] if d["date"] > today.date().isoformat()
    )
    assert report["unestimated"] == [133] and report["carriedOver"] == []
    assert report["completed"] == {"tasks": 2, "points": 5}
    assert any("running" in note for note in report["approximations"])


async def test_progress_is_reported_round_by_round_when_asked(sandbox: LiveSandbox) -> None:
    seen: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(message)

    async with mcp_session(sandbox.webhook_url) as (session, _):
        await session.call_tool("scrum_overview", {"groupId": TEAM}, progress_callback=on_progress)
    assert len(seen) == 3 and all(m and m.startswith("scrum_overview") for m in seen)


def test_read_only_mode_keeps_the_workbench_reads() -> None:
    workflow = {s.name for s in select(["workflow"])}
    read_only = {s.name for s in select(["workflow"], read_only=True)}
    assert workflow == {
        "scrum_overview", "backlog_items", "sprint_board", "board_move", "sprint_plan",
        "sprint_report",
    }  # fmt: skip
    assert read_only == workflow - {"board_move", "sprint_plan"}
