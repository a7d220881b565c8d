"""The server on a portal that behaves like its source (issue 12 §1): lists without a total,
kanban writes that answer `false`, a sprint.complete that answers `null`, adds that fail
without `createdBy`, and error codes sent as strings or numbers.

Each test runs the real server through a real MCP client against the sandbox over loopback
HTTP (or the stand-in portal, to send what the sandbox does not).
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import OAuth, Secret
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_PLAIN_GROUP_ID,
    DEMO_PLAIN_TASK_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
)
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from tests.helpers import FAST, mcp_session, text_of
from tests.live_sandbox import LiveSandbox
from tests.standin import StandIn, error

pytestmark = pytest.mark.anyio
G, SP = DEMO_SCRUM_GROUP_ID, DEMO_SPRINT_ID
DATES = {"dateStart": "2024-10-01T09:00:00+03:00", "dateEnd": "2024-10-15T09:00:00+03:00"}


async def _ok(session: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def _failed(
    session: Client, tool: str, arguments: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    result = await session.call_tool(tool, arguments)
    assert result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content, text_of(result)


async def _epics(session: Client, count: int) -> None:
    calls = [
        {"tool": "epic_add", "arguments": {"fields": {"name": f"E{i}", "groupId": G}}}
        for i in range(count)
    ]
    assert (await _ok(session, "scrum_batch", {"calls": calls}))["succeeded"] == count


# -- lists without total/next ---------------------------------------------------------


async def test_epic_list_with_limit_reads_past_the_first_page_of_an_uncounted_list(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        await _epics(session, 117)  # 3 seeded + 117 = 120 epics in group 11
        query = {"filter": {"GROUP_ID": G}, "select": ["ID"], "order": {"ID": "asc"}}
        before = sandbox.portal.request_count
        whole = await _ok(session, "epic_list", {**query, "limit": 500})
        used = sandbox.portal.request_count - before
        part = await _ok(session, "epic_list", {**query, "limit": 70})
        one = await _ok(session, "epic_list", query)
        middle = await _ok(session, "epic_list", {**query, "start": 60, "limit": 20})
    ids = [e["id"] for e in whole["items"]]
    assert len(ids) == 120 == len(set(ids)) and set(whole) == {"items"}  # ended: a short page
    assert used == 2  # the first page, then every further page asked for in one batch
    assert [e["id"] for e in part["items"]] == ids[:70]
    assert part["next"] == 70 and "total" not in part and "may follow" in part["note"]
    assert len(one["items"]) == 50 and one["next"] == 50 and "note" in one
    assert [e["id"] for e in middle["items"]] == ids[60:80] and middle["next"] == 80


async def test_sprint_list_with_limit_ends_at_a_short_page(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        calls = [
            {"tool": "sprint_add", "arguments": {"fields": {"groupId": G, "name": f"S{i}", "status": "planned", **DATES}}}
            for i in range(54)
        ]  # fmt: skip
        await _ok(session, "scrum_batch", {"calls": calls})
        listed = await _ok(session, "sprint_list", {"filter": {"GROUP_ID": G}, "limit": 100})
    assert len(listed["items"]) == 55 and "next" not in listed and "note" not in listed


# -- refusals the gateway does not report ----------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "cause"),
    [
        ("kanban_add_task", {"sprintId": SP, "taskId": 112, "stageId": "$WORK"}, "GROUP_ID"),
        ("kanban_delete_task", {"sprintId": 999, "taskId": 101}, "sprint may not exist"),
        ("kanban_update_stage", {"stageId": 99999, "fields": {"name": "x"}}, "may not exist"),
        ("kanban_delete_stage", {"stageId": "$NEW"}, "still hold tasks"),
    ],
)
async def test_a_kanban_write_answered_false_is_an_error_with_its_likely_causes(
    sandbox: LiveSandbox, tool: str, arguments: dict[str, Any], cause: str
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        await _ok(session, "sprint_start", {"id": SP})
        stages = (await _ok(session, "kanban_get_stages", {"sprintId": SP}))["items"]
        ids = {"$NEW": int(stages[0]["id"]), "$WORK": int(stages[1]["id"])}
        arguments = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in arguments.items()}
        payload, text = await _failed(session, tool, arguments)
        batched = await _ok(
            session, "scrum_batch", {"calls": [{"tool": tool, "arguments": arguments}]}
        )
    assert payload["error"] == "PORTAL_REFUSED" and payload["http_status"] == 200
    assert "answered false" in text and cause in payload["error_description"]
    assert batched["results"][0]["error"]["error"] == "PORTAL_REFUSED"
    assert (batched["succeeded"], batched["failed"]) == (0, 1)


async def test_a_sprint_complete_answered_null_is_an_error_naming_the_read_tool(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        await _ok(session, "sprint_start", {"id": SP})
        sandbox.faults.force_errors["tasks.api.scrum.sprint.complete"] = "Unable to complete sprint"
        payload, text = await _failed(session, "sprint_complete", {"id": G})
    assert payload["error"] == "PORTAL_REFUSED"
    assert "answered null" in text and "check the current state with sprint_get" in text


# -- createdBy --------------------------------------------------------------------------


async def test_adds_without_created_by_get_the_acting_user(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        backlog = await _ok(session, "backlog_add", {"fields": {"groupId": DEMO_PLAIN_GROUP_ID}})
        sprint = await _ok(
            session,
            "sprint_add",
            {"fields": {"groupId": G, "name": "S2", "status": "planned", **DATES}},
        )
        named = await _ok(
            session,
            "sprint_add",
            {"fields": {"groupId": G, "name": "S3", "status": "planned", "createdBy": 2, **DATES}},
        )
    assert backlog["createdBy"] == 1 and sprint["createdBy"] == 1 and named["createdBy"] == 2
    sent = [p for m, p in sandbox.portal.requests if m.endswith("sprint.add")]
    assert [p["fields"]["createdBy"] for p in sent] == [1, 2]


async def test_task_update_puts_a_task_into_scrum_with_the_acting_user_as_creator(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        backlog = await _ok(session, "backlog_add", {"fields": {"groupId": DEMO_PLAIN_GROUP_ID}})
        moved = await _ok(
            session,
            "task_update",
            {"id": DEMO_PLAIN_TASK_ID, "fields": {"entityId": backlog["id"]}},
        )
        item = await _ok(session, "task_get", {"id": DEMO_PLAIN_TASK_ID})
        task = await _ok(
            session,
            "tasks_task_add",
            {"fields": {"TITLE": "Loose", "RESPONSIBLE_ID": 1, "GROUP_ID": DEMO_PLAIN_GROUP_ID}},
        )
        new_id = int(task["task"]["id"])
        batched = await _ok(
            session,
            "scrum_batch",
            {"calls": [{"tool": "task_update", "arguments": {"id": new_id, "fields": {"entityId": backlog["id"]}}}]},
        )  # fmt: skip
        existing = await _ok(session, "task_update", {"id": 104, "fields": {"storyPoints": "1"}})
    assert moved == {"result": True} and item["createdBy"] == 1
    assert batched["succeeded"] == 1
    assert existing == {"result": True}
    # an existing item's creator is never touched: no createdBy was sent for task 104
    sent = [p for m, p in sandbox.portal.requests if m.endswith("task.update")]
    assert [p["fields"].get("createdBy") for p in sent] == [None, 1, None]


async def test_a_token_user_is_asked_once_and_becomes_the_creator(sandbox: LiveSandbox) -> None:
    sandbox.portal.issue_oauth_tokens(3, "elena-access", "elena-refresh")
    origin = sandbox.webhook_url.split("/rest/")[0]
    client = Bitrix24Client(OAuth(origin, Secret("elena-access")), FAST)
    try:
        async with Client(create_server(client, ALL_TOOLS)) as session:
            for name in ("S2", "S3"):
                sprint = await _ok(
                    session,
                    "sprint_add",
                    {"fields": {"groupId": G, "name": name, "status": "planned", **DATES}},
                )
                assert sprint["createdBy"] == 3
    finally:
        await client.aclose()
    assert [m for m, _ in sandbox.portal.calls].count("user.current") == 1


# -- error codes ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["0", 0, "100", 100])
async def test_error_codes_pass_through_as_strings_or_numbers(standin: StandIn, code: Any) -> None:
    standin.reply_with(error(code, "Sprint not found", 400))
    async with mcp_session(standin.webhook_url) as (session, _):
        payload, text = await _failed(session, "sprint_get", {"id": 7})
    assert payload["error"] == code and f"(error {code}, HTTP 400)" in text


async def test_start_refused_to_a_plain_member_says_access_denied(sandbox: LiveSandbox) -> None:
    sandbox.portal.add_webhook(2, "dmitry0code0abcd")
    hook = sandbox.webhook_url.replace("/1/sbx1demo2code3ab/", "/2/dmitry0code0abcd/")
    async with mcp_session(hook) as (session, _):
        payload, _ = await _failed(session, "sprint_start", {"id": SP})
        other = await _ok(session, "sprint_get", {"id": SP})
    assert payload["error_description"] == "Access denied" and other["groupId"] == G
