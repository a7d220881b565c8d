"""Dynamic discovery (BITRIX24_DYNAMIC_TOOLSETS=1): a small start, toolsets added on request.

The real server as a subprocess, over stdio and over HTTP, with both protocol revisions a
client may speak: 2025-11-25 (initialize handshake; the server sends
`notifications/tools/list_changed` on the enabling call's stream) and 2026-07-28 (no
session; the client listens with `subscriptions/listen`). The client re-lists its tools
when the notification arrives, as assistants do.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.session import IncomingMessage
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ToolListChangedNotification

from bitrix24_scrum_mcp.config import Settings, Webhook
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.tools import ALL_TOOLS, TOOLSETS, discovery, select
from tests.ecosystem.support import clean_env, http_replica, wait_healthy

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[1]
START = ["list_toolsets", "enable_toolset", *(s.name for s in select(["workflow"]))]
SPRINT = [s.name for s in ALL_TOOLS if s.toolset == "sprint"]
MODERN = "2026-07-28"


class ListChanges:
    """A message handler that notes `notifications/tools/list_changed` (2025-11-25)."""

    def __init__(self) -> None:
        self.arrived = anyio.Event()

    async def __call__(self, message: IncomingMessage) -> None:
        if isinstance(message, ToolListChangedNotification):
            self.arrived.set()


@asynccontextmanager
async def _client(transport: str, mode: str, changes: ListChanges) -> AsyncGenerator[Client, None]:
    args = ["serve", "--sandbox", "--dynamic-toolsets"]
    if transport == "stdio":
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "bitrix24_scrum_mcp", *args], env=clean_env()
        )
        async with Client(params, mode=mode, message_handler=changes) as client:
            yield client
        return
    with http_replica(args[1:], clean_env()) as (served, proc):
        await wait_healthy(served.base, proc)
        async with Client(
            streamable_http_client(served.mcp_url), mode=mode, message_handler=changes
        ) as client:
            yield client


async def _enable_and_wait(client: Client, mode: str, changes: ListChanges) -> Any:
    """`enable_toolset` sprint, returning once the client has heard the list changed."""
    if mode == "legacy":
        enabled = await client.call_tool("enable_toolset", {"toolset": "sprint"})
        with anyio.fail_after(10):
            await changes.arrived.wait()
        return enabled
    async with client.listen(tools_list_changed=True) as events:
        enabled = await client.call_tool("enable_toolset", {"toolset": "sprint"})
        with anyio.fail_after(10):
            async for _event in events:
                break
    return enabled


@pytest.mark.parametrize("mode", ["legacy", MODERN])
@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_enabling_a_toolset_adds_its_tools_and_tells_the_client(
    transport: str, mode: str
) -> None:
    changes = ListChanges()
    async with _client(transport, mode, changes) as client:
        if mode == "legacy":
            capabilities = client.server_capabilities
            assert capabilities and capabilities.tools and capabilities.tools.list_changed
        before = [t.name for t in (await client.list_tools()).tools]
        with pytest.raises(MCPError, match="unknown tool 'sprint_get'"):
            await client.call_tool("sprint_get", {"id": 23})
        listed = await client.call_tool("list_toolsets", {})
        enabled = await _enable_and_wait(client, mode, changes)
        after = [t.name for t in (await client.list_tools()).tools]
        sprint = await client.call_tool("sprint_get", {"id": 23})
        again = await client.call_tool("enable_toolset", {"toolset": "sprint"})
    assert before == START
    rows = typing.cast(dict[str, Any], listed.structured_content)["toolsets"]
    assert [r["name"] for r in rows] == list(TOOLSETS)
    assert {r["name"]: r["enabled"] for r in rows}["sprint"] is False
    assert enabled.structured_content == {"toolset": "sprint", "added": SPRINT}
    assert after == [*START, *SPRINT]
    assert not sprint.is_error and sprint.structured_content
    assert sprint.structured_content["name"] == "Sprint 1"
    assert again.structured_content == {"toolset": "sprint", "added": []}  # nothing new


WEBHOOK = "https://portal.example.com/rest/1/abc/"


def _settings(**options: Any) -> Settings:
    return Settings(
        portal=Webhook.parse(WEBHOOK),
        dynamic_toolsets=True,
        **options,
    )


async def test_read_only_dynamic_server_adds_only_reads_and_every_read_is_reachable() -> None:
    from bitrix24_scrum_mcp.app import create_server
    from bitrix24_scrum_mcp.client import Bitrix24Client

    settings = _settings(read_only=True)
    client = Bitrix24Client(Webhook.parse(WEBHOOK))  # never called: enabling asks no portal
    try:
        async with Client(create_server(client, settings.tools(), reserve=settings.reserve())) as s:
            listed = await s.call_tool("list_toolsets", {})
            for name in TOOLSETS:
                await s.call_tool("enable_toolset", {"toolset": name})
            everything = {t.name for t in (await s.list_tools()).tools}
    finally:
        await client.aclose()
    rows = typing.cast(dict[str, Any], listed.structured_content)["toolsets"]
    assert "bulk" not in {r["name"] for r in rows}  # scrum_batch can write
    assert everything == {"list_toolsets", "enable_toolset"} | {
        s.name for s in ALL_TOOLS if s.read_only
    }


def test_the_dynamic_start_is_the_discovery_tools_and_the_workbench() -> None:
    assert [s.name for s in _settings().tools()] == START
    named = _settings(toolsets=frozenset({"sprint"})).tools()
    assert [s.name for s in named] == ["list_toolsets", "enable_toolset", *SPRINT]
    assert _settings().reserve() == ALL_TOOLS


def test_enable_toolset_takes_exactly_the_toolsets() -> None:
    field = discovery.EnableToolsetInput.model_json_schema()["properties"]["toolset"]
    assert field["enum"] == list(TOOLSETS)


def test_a_team_server_refuses_dynamic_toolsets() -> None:
    env = {
        "MCP_HTTP_TOKENS_FILE": str(ROOT / "tests" / "does-not-matter.json"),
        "BITRIX24_DYNAMIC_TOOLSETS": "1",
    }
    with pytest.raises(ConfigError, match="not for a team server"):
        Settings.from_env(env)
