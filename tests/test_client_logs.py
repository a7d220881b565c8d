"""Log notifications reach a client that asked for them, scrubbed; stderr keeps its level."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from server.app import create_server
from server.client import Bitrix24Client
from server.config import Webhook
from tests.helpers import limits
from tests.standin import StandIn, error, ok
from tools import select

pytestmark = pytest.mark.anyio


async def test_retry_is_logged_to_a_client_that_opted_in(standin: StandIn) -> None:
    replies = iter([error("QUERY_LIMIT_EXCEEDED", "Too many requests", 503), ok({"id": 1})])
    standin.reply_with(lambda _r: next(replies))
    received: list[Any] = []

    async def on_log(params: Any) -> None:
        received.append(params)

    client = Bitrix24Client(Webhook.parse(standin.webhook_url), limits())
    server = create_server(client, select(["sprint"]))
    try:
        async with Client(server, logging_callback=on_log, log_level="info") as session:
            result = await session.call_tool("sprint_get", {"id": 1})
    finally:
        await client.aclose()
    assert not result.is_error
    assert len(standin.requests) == 2
    messages = [p.data for p in received]
    assert any(
        "retrying tasks.api.scrum.sprint.get after QUERY_LIMIT_EXCEEDED" in m for m in messages
    )
    assert all("st4nd1n0c0de9xyz" not in str(m) for m in messages)


async def test_no_log_notifications_without_opt_in(standin: StandIn) -> None:
    replies = iter([error("QUERY_LIMIT_EXCEEDED", "Too many requests", 503), ok({"id": 1})])
    standin.reply_with(lambda _r: next(replies))
    received: list[Any] = []

    async def on_log(params: Any) -> None:
        received.append(params)

    client = Bitrix24Client(Webhook.parse(standin.webhook_url), limits())
    server = create_server(client, select(["sprint"]))
    try:
        async with Client(server, logging_callback=on_log) as session:
            await session.call_tool("sprint_get", {"id": 1})
    finally:
        await client.aclose()
    assert received == []


async def test_handshake_era_client_gets_logs_after_set_level(standin: StandIn) -> None:
    import warnings

    from mcp.shared.exceptions import MCPDeprecationWarning

    replies = iter([error("QUERY_LIMIT_EXCEEDED", "Too many requests", 503), ok({"id": 1})])
    standin.reply_with(lambda _r: next(replies))
    received: list[Any] = []

    async def on_log(params: Any) -> None:
        received.append(params)

    client = Bitrix24Client(Webhook.parse(standin.webhook_url), limits())
    server = create_server(client, select(["sprint"]))
    try:
        async with Client(server, logging_callback=on_log, mode="legacy") as session:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await session.set_logging_level("info")
            await session.call_tool("sprint_get", {"id": 1})
    finally:
        await client.aclose()
    assert [p.level for p in received] == ["info"]
