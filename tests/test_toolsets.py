"""--toolsets and --read-only decide what tools/list offers and what tools/call accepts."""

from __future__ import annotations

import pytest
from mcp import MCPError

from bitrix24_scrum_mcp.tools import ALL_TOOLS, select
from tests.helpers import mcp_session
from tests.standin import StandIn

pytestmark = pytest.mark.anyio


async def test_read_only_mode_offers_only_reads_and_refuses_writes(standin: StandIn) -> None:
    async with mcp_session(standin.webhook_url, specs=select(read_only=True)) as (session, _):
        tools = (await session.list_tools()).tools
        with pytest.raises(MCPError, match="unknown tool 'sprint_delete'"):
            await session.call_tool("sprint_delete", {"id": 1})
    names = {t.name for t in tools}
    assert names == {s.name for s in ALL_TOOLS if s.read_only}
    assert all(t.annotations and t.annotations.read_only_hint for t in tools)
    assert "scrum_batch" not in names  # bulk can write, so read-only mode drops it
    assert standin.requests == []


async def test_toolsets_limit_the_listing(standin: StandIn) -> None:
    async with mcp_session(standin.webhook_url, specs=select(["sprint", "users"])) as (session, _):
        names = {t.name for t in (await session.list_tools()).tools}
    assert names == {s.name for s in ALL_TOOLS if s.toolset in ("sprint", "users")}


async def test_bulk_only_runs_tools_that_are_offered(standin: StandIn) -> None:
    specs = select(["bulk", "sprint"])
    async with mcp_session(standin.webhook_url, specs=specs) as (session, _):
        result = await session.call_tool(
            "scrum_batch", {"calls": [{"tool": "backlog_delete", "arguments": {"id": 1}}]}
        )
    assert result.structured_content["error"] == "INVALID_ARGUMENTS"  # type: ignore[index]
    assert "unknown tool 'backlog_delete'" in result.structured_content["details"][0]["message"]  # type: ignore[index]
    assert standin.requests == []
