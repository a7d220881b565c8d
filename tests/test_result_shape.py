"""A portal answer that breaks the documented result shape is a BAD_RESPONSE, not a crash."""

from __future__ import annotations

import pytest
from mcp.types import TextContent

from tests.helpers import data_of, mcp_session, text_of
from tests.standin import StandIn, ok

pytestmark = pytest.mark.anyio


async def test_answer_outside_the_output_schema_is_reported_with_the_raw_answer(
    standin: StandIn,
) -> None:
    standin.reply_with(ok({"id": "not-a-number", "groupId": 1}))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("sprint_get", {"id": 1})
    assert result.is_error
    payload = data_of(result)
    assert payload["error"] == "BAD_RESPONSE"
    assert "at id:" in payload["error_description"]
    raw = result.content[1]
    assert isinstance(raw, TextContent)
    assert raw.text == '{"id":"not-a-number","groupId":1}'


async def test_list_items_that_are_not_objects_are_reported(standin: StandIn) -> None:
    standin.reply_with(ok(["a", "b"]))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("epic_list", {})
    assert data_of(result)["error"] == "BAD_RESPONSE"


async def test_a_5xx_on_a_write_names_the_read_tool_to_check(standin: StandIn) -> None:
    from tests.standin import error

    standin.reply_with(error("INTERNAL_SERVER_ERROR", "Internal server error", 500))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("epic_delete", {"id": 3})
    assert data_of(result)["error"] == "INTERNAL_SERVER_ERROR"
    assert data_of(result)["error_description"] == "Internal server error"
    assert text_of(result).endswith("check the current state with epic_get")
    assert len(standin.requests) == 1
