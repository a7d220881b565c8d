"""Build the real server against a portal and talk to it through a real MCP client."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx2
from mcp import Client
from mcp.client.client import ConnectMode
from mcp.client.session import ElicitationFnT
from mcp.types import CallToolResult, TextContent

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Confirm, Limits, Webhook
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.spec import ToolSpec

FAST = Limits(backoff_s=0.001, rate_per_s=0, burst=0)
"""No pacing and near-zero backoff: tests count requests, not seconds."""


@asynccontextmanager
async def mcp_session(
    webhook_url: str,
    *,
    specs: Sequence[ToolSpec] | None = None,
    limits: Limits = FAST,
    transport: httpx2.AsyncBaseTransport | None = None,
    confirm: Confirm = "destructive",
    mode: ConnectMode = "auto",
    elicitation_callback: ElicitationFnT | None = None,
) -> AsyncGenerator[tuple[Client, Bitrix24Client]]:
    """An in-process MCP client session on our server, forwarding to `webhook_url`.

    Every tool unless `specs` says otherwise: the tests reach each one. `mode` is the
    client's: "legacy" (2025-11-25, initialize) or "auto" (2026-07-28); with
    `elicitation_callback` the client declares elicitation and answers with it."""
    client = Bitrix24Client(Webhook.parse(webhook_url), limits, transport=transport)
    server = create_server(client, specs if specs is not None else ALL_TOOLS, confirm=confirm)
    try:
        async with Client(server, mode=mode, elicitation_callback=elicitation_callback) as session:
            yield session, client
    finally:
        await client.aclose()


def limits(**changes: Any) -> Limits:
    return replace(FAST, **changes)


def text_of(result: CallToolResult) -> str:
    """The text of a tool result's first content block (our results have one text block)."""
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def data_of(result: CallToolResult) -> dict[str, Any]:
    """A tool result's `structured_content` (every tool of ours returns one)."""
    assert result.structured_content is not None
    return result.structured_content
