"""Deadlines that hold under load (issue 17.1, issue 12 §3 "abandoned calls").

The total timeout covers the wait for the portal's budget; a call whose client has gone
(an HTTP disconnect, `notifications/cancelled`) is never sent; and one client's queue does
not starve another's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx2
import pytest
from starlette.responses import Response

from bitrix24_scrum_mcp.config import Settings, Webhook
from bitrix24_scrum_mcp.http_app import HttpSettings, build_http_app
from bitrix24_scrum_mcp.pacing import DeadlinePassed, Pacer
from tests.ecosystem.support import Served, serving
from tests.helpers import limits, mcp_session, text_of
from tests.reliability.support import AsyncPortal, Req, json_response, running_async_portal

pytestmark = pytest.mark.anyio

SPRINT = {"id": 23, "groupId": 7, "name": "Sprint 1", "status": "active"}
CALL_HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2025-11-25",
}


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await anyio.sleep(0)


async def test_no_slot_before_the_deadline_gives_up_at_the_deadline() -> None:
    pacer = Pacer(1.0, 1, headroom=0)  # one request a second
    await pacer.acquire("a")
    began = time.monotonic()
    with pytest.raises(DeadlinePassed):
        await pacer.acquire("a", began + 0.2)
    assert time.monotonic() - began < 0.6
    assert pacer.waiting == 0


async def test_a_caller_with_a_long_queue_delays_another_by_one_slot() -> None:
    pacer = Pacer(50.0, 1, headroom=0)
    await pacer.acquire("busy")
    order: list[str] = []

    async def one(caller: str) -> None:
        await pacer.acquire(caller)
        order.append(caller)

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(one, "busy")
        await anyio.sleep(0.05)
        group.start_soon(one, "fresh")
    assert order.index("fresh") <= 4  # 20 "busy" calls take 0.4 s, "fresh" comes at 0.05


async def test_a_cancelled_wait_takes_no_slot_and_leaves_the_queue() -> None:
    pacer = Pacer(1.0, 1, headroom=0)
    await pacer.acquire("a")
    with anyio.move_on_after(0.1):
        await pacer.acquire("b")
    assert pacer.waiting == 0
    assert pacer.level <= 1.0
    slot = await pacer.acquire("c", time.monotonic() + 5)  # the next second's slot is free
    pacer.release(slot)  # not sent after all: the room comes back
    assert pacer.level < 1.0


async def test_waiting_for_the_budget_counts_against_the_total_timeout(
    sandbox: Any,
) -> None:
    """Today a call waits for its slot first and checks its deadline after (71 s, not 20)."""
    slow = limits(rate_per_s=1.0, burst=1, total_timeout_s=0.5, max_retries=0)
    async with mcp_session(sandbox.webhook_url, limits=slow) as (session, client):
        client.pacer = Pacer(1.0, 1, headroom=0)
        await session.call_tool("sprint_get", {"id": 23})  # takes the only slot
        began = time.monotonic()
        results: list[Any] = []

        async def one() -> None:
            results.append(await session.call_tool("sprint_get", {"id": 23}))

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(one)
        elapsed = time.monotonic() - began
    timed_out = [r for r in results if r.is_error]
    assert elapsed < 1.5
    assert len(timed_out) >= 4
    assert {r.structured_content["error"] for r in timed_out} == {"TIMEOUT"}
    assert all("before the request could be sent" in text_of(r) for r in timed_out)


async def test_a_call_cancelled_by_its_client_is_never_sent(sandbox: Any) -> None:
    """In-process and stdio: `notifications/cancelled` cancels the wait for the budget."""
    paced = limits(rate_per_s=1.0, burst=1)
    async with mcp_session(sandbox.webhook_url, limits=paced) as (session, client):
        client.pacer = Pacer(1.0, 1, headroom=0)
        await session.call_tool("sprint_get", {"id": 23})
        sent = client.requests_sent
        with anyio.move_on_after(0.3):
            await session.call_tool("sprint_get", {"id": 23})
        await anyio.sleep(1.2)  # past the time its slot would have come
        assert client.requests_sent == sent
        assert isinstance(client.pacer, Pacer) and client.pacer.waiting == 0


# --- over HTTP ------------------------------------------------------------------------------


@pytest.fixture
def portal() -> Iterator[AsyncPortal]:
    with running_async_portal() as running:

        async def answer(req: Req) -> Response:
            if req.method == "user.current":
                return json_response({"result": {"ID": "1"}})
            return json_response({"result": SPRINT})

        running.handler = answer
        yield running


@pytest.fixture
def paced_server(portal: AsyncPortal) -> Iterator[Served]:
    settings = Settings(
        portal=Webhook.parse(portal.webhook_url()),
        limits=limits(rate_per_s=2.0, burst=4, total_timeout_s=20.0),
    )
    app = build_http_app(settings, HttpSettings())
    with serving(app) as served:
        yield served


def _call(tool: str, arguments: dict[str, Any], rid: int) -> dict[str, Any]:
    params = {"name": tool, "arguments": arguments}
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}


async def _abandoned(url: str, count: int, after_s: float) -> None:
    """`count` concurrent calls whose clients hang up after `after_s` seconds."""

    async def one(http: httpx2.AsyncClient, rid: int) -> None:
        try:
            await http.post(url, json=_call("sprint_get", {"id": 23}, rid), headers=CALL_HEADERS)
        except httpx2.TimeoutException:
            pass  # the client gave up and closed the connection

    pool = httpx2.Limits(max_connections=count)  # one connection a call, as many clients
    async with (
        httpx2.AsyncClient(timeout=after_s, limits=pool) as http,
        anyio.create_task_group() as group,
    ):
        for rid in range(count):
            group.start_soon(one, http, rid)


async def test_over_http_calls_of_clients_that_hung_up_are_never_sent(
    paced_server: Served, portal: AsyncPortal
) -> None:
    """issue 12 §3: 500 abandoned calls kept being forwarded for minutes after the clients left."""
    await _abandoned(paced_server.mcp_url, 40, after_s=1.0)
    sent_when_they_left = len(portal.rest_requests())
    await anyio.sleep(2.0)  # four more slots' worth of time
    assert len(portal.rest_requests()) == sent_when_they_left
    assert sent_when_they_left <= 4 + 3  # the burst, then 2 a second for one second


async def test_over_http_a_fresh_client_is_answered_during_a_burst_of_abandoned_calls(
    paced_server: Served, portal: AsyncPortal
) -> None:
    latency = math.inf

    async def fresh() -> None:
        nonlocal latency
        await anyio.sleep(0.5)  # the burst has used the budget by now
        async with httpx2.AsyncClient(timeout=10) as http:
            began = time.monotonic()
            response = await http.post(
                paced_server.mcp_url, json=_call("user_current", {}, 999), headers=CALL_HEADERS
            )
            latency = time.monotonic() - began
        assert response.json()["result"]["structuredContent"] == {"ID": "1"}

    async with anyio.create_task_group() as group:
        group.start_soon(_abandoned, paced_server.mcp_url, 60, 3.0)
        group.start_soon(fresh)
    assert latency < 2.0
