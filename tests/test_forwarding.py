"""Every tool sends exactly the documented request and returns the documented answer.

The stand-in portal records each request and replies with the documentation's own
response example (bare where the docs show no `result` wrapper, so the defensive envelope
parsing is exercised too).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from mcp.types import TextContent

from bitrix24_scrum_mcp.json_types import is_object
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.results import ListResult, ValueResult
from bitrix24_scrum_mcp.tools.spec import tool_name
from tests.helpers import mcp_session
from tests.spec_source import methods
from tests.standin import WEBHOOK_CODE, Reply, StandIn, ok

pytestmark = pytest.mark.anyio


def _doc_request(method: str) -> dict[str, Any]:
    body = copy.deepcopy(methods()[method]["request_example"])
    if method == "tasks.api.scrum.epic.update":
        body["fields"]["groupId"] = 143  # docs: required by the table, omitted by the example
    return body


SCRUM_CASES = [(tool_name(m), _doc_request(m), m) for m in methods()]
COMPANION_CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "tasks_task_add",
        {"fields": {"TITLE": "Login page", "RESPONSIBLE_ID": 3, "GROUP_ID": 1, "PRIORITY": 2}},
        "tasks.task.add",
    ),
    ("tasks_task_get", {"taskId": 8017, "select": ["ID", "TITLE"]}, "tasks.task.get"),
    (
        "tasks_task_list",
        {"filter": {"GROUP_ID": 1, "!REAL_STATUS": 5}, "select": ["ID", "TITLE"], "start": 50},
        "tasks.task.list",
    ),
    (
        "workgroup_list",
        {"filter": {"%NAME": "scrum"}, "select": ["ID", "NAME", "TYPE", "SCRUM_MASTER_ID"]},
        "socialnetwork.api.workgroup.list",
    ),
    ("sonet_group_get", {"ORDER": {"NAME": "ASC"}, "FILTER": {"%NAME": "Pro"}}, "sonet_group.get"),
    ("user_current", {}, "user.current"),
]


def _answer(method: str) -> Reply:
    doc = methods().get(method)
    if doc is None:
        return ok({"task": {"id": "1", "title": "t"}} if method.startswith("tasks.task.") else {})
    return Reply(body=doc["returns"]["example"])


def _unwrapped(example: Any) -> Any:
    """The documented `result`, or the whole answer where the docs show no wrapper."""
    if not is_object(example):
        return example
    answer = example
    return answer.get("result", answer)


def _expected(tool: str, example: Any) -> dict[str, Any]:
    spec = next(s for s in ALL_TOOLS if s.name == tool)
    result = _unwrapped(example)
    if isinstance(spec.result, ListResult):
        return {"items": result}
    if isinstance(spec.result, ValueResult) or not is_object(result):
        return {"result": result}
    return result


@pytest.mark.parametrize(("tool", "arguments", "method"), SCRUM_CASES + COMPANION_CASES)
async def test_tool_posts_the_documented_body_to_the_method_url(
    standin: StandIn, tool: str, arguments: dict[str, Any], method: str
) -> None:
    standin.reply_with(_answer(method))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    [request] = standin.requests
    assert request.path == f"/rest/1/{WEBHOOK_CODE}/{method}"
    assert request.body == arguments
    if method in methods():
        assert result.structured_content == _expected(tool, methods()[method]["returns"]["example"])


SEED_EXAMPLES = [
    # (tool, arguments from the seed page's code samples, documented response)
    (
        "backlog_add",
        {"fields": {"groupId": 125, "createdBy": 6}},
        {"id": 1, "groupId": 125, "createdBy": 6, "modifiedBy": 0},
    ),
    ("backlog_add", {"fields": {"groupId": 1, "createdBy": 1}}, None),
    (
        "backlog_update",
        {"id": 1, "fields": {"groupId": 125, "createdBy": 6}},
        {"id": 1, "groupId": 125, "createdBy": 6, "modifiedBy": 1},
    ),
    (
        "sprint_update",
        {
            "id": 2,
            "fields": {
                "name": "Sprint 2",
                "groupId": 1,
                "dateStart": "2021-11-22T00:00:00+02:00",
                "dateEnd": "2021-11-29T00:00:00+02:00",
            },
        },
        {
            "id": 2,
            "groupId": 1,
            "entityType": "sprint",
            "name": "Sprint 2",
            "goal": "",
            "sort": 1,
            "createdBy": 1,
            "modifiedBy": 1,
            "dateStart": "2021-11-22T00:00:00+02:00",
            "dateEnd": "2021-11-29T00:00:00+02:00",
            "status": "planned",
        },
    ),
]


@pytest.mark.parametrize(("tool", "arguments", "response"), SEED_EXAMPLES)
async def test_seed_page_examples_round_trip(
    standin: StandIn, tool: str, arguments: dict[str, Any], response: dict[str, Any] | None
) -> None:
    answer = response or {"id": 7, "groupId": 1, "createdBy": 1, "modifiedBy": 0}
    standin.reply_with(ok(answer, time={"start": 1712137817.343984, "duration": 0.26}))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool(tool, arguments)
    assert not result.is_error
    assert result.structured_content == answer
    assert standin.requests[0].body == arguments
    assert result.content[0] == TextContent(type="text", text=_compact(answer))


def _compact(data: Any) -> str:
    import json

    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


async def test_oauth_form_posts_to_rest_method_with_auth_in_the_body(standin: StandIn) -> None:
    from bitrix24_scrum_mcp.client import Bitrix24Client
    from bitrix24_scrum_mcp.config import OAuth, Secret
    from tests.helpers import FAST

    standin.reply_with(ok({"id": 1, "groupId": 125, "createdBy": 6, "modifiedBy": 0}))
    client = Bitrix24Client(OAuth(standin.origin, Secret("acc3ss-t0ken")), FAST)
    try:
        answer = await client.call("tasks.api.scrum.backlog.add", {"fields": {"groupId": 125}})
    finally:
        await client.aclose()
    assert answer.result["groupId"] == 125
    [request] = standin.requests
    assert request.path == "/rest/tasks.api.scrum.backlog.add"
    assert request.body == {"fields": {"groupId": 125}, "auth": "acc3ss-t0ken"}


async def test_list_tools_report_total_and_next(standin: StandIn) -> None:
    items = [{"id": i, "name": f"Sprint {i}"} for i in range(50)]
    standin.reply_with(ok(items, total=120, next=50))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("sprint_list", {"filter": {"GROUP_ID": 1}})
    assert result.structured_content == {"items": items, "total": 120, "next": 50}
