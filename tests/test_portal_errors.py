"""Every documented error reaches the caller unchanged: code, message, HTTP status."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import data_of, mcp_session, text_of
from tests.spec_source import methods
from tests.standin import StandIn, error
from tests.test_forwarding import SCRUM_CASES

pytestmark = pytest.mark.anyio

SEED_METHODS = (
    "tasks.api.scrum.backlog.add",
    "tasks.api.scrum.backlog.update",
    "tasks.api.scrum.sprint.update",
)
ARGS = {method: args for _, args, method in SCRUM_CASES}
TOOLS = {method: tool for tool, _, method in SCRUM_CASES}


def _as_sent(code: str) -> Any:
    return int(code) if code.isdigit() else code  # the doc examples send "error": 0


DOCUMENTED = [
    pytest.param(
        method,
        _as_sent(e["code"]),
        e["message"],
        e["http_status"],
        id=f"{method[16:]}-{e['message'][:30]}",
    )
    for method in SEED_METHODS
    for e in methods()[method]["errors"]
]
# The older seed pages the project was specified from also document these rows.
SEED_ONLY = [
    pytest.param("tasks.api.scrum.backlog.update", 100, "Could not find value for parameter {fields}", 400, id="ru-seed-fields"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "code", "message", "status"), DOCUMENTED + SEED_ONLY)
async def test_documented_error_passes_through_exactly(
    standin: StandIn, method: str, code: Any, message: str, status: int
) -> None:
    standin.reply_with(error(code, message, status))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool(TOOLS[method], ARGS[method])
    assert result.is_error
    assert result.structured_content == {
        "error": code,
        "error_description": message,
        "method": method,
        "http_status": status,
        "retryable": False,
    }
    assert message in text_of(result) and "\n" not in text_of(result)
    assert len(standin.requests) == 1  # a refused write is not repeated


@pytest.mark.parametrize("method", sorted(methods()))
async def test_every_documented_error_of_every_method_passes_through(
    standin: StandIn, method: str
) -> None:
    async with mcp_session(standin.webhook_url) as (session, _):
        for row in methods()[method]["errors"]:
            standin.reply_with(error(row["code"], row["message"], row["http_status"]))
            result = await session.call_tool(TOOLS[method], ARGS[method])
            assert result.structured_content is not None
            assert result.structured_content["error"] == row["code"]
            assert result.structured_content["error_description"] == row["message"]
            assert result.structured_content["http_status"] == row["http_status"]


async def test_task_get_error_under_http_200_is_still_an_error(standin: StandIn) -> None:
    standin.reply_with(error("0", "Task not found", 200))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("task_get", {"id": 999})
    assert result.is_error
    assert data_of(result)["http_status"] == 200


async def test_task_update_error_in_the_ajax_envelope_is_an_error(standin: StandIn) -> None:
    from tests.standin import Reply

    body = {"status": "error", "data": None, "errors": [{"message": "Epic not found", "code": 0}]}
    standin.reply_with(Reply(status=400, body=body))
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("task_update", {"id": 1, "fields": {"epicId": 9}})
    assert data_of(result)["error"] == 0
    assert data_of(result)["error_description"] == "Epic not found"
