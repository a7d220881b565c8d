"""The profiles, --toolsets and --read-only decide what tools/list offers and what
tools/call accepts."""

from __future__ import annotations

import pytest
from mcp import MCPError

from bitrix24_scrum_mcp.config import Settings
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.tools import ALL_TOOLS, DEFAULT_TOOLS, TOOLSETS, select
from bitrix24_scrum_mcp.tools import workbench as workbench_tools
from tests.helpers import data_of, mcp_session
from tests.standin import StandIn

pytestmark = pytest.mark.anyio


WEBHOOK = "https://portal.example.com/rest/1/abc/"


def test_out_of_the_box_the_default_profile_is_offered_the_workbench_first() -> None:
    offered = [s.name for s in Settings.from_env({"BITRIX24_WEBHOOK_URL": WEBHOOK}).tools()]
    assert set(offered) == DEFAULT_TOOLS and len(offered) <= 25
    assert offered[:6] == [s.name for s in workbench_tools.TOOLS]
    assert offered == [s.name for s in select()] == [s.name for s in select(["default"])]


@pytest.mark.parametrize("spelling", ["all", "default,all", " all "])
def test_all_offers_every_tool(spelling: str) -> None:
    env = {"BITRIX24_WEBHOOK_URL": WEBHOOK, "BITRIX24_TOOLSETS": spelling}
    assert Settings.from_env(env).tools() == ALL_TOOLS


def test_named_toolsets_compose_with_the_default_and_with_read_only() -> None:
    with_kanban = {s.name for s in select(["default", "kanban"])}
    kanban = {s.name for s in ALL_TOOLS if s.toolset == "kanban"}
    assert with_kanban == DEFAULT_TOOLS | kanban
    assert {s.name for s in select(["kanban"])} == kanban  # named alone: only them
    reads = {s.name for s in select(["default", "kanban"], read_only=True)}
    assert reads == {s.name for s in ALL_TOOLS if s.read_only and s.name in with_kanban}
    assert {s.name for s in select(read_only=True)} == {
        s.name for s in ALL_TOOLS if s.read_only and s.name in DEFAULT_TOOLS
    }


def test_every_tool_is_in_some_toolset_one_setting_away() -> None:
    reachable = {s.name for name in TOOLSETS for s in select([name])}
    assert reachable == {s.name for s in ALL_TOOLS}


def test_an_unknown_toolset_names_the_profiles_and_toolsets() -> None:
    env = {"BITRIX24_WEBHOOK_URL": WEBHOOK, "BITRIX24_TOOLSETS": "default,sprints"}
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    message = str(caught.value)
    assert "unknown toolset(s): sprints" in message
    assert "available: default, all, workflow, backlog, sprint" in message


async def test_read_only_mode_offers_only_reads_and_refuses_writes(standin: StandIn) -> None:
    specs = select(["all"], read_only=True)
    async with mcp_session(standin.webhook_url, specs=specs) as (session, _):
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
    assert data_of(result)["error"] == "INVALID_ARGUMENTS"
    assert "unknown tool 'backlog_delete'" in data_of(result)["details"][0]["message"]
    assert standin.requests == []
