"""Log notifications reach a client that asked for them, scrubbed; stderr keeps its level."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import LoggingLevel

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Webhook
from bitrix24_scrum_mcp.tools import select
from tests.helpers import limits
from tests.standin import WEBHOOK_CODE, StandIn, error, ok

pytestmark = pytest.mark.anyio


async def _sprint_get_after_one_rate_limit(
    standin: StandIn, *, set_level: LoggingLevel | None = None, **client_options: Any
) -> list[Any]:
    """Call sprint_get once while the portal refuses the first try; return the log messages."""
    replies = iter([error("QUERY_LIMIT_EXCEEDED", "Too many requests", 503), ok({"id": 1})])
    standin.reply_with(lambda _r: next(replies))
    received: list[Any] = []

    async def on_log(params: Any) -> None:
        received.append(params)

    client = Bitrix24Client(Webhook.parse(standin.webhook_url), limits())
    server = create_server(client, select(["sprint"]))
    try:
        async with Client(server, logging_callback=on_log, **client_options) as session:
            if set_level is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", MCPDeprecationWarning)
                    await session.set_logging_level(set_level)  # pyright: ignore[reportDeprecated]
            result = await session.call_tool("sprint_get", {"id": 1})
    finally:
        await client.aclose()
    assert not result.is_error
    assert len(standin.requests) == 2
    return received


async def test_retry_is_logged_to_a_client_that_opted_in(standin: StandIn) -> None:
    received = await _sprint_get_after_one_rate_limit(standin, log_level="info")
    messages = [p.data for p in received]
    assert any(
        "retrying tasks.api.scrum.sprint.get after QUERY_LIMIT_EXCEEDED" in m for m in messages
    )
    assert all(WEBHOOK_CODE not in str(m) for m in messages)


async def test_no_log_notifications_without_opt_in(standin: StandIn) -> None:
    assert await _sprint_get_after_one_rate_limit(standin) == []


async def test_handshake_era_client_gets_logs_after_set_level(standin: StandIn) -> None:
    received = await _sprint_get_after_one_rate_limit(standin, mode="legacy", set_level="info")
    assert [p.level for p in received] == ["info"]


async def test_handshake_era_client_gets_nothing_above_its_level(standin: StandIn) -> None:
    received = await _sprint_get_after_one_rate_limit(standin, mode="legacy", set_level="error")
    assert received == []
