"""100 concurrent tool calls over one MCP session: every caller gets its own answer.

Against a loopback portal that echoes each request's id after a varying delay (so answers
come back out of order), and against the sandbox emulator for real reads and writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx2
import pytest
from starlette.responses import Response

from bitrix24_scrum_mcp.sandbox import (
    DEMO_USER_ID,
    DEMO_WEBHOOK_CODE,
    FaultConfig,
    Portal,
    create_app,
)
from tests.helpers import limits, mcp_session
from tests.reliability.support import (
    SPRINT_FIELDS,
    AsyncPortal,
    Req,
    json_response,
    running_async_portal,
)

pytestmark = pytest.mark.anyio

SANDBOX_URL = f"http://127.0.0.1/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"


@pytest.fixture
def echo_portal() -> Iterator[AsyncPortal]:
    with running_async_portal() as portal:

        async def echo(req: Req) -> Response:
            await anyio.sleep((req.body["id"] * 7 % 10) / 1000)  # answers overtake each other
            return json_response({"result": {"id": req.body["id"], "method": req.method}})

        portal.handler = echo
        yield portal


TOOLS = ("sprint_get", "epic_get", "task_get", "backlog_get", "sprint_start")


async def gather(session: Any, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    async def one(index: int, tool: str, arguments: dict[str, Any]) -> None:
        results[index] = await session.call_tool(tool, arguments)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for index, (tool, arguments) in enumerate(calls):
                tg.start_soon(one, index, tool, arguments)
    return results


async def test_hundred_concurrent_calls_each_get_their_own_answer(
    echo_portal: AsyncPortal,
) -> None:
    calls = [(TOOLS[i % len(TOOLS)], {"id": 1000 + i}) for i in range(100)]
    async with mcp_session(echo_portal.webhook_url(), limits=limits(max_retries=0)) as (s, _):
        results = await gather(s, calls)
    for (tool, arguments), result in zip(calls, results, strict=True):
        assert not result.is_error, result.content
        content = result.structured_content
        assert content["id"] == arguments["id"]
        assert content["method"].endswith(tool.split("_")[0] + "." + tool.split("_")[1])
    assert sorted(r.body["id"] for r in echo_portal.requests) == list(range(1000, 1100))


async def test_hundred_concurrent_calls_with_pacing_and_rate_limit_answers(
    echo_portal: AsyncPortal,
) -> None:
    """Every 9th request is refused for rate once: each call still gets its answer, and
    every write reaches the portal exactly once as an accepted request."""
    seen: set[int] = set()

    async def sometimes_limited(req: Req) -> Response:
        ident = req.body["id"]
        if ident % 9 == 0 and ident not in seen:
            seen.add(ident)
            return json_response({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "x"}, 503)
        return json_response({"result": {"id": ident, "method": req.method}})

    echo_portal.handler = sometimes_limited
    paced = limits(max_retries=3, rate_per_s=2000.0, burst=25)
    calls = [(TOOLS[i % len(TOOLS)], {"id": 1000 + i}) for i in range(100)]
    async with mcp_session(echo_portal.webhook_url(), limits=paced) as (session, _):
        results = await gather(session, calls)
    ids = [r.structured_content["id"] for r in results]
    assert ids == [a["id"] for _, a in calls]
    refused = [i for i in range(1000, 1100) if i % 9 == 0]
    assert len(echo_portal.requests) == 100 + len(refused)


@pytest.fixture
def sandbox() -> tuple[Portal, httpx2.ASGITransport]:
    portal = Portal()
    return portal, httpx2.ASGITransport(app=create_app(portal, faults=FaultConfig()))


async def test_hundred_concurrent_reads_on_the_sandbox(
    sandbox: tuple[Portal, httpx2.ASGITransport],
) -> None:
    portal, transport = sandbox
    calls = [
        [
            ("tasks_task_get", {"taskId": 101 + i % 20, "select": ["ID", "TITLE"]}),
            ("epic_get", {"id": 31 + i % 5}),
            ("sprint_get", {"id": 23}),
            ("backlog_get", {"id": 11 + i % 2}),
        ][i % 4]
        for i in range(100)
    ]
    async with mcp_session(SANDBOX_URL, transport=transport) as (session, _):
        results = await gather(session, calls)
    for (tool, arguments), result in zip(calls, results, strict=True):
        assert not result.is_error, result.content
        content = result.structured_content
        if tool == "tasks_task_get":
            assert int(content["task"]["id"]) == arguments["taskId"]
        elif tool == "backlog_get":
            assert content["groupId"] == arguments["id"]
        else:
            assert content["id"] == arguments["id"]
    assert portal.request_count == 100


async def test_hundred_concurrent_writes_on_the_sandbox_apply_once_each(
    sandbox: tuple[Portal, httpx2.ASGITransport],
) -> None:
    _portal, transport = sandbox
    names = [f"Concurrent sprint {i:03d}" for i in range(100)]
    calls = [("sprint_add", {"fields": {**SPRINT_FIELDS, "groupId": 12, "name": n}}) for n in names]
    async with mcp_session(SANDBOX_URL, transport=transport) as (session, _):
        results = await gather(session, calls)
        for name, result in zip(names, results, strict=True):
            assert not result.is_error, result.content
            assert result.structured_content["name"] == name
        listed = await session.call_tool(
            "sprint_list", {"filter": {"GROUP_ID": 12}, "select": ["ID", "NAME"], "limit": 500}
        )
    created = [item["name"] for item in listed.structured_content["items"]]
    assert sorted(n for n in created if n.startswith("Concurrent")) == names
    assert len({r.structured_content["id"] for r in results}) == 100
