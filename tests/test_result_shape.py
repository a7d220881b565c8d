"""A portal answer that breaks the documented result shape is a BAD_RESPONSE, not a crash."""

from __future__ import annotations

import pytest

from tests.helpers import mcp_session
from tests.standin import StandIn, ok

pytestmark = pytest.mark.anyio


async def test_answer_outside_the_output_schema_is_reported_with_the_raw_answer(
    standin: StandIn,
) -> None:
    standin.reply_with(ok({"id": "not-a-number", "groupId": 1}))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("sprint_get", {"id": 1})
    assert result.is_error
    payload = result.structured_content
    assert payload["error"] == "BAD_RESPONSE"  # type: ignore[index]
    assert "at id:" in payload["error_description"]  # type: ignore[index]
    assert result.content[1].text == '{"id":"not-a-number","groupId":1}'  # type: ignore[union-attr]


async def test_list_items_that_are_not_objects_are_reported(standin: StandIn) -> None:
    standin.reply_with(ok(["a", "b"]))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("epic_list", {})
    assert result.structured_content["error"] == "BAD_RESPONSE"  # type: ignore[index]


async def test_a_5xx_on_a_write_names_the_read_tool_to_check(standin: StandIn) -> None:
    from tests.standin import error

    standin.reply_with(error("INTERNAL_SERVER_ERROR", "Internal server error", 500))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("epic_delete", {"id": 3})
    assert result.structured_content["error"] == "INTERNAL_SERVER_ERROR"  # type: ignore[index]
    assert result.structured_content["error_description"] == "Internal server error"  # type: ignore[index]
    assert result.content[0].text.endswith("check the current state with epic_get")  # type: ignore[union-attr]
    assert len(standin.requests) == 1
