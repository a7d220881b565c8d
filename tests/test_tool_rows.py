"""Rows that say how they run: a composed row with its own runner and result model runs
through the real server like any other, and rows that would run wrongly are refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field

from bitrix24_scrum_mcp.sandbox.seed import DEMO_BACKLOG_ID, DEMO_SCRUM_GROUP_ID
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.common import Id, ListInput, NoInput, ScrumModel
from bitrix24_scrum_mcp.tools.results import ListResult, OwnModel, OwnResult, ValueResult
from bitrix24_scrum_mcp.tools.runner import RunContext, forward, forward_pages
from bitrix24_scrum_mcp.tools.spec import ToolSpec
from tests.helpers import mcp_session
from tests.live_sandbox import LiveSandbox
from tests.schema_keys import result_mismatches

pytestmark = pytest.mark.anyio


class GlanceInput(ScrumModel):
    group_id: Id = Field(description="Scrum (group) id")


class Glance(OwnModel):
    backlog_id: int
    sprint_names: list[str]


async def glance(ctx: RunContext, args: GlanceInput) -> dict[str, Any]:
    """Two REST calls, one result of our own: what the workbench tools will do."""
    backlog = await ctx.client.call(
        "tasks.api.scrum.backlog.get", {"id": args.group_id}, write=False
    )
    query = {"filter": {"GROUP_ID": args.group_id}, "select": ["NAME"]}
    sprints = await ctx.client.call("tasks.api.scrum.sprint.list", query, write=False)
    names = [sprint["name"] for sprint in sprints.result]
    return Glance(backlog_id=backlog.result["id"], sprint_names=names).dump()


async def sloppy(ctx: RunContext, args: GlanceInput) -> dict[str, Any]:
    """A runner that returns a key its model does not declare (a bug of ours)."""
    return {"backlogId": 1, "sprintNames": [], "sprint_names": []}


def _row(name: str, run: Any) -> ToolSpec:
    return ToolSpec(
        method="tasks.api.scrum.backlog.get",
        name_override=name,
        toolset="workbench",
        title="Glance at a Scrum",
        description="The backlog id and sprint names of a Scrum.",
        input=GlanceInput,
        result=OwnResult(Glance),
        run=run,
        read_only=True,
    )


GLANCE, SLOPPY = _row("scrum_glance", glance), _row("scrum_sloppy", sloppy)


async def test_a_composed_row_runs_its_own_runner_and_returns_exactly_its_model(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url, specs=[*ALL_TOOLS, GLANCE]) as (session, _):
        listed = {t.name: t for t in (await session.list_tools()).tools}["scrum_glance"]
        result = await session.call_tool("scrum_glance", {"groupId": DEMO_SCRUM_GROUP_ID})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert result.structured_content["backlogId"] == DEMO_BACKLOG_ID
    assert set(result.structured_content) == {"backlogId", "sprintNames"}
    assert result_mismatches(GLANCE, result) == []
    assert listed.output_schema is not None
    assert listed.output_schema["anyOf"][0]["required"] == ["backlogId", "sprintNames"]


async def test_a_composed_row_failing_midway_returns_that_calls_error(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url, specs=[GLANCE]) as (session, _):
        result = await session.call_tool("scrum_glance", {"groupId": 99_999})
    assert result.is_error and result.structured_content is not None
    assert result.structured_content["method"] == "tasks.api.scrum.backlog.get"
    assert result.structured_content["error_description"] == "Backlog not found"
    assert result_mismatches(GLANCE, result) == []


async def test_a_runner_returning_an_undeclared_key_gets_an_error_not_a_wrong_result(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url, specs=[SLOPPY]) as (session, _):
        result = await session.call_tool("scrum_sloppy", {"groupId": DEMO_SCRUM_GROUP_ID})
    assert result.is_error and result.structured_content is not None
    assert result.structured_content["error"] == "BAD_RESPONSE"
    assert result.structured_content["error_description"].startswith(
        "the result does not have the documented shape"
    )


async def test_scrum_batch_runs_only_rows_that_are_one_rest_call(sandbox: LiveSandbox) -> None:
    calls = [{"tool": "scrum_glance", "arguments": {"groupId": DEMO_SCRUM_GROUP_ID}}]
    async with mcp_session(sandbox.webhook_url, specs=[*ALL_TOOLS, GLANCE]) as (session, _):
        result = await session.call_tool("scrum_batch", {"calls": calls})
    assert result.is_error and result.structured_content is not None
    [detail] = result.structured_content["details"]
    assert detail["type"] == "unknown_tool"
    allowed = detail["message"].split("allowed: ")[1].split(", ")
    assert "sprint_get" in allowed and "scrum_glance" not in allowed
    assert "scrum_batch" not in allowed


class _Listing(ListInput):
    FIELDS = ("ID",)


@pytest.mark.parametrize(
    ("case", "changes"),
    [
        ("list input forwarded without paging", {"input": _Listing, "result": ListResult()}),
        ("paging without a list input", {"run": forward_pages, "result": ListResult()}),
        ("paging without a list result", {"input": _Listing, "run": forward_pages}),
        ("own result forwarded", {"result": OwnResult(Glance), "run": forward}),
    ],
)
def test_a_row_that_would_run_wrongly_is_refused_when_the_table_is_built(
    case: str, changes: dict[str, Any]
) -> None:
    row: dict[str, Any] = {
        "method": "tasks.api.scrum.sprint.list",
        "toolset": "sprint",
        "title": "t",
        "description": case,
        "input": NoInput,
        "result": ValueResult({"type": "boolean"}),
        **changes,
    }
    with pytest.raises(ValueError, match="sprint_list"):
        ToolSpec(**row)
