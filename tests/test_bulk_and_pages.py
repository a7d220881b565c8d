"""Bulk calls and multi-page lists against the sandbox over loopback HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from bitrix24_scrum_mcp.sandbox.seed import DEMO_BACKLOG_ID, DEMO_SCRUM_GROUP_ID
from tests.helpers import data_of, mcp_session
from tests.live_sandbox import LiveSandbox

pytestmark = pytest.mark.anyio

SPRINT_DATES = {
    "dateStart": "2024-10-01T09:00:00+03:00",
    "dateEnd": "2024-10-15T09:00:00+03:00",
    "status": "planned",
}


async def _bulk(session: Any, calls: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    result = await session.call_tool("scrum_batch", {"calls": calls, **extra})
    assert not result.is_error, result.content
    return result.structured_content


async def _create_tasks(session: Any, count: int) -> list[int]:
    calls = [
        {"tool": "tasks_task_add", "arguments": {"fields": {"TITLE": f"Story {i}", "RESPONSIBLE_ID": 2, "GROUP_ID": DEMO_SCRUM_GROUP_ID}}}
        for i in range(count)
    ]  # fmt: skip
    created = await _bulk(session, calls)
    assert created["succeeded"] == count
    return [int(r["result"]["task"]["id"]) for r in created["results"]]


async def test_moving_200_tasks_into_a_sprint_costs_at_most_4_requests(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        task_ids = await _create_tasks(session, 200)
        sprint = await session.call_tool(
            "sprint_add",
            {"fields": {**SPRINT_DATES, "groupId": DEMO_SCRUM_GROUP_ID, "name": "Big sprint"}},
        )
        sprint_id = data_of(sprint)["id"]
        before = sandbox.portal.request_count
        moved = await _bulk(
            session,
            [
                {"tool": "task_update", "arguments": {"id": t, "fields": {"entityId": sprint_id}}}
                for t in task_ids
            ],
        )
        requests = sandbox.portal.request_count - before
        assert moved["succeeded"] == 200 and moved["failed"] == 0
        assert moved["requests"] == requests <= 4
        check = await _bulk(
            session, [{"tool": "task_get", "arguments": {"id": t}} for t in task_ids]
        )
    assert [r["result"]["entityId"] for r in check["results"]] == [sprint_id] * 200


async def test_bulk_reports_each_failure_and_halt_stops_the_rest(sandbox: LiveSandbox) -> None:
    calls = [
        {"tool": "task_get", "arguments": {"id": 101}},
        {"tool": "sprint_get", "arguments": {"id": 99999}},
        {"tool": "task_get", "arguments": {"id": 102}},
    ]
    async with mcp_session(sandbox.webhook_url) as (session, _):
        free = await _bulk(session, calls)
        halted = await _bulk(session, calls, halt=True)
    assert [r["ok"] for r in free["results"]] == [True, False, True]
    assert free["results"][1]["error"]["error_description"] == "Sprint not found"
    assert (free["succeeded"], free["failed"], free["notRun"]) == (2, 1, 0)
    assert [r["ok"] for r in halted["results"]] == [True, False, False]
    assert halted["results"][2]["error"]["error"] == "NOT_RUN"
    assert (halted["succeeded"], halted["failed"], halted["notRun"]) == (1, 1, 1)


async def test_limit_fetches_later_pages_in_one_batch_request(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        await _create_tasks(session, 130)
        before = sandbox.portal.request_count
        page = await session.call_tool(
            "tasks_task_list",
            {
                "filter": {"GROUP_ID": DEMO_SCRUM_GROUP_ID},
                "select": ["ID"],
                "order": {"ID": "asc"},
                "limit": 120,
            },
        )
        used = sandbox.portal.request_count - before
        whole = await session.call_tool(
            "tasks_task_list",
            {
                "filter": {"GROUP_ID": DEMO_SCRUM_GROUP_ID},
                "select": ["ID"],
                "order": {"ID": "asc"},
                "limit": 500,
            },
        )
    data = data_of(page)
    assert used == 2  # the first page, then pages 2-3 together in one batch
    assert len(data["items"]) == 120 and data["next"] == 120
    ids = [int(t["id"]) for t in data_of(whole)["items"]]
    assert ids == sorted(set(ids)) and len(ids) == data_of(whole)["total"]
    assert "next" not in data_of(whole)
    assert [int(t["id"]) for t in data["items"]] == ids[:120]


async def test_progress_is_reported_for_bulk_calls_when_asked(sandbox: LiveSandbox) -> None:
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    calls = [{"tool": "task_get", "arguments": {"id": 101}}] * 120
    async with mcp_session(sandbox.webhook_url) as (session, _):
        result = await session.call_tool(
            "scrum_batch", {"calls": calls}, progress_callback=on_progress
        )
    assert not result.is_error
    assert seen == [(50, 120), (100, 120), (120, 120)]


async def test_backlog_and_sprint_round_trip_on_the_sandbox(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        backlog = await session.call_tool("backlog_get", {"id": DEMO_SCRUM_GROUP_ID})
        added = await session.call_tool(
            "sprint_add",
            {"fields": {"groupId": DEMO_SCRUM_GROUP_ID, "name": "S9", "status": "planned",
                        "dateStart": "2024-10-01T09:00:00+03:00", "dateEnd": "2024-10-15T09:00:00+03:00"}},
        )  # fmt: skip
        sprint_id = data_of(added)["id"]
        updated = await session.call_tool(
            "sprint_update", {"id": sprint_id, "fields": {"name": "S10"}}
        )
        # portal: a sprint starts only with an open task in it.
        await session.call_tool("task_update", {"id": 104, "fields": {"entityId": sprint_id}})
        second_start = await session.call_tool("sprint_start", {"id": sprint_id})
        again = await session.call_tool("sprint_start", {"id": sprint_id})
    assert data_of(backlog)["id"] == DEMO_BACKLOG_ID
    assert data_of(updated)["name"] == "S10"
    assert data_of(second_start)["status"] == "active"
    assert again.is_error
    assert data_of(again)["error_description"] == "Sprint must be planned"
