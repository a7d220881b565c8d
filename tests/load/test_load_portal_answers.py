"""Answers a hostile or broken portal sends (issue 12 §3): redirects, 5xx with a result,
secrets echoed JSON-escaped, Retry-After."""

from __future__ import annotations

import json
import time

import pytest

from tests.helpers import limits, mcp_session, text_of
from tests.reliability.support import SPRINT_FIELDS
from tests.standin import WEBHOOK_CODE, Recorded, Reply, StandIn, error, ok

pytestmark = pytest.mark.anyio

SPRINT = {"id": 23, "groupId": 7, "name": "Sprint 1", "status": "active"}


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_an_error_that_names_the_host_and_never_the_path(
    standin: StandIn, status: int
) -> None:
    location = f"https://elsewhere.example/rest/1/{WEBHOOK_CODE}/tasks.api.scrum.sprint.get"
    standin.reply_with(
        Reply(status=status, body={"result": SPRINT}, headers={"location": location})
    )
    async with mcp_session(standin.webhook_url) as (session, _client):
        result = await session.call_tool("sprint_get", {"id": 23})
    assert result.is_error
    assert result.structured_content["error"] == "BAD_RESPONSE"
    assert result.structured_content["http_status"] == status
    text = text_of(result)
    assert "elsewhere.example" in text
    assert "/rest/" not in text and WEBHOOK_CODE not in text
    assert len(standin.requests) == 1  # never followed


async def test_a_5xx_answer_to_a_read_that_carries_a_result_is_not_a_success(
    standin: StandIn,
) -> None:
    standin.reply_with(Reply(status=500, body={"result": SPRINT}))
    async with mcp_session(standin.webhook_url, limits=limits(max_retries=1)) as (session, _):
        result = await session.call_tool("sprint_get", {"id": 23})
    assert result.is_error
    assert result.structured_content["error"] == "BAD_RESPONSE"
    assert result.structured_content["http_status"] == 500


async def test_a_5xx_answer_to_a_write_with_a_result_is_an_unknown_outcome_sent_once(
    standin: StandIn,
) -> None:
    standin.reply_with(Reply(status=503, body={"result": {"id": 99}}))
    async with mcp_session(standin.webhook_url) as (session, _client):
        result = await session.call_tool("sprint_add", {"fields": SPRINT_FIELDS})
    assert result.is_error
    assert result.structured_content["error"] == "OUTCOME_UNKNOWN"
    assert "check the current state with sprint_get" in text_of(result)
    assert len(standin.requests) == 1


async def test_a_secret_echoed_json_escaped_never_reaches_the_tool_result(
    standin: StandIn,
) -> None:
    escaped = "\\u" + f"{ord(WEBHOOK_CODE[0]):04x}" + WEBHOOK_CODE[1:]
    raw = ('{"result": {"id": 23, "name": "see ' + escaped + '"}}').encode()
    assert WEBHOOK_CODE.encode() not in raw
    standin.reply_with(Reply(raw=raw))
    async with mcp_session(standin.webhook_url) as (session, _client):
        result = await session.call_tool("sprint_get", {"id": 23})
    assert not result.is_error
    assert WEBHOOK_CODE not in text_of(result)
    assert WEBHOOK_CODE not in json.dumps(result.structured_content)
    assert result.structured_content["name"] == "see ***"


async def test_retry_after_is_waited_out_for_a_call_that_is_safe_to_retry(
    standin: StandIn,
) -> None:
    answers = iter([_busy("1"), ok(SPRINT)])

    def answer(_r: Recorded) -> Reply:
        return next(answers)

    standin.reply_with(answer)
    began = time.monotonic()
    async with mcp_session(standin.webhook_url) as (session, _client):
        result = await session.call_tool("sprint_get", {"id": 23})
    assert not result.is_error
    assert time.monotonic() - began >= 1.0  # not the test's 1 ms backoff
    assert len(standin.requests) == 2


async def test_a_retry_after_past_the_total_timeout_is_reported_not_waited(
    standin: StandIn,
) -> None:
    standin.reply_with(_busy("120"))
    began = time.monotonic()
    short = limits(total_timeout_s=5.0)
    async with mcp_session(standin.webhook_url, limits=short) as (session, _client):
        result = await session.call_tool("sprint_get", {"id": 23})
    assert time.monotonic() - began < 2.0
    assert result.is_error and result.structured_content["retryable"] is True
    assert "wait 120s before trying again (Retry-After)" in text_of(result)
    assert len(standin.requests) == 1


def _busy(retry_after: str) -> Reply:
    refused = error("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)
    refused.headers["retry-after"] = retry_after
    return refused
