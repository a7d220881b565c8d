"""Fault injection: every way a portal can fail, the tool result, and how many requests it got.

Reads are retried up to `max_retries` (+1 attempt) when repeating is harmless; a write is
sent once unless the portal proves it did not run it (QUERY_LIMIT_EXCEEDED) or nothing was
sent (connection refused). A write whose answer was lost is OUTCOME_UNKNOWN with a hint.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import anyio
import pytest
from starlette.responses import Response, StreamingResponse

from bitrix24_scrum_mcp.pacing import Pacer
from tests.helpers import limits, mcp_session
from tests.reliability.support import (
    SPRINT_FIELDS,
    AsyncPortal,
    Req,
    closed_port,
    hang_up_server,
    json_response,
    running_async_portal,
)
from tests.standin import Recorded, Reply, StandIn, error, ok

pytestmark = pytest.mark.anyio

RETRIES = 2
LIMITS = limits(max_retries=RETRIES)
READ = ("sprint_get", {"id": 7})
WRITE = ("sprint_add", {"fields": SPRINT_FIELDS})
SPRINT = {"id": 7, "groupId": 1, "name": "Sprint 1", "status": "planned"}


@pytest.fixture
def async_portal() -> Iterator[AsyncPortal]:
    with running_async_portal() as portal:
        yield portal


async def call(url: str, tool: tuple[str, dict[str, Any]], **limit_changes: Any) -> Any:
    async with mcp_session(url, limits=limits(max_retries=RETRIES, **limit_changes)) as (s, _):
        with anyio.fail_after(20):
            return await s.call_tool(*tool)


def failure(result: Any) -> dict[str, Any]:
    assert result.is_error, result.content
    payload: dict[str, Any] = result.structured_content
    assert payload["error_description"]
    assert json.loads(json.dumps(payload)) == payload  # plain JSON, nothing odd inside
    return payload


def then(*replies: Reply) -> Any:
    """Answer with `replies` in order, repeating the last one."""
    queue = list(replies)

    def handler(_r: Recorded) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


HTML_502 = Reply(
    status=502,
    raw=b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    content_type="text/html",
)
QUERY_LIMIT = error("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)

# (case, reply, expected error, http_status, retried for reads, retried for writes)
PORTAL_FAULTS = [
    ("rate-limit", QUERY_LIMIT, "QUERY_LIMIT_EXCEEDED", 503, True, True),
    ("500", error("INTERNAL_SERVER_ERROR", "Internal server error", 500),
     "INTERNAL_SERVER_ERROR", 500, True, False),
    ("html-502", HTML_502, "BAD_RESPONSE", 502, True, False),
    ("empty-200", Reply(raw=b""), "BAD_RESPONSE", 200, False, False),
    ("empty-503", Reply(status=503, raw=b"", content_type="text/plain"),
     "BAD_RESPONSE", 503, True, False),
    ("truncated-json", Reply(raw=b'{"result": {"id": 7, "na'), "BAD_RESPONSE", 200, False, False),
    ("invalid-utf8", Reply(raw=b'{"result": "\xff\xfe\xc3("}'), "BAD_RESPONSE", 200, False, False),
    ("nan", Reply(raw=b'{"result": {"id": NaN}}'), "BAD_RESPONSE", 200, False, False),
    ("deep-nesting", Reply(raw=b"[" * 200_000 + b"]" * 200_000), "BAD_RESPONSE", 200, False, False),
    ("json-scalar-400", Reply(status=400, raw=b"42"), "BAD_RESPONSE", 400, False, False),
    ("error-200", error("ACCESS_DENIED", "no access", 200), "ACCESS_DENIED", 200, False, False),
    ("operation-limit", error("OPERATION_TIME_LIMIT", "Method is blocked", 429),
     "OPERATION_TIME_LIMIT", 429, False, False),
    ("overload", error("OVERLOAD_LIMIT", "REST API is blocked due to overload", 503),
     "OVERLOAD_LIMIT", 503, False, False),
    ("no-auth", error("NO_AUTH_FOUND", "Wrong authorization data", 401),
     "NO_AUTH_FOUND", 401, False, False),
    ("redirect", Reply(status=302, raw=b"", content_type="text/html"),
     "BAD_RESPONSE", 302, False, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reply", "code", "status", "read_retried"),
    [pytest.param(r, c, s, rr, id=case) for case, r, c, s, rr, _ in PORTAL_FAULTS],
)
async def test_read_fault(
    standin: StandIn, reply: Reply, code: str, status: int, read_retried: bool
) -> None:
    standin.reply_with(reply)
    payload = failure(await call(standin.webhook_url, READ))
    assert (payload["error"], payload["http_status"]) == (code, status)
    assert payload["method"] == "tasks.api.scrum.sprint.get"
    assert len(standin.requests) == (RETRIES + 1 if read_retried else 1)
    assert "check the current state" not in payload["error_description"]


@pytest.mark.parametrize(
    ("reply", "code", "status", "write_retried"),
    [pytest.param(r, c, s, wr, id=case) for case, r, c, s, _, wr in PORTAL_FAULTS],
)
async def test_write_fault_is_sent_once_unless_refused_for_rate(
    standin: StandIn, reply: Reply, code: str, status: int, write_retried: bool
) -> None:
    standin.reply_with(reply)
    payload = failure(await call(standin.webhook_url, WRITE))
    assert (payload["error"], payload["http_status"]) == (code, status)
    assert len(standin.requests) == (RETRIES + 1 if write_retried else 1)
    assert all(r.method == "tasks.api.scrum.sprint.add" for r in standin.requests)
    if code == "BAD_RESPONSE":  # the answer is unusable: say how to find out what happened
        assert "sprint_get" in payload["error_description"]
        assert payload["retryable"] is False


async def test_write_rate_limited_twice_then_accepted_is_applied_once(standin: StandIn) -> None:
    standin.reply_with(then(QUERY_LIMIT, QUERY_LIMIT, ok(SPRINT)))
    result = await call(standin.webhook_url, WRITE)
    assert not result.is_error, result.content
    assert result.structured_content == SPRINT
    assert len(standin.requests) == 3
    assert [r.body for r in standin.requests] == [WRITE[1]] * 3


async def test_read_recovers_from_a_500_and_an_html_page(standin: StandIn) -> None:
    standin.reply_with(then(error("INTERNAL_SERVER_ERROR", "x", 500), HTML_502, ok(SPRINT)))
    result = await call(standin.webhook_url, READ)
    assert result.structured_content == SPRINT
    assert len(standin.requests) == 3


@pytest.mark.slow  # measures the pacer against the real clock
async def test_rate_limit_answer_makes_the_client_hold_back(standin: StandIn) -> None:
    """After a 503 the pacer believes the portal: its bucket is full."""
    standin.reply_with(then(QUERY_LIMIT, ok(SPRINT)))
    paced = limits(max_retries=RETRIES, rate_per_s=20.0, burst=50)
    async with mcp_session(standin.webhook_url, limits=paced) as (session, client):
        result = await session.call_tool(*READ)
        assert result.structured_content == SPRINT
        assert (
            isinstance(client.pacer, Pacer) and client.pacer.level > 40
        )  # full after the 503 (drains 20/s)


async def test_rate_limit_gives_up_after_max_retries(standin: StandIn) -> None:
    standin.reply_with(QUERY_LIMIT)
    payload = failure(await call(standin.webhook_url, WRITE))
    assert payload == {
        "error": "QUERY_LIMIT_EXCEEDED",
        "error_description": "Too many requests",
        "method": "tasks.api.scrum.sprint.add",
        "http_status": 503,
        "retryable": True,
    }
    assert len(standin.requests) == RETRIES + 1


# --- dropped connections ----------------------------------------------------------------


async def test_write_dropped_after_sending_is_outcome_unknown_and_not_repeated(
    standin: StandIn,
) -> None:
    standin.reply_with(Reply(drop=True))
    payload = failure(await call(standin.webhook_url, WRITE))
    assert payload["error"] == "OUTCOME_UNKNOWN"
    assert payload["retryable"] is False
    assert payload["http_status"] is None
    assert "may or may not have been applied" in payload["error_description"]
    assert "sprint_get" in payload["error_description"]
    assert len(standin.requests) == 1


async def test_read_dropped_after_sending_is_retried(standin: StandIn) -> None:
    standin.reply_with(Reply(drop=True))
    payload = failure(await call(standin.webhook_url, READ))
    assert (payload["error"], payload["retryable"]) == ("TRANSPORT_ERROR", True)
    assert "connection lost" in payload["error_description"]
    assert len(standin.requests) == RETRIES + 1


async def test_read_dropped_once_then_answered(standin: StandIn) -> None:
    standin.reply_with(then(Reply(drop=True), ok(SPRINT)))
    result = await call(standin.webhook_url, READ)
    assert result.structured_content == SPRINT
    assert len(standin.requests) == 2


@pytest.mark.parametrize("tool", [READ, WRITE], ids=["read", "write"])
async def test_connection_refused_before_sending_is_retried_for_reads_and_writes(
    tool: tuple[str, dict[str, Any]],
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/rest/1/n0b0dyh0me123/"
    async with mcp_session(url, limits=LIMITS) as (session, client):
        payload = failure(await session.call_tool(*tool))
        assert client.requests_sent == RETRIES + 1
    assert (payload["error"], payload["retryable"], payload["http_status"]) == (
        "CONNECT_FAILED",
        True,
        None,
    )
    assert "could not connect" in payload["error_description"]


@pytest.mark.parametrize(("tool", "code", "attempts"), [(READ, "TRANSPORT_ERROR", RETRIES + 1),
                                                       (WRITE, "OUTCOME_UNKNOWN", 1)])  # fmt: skip
async def test_hung_up_after_the_request_without_a_status_line(
    tool: tuple[str, dict[str, Any]], code: str, attempts: int
) -> None:
    with hang_up_server() as portal:
        url = f"http://127.0.0.1:{portal.port}/rest/1/hangupc0de77/"
        payload = failure(await call(url, tool))
        received = len(portal.received)
    assert payload["error"] == code
    assert received == attempts
    if tool is WRITE:
        assert "sprint_get" in payload["error_description"]


async def test_a_crash_page_after_a_write(async_portal: AsyncPortal) -> None:
    """The portal reads the write, then crashes: the front server sends its own 500 page."""

    async def hang_up(_req: Req) -> Response:
        raise ConnectionResetError("portal crashed")

    async_portal.handler = hang_up
    # uvicorn answers an app crash with a 500 text page, which is what a crashed PHP-FPM
    # behind nginx looks like too: a write gets BAD_RESPONSE plus the hint, once.
    payload = failure(await call(async_portal.webhook_url(), WRITE))
    assert payload["error"] == "BAD_RESPONSE"
    assert "sprint_get" in payload["error_description"]
    assert len(async_portal.requests) == 1


# --- slow portals -------------------------------------------------------------------------


class Gate:
    """Holds slow answers until the test opens it (bounded, so a failed test cannot hang)."""

    def __init__(self) -> None:
        self.event = threading.Event()

    async def wait(self) -> None:
        await anyio.to_thread.run_sync(self.event.wait, 10)

    def open(self) -> None:
        self.event.set()


async def test_slow_write_times_out_once_and_is_not_repeated(async_portal: AsyncPortal) -> None:
    gate = Gate()

    async def slow(req: Req) -> Response:
        if req.method == "tasks.api.scrum.sprint.add":
            await gate.wait()
        return json_response({"result": SPRINT})

    async_portal.handler = slow
    try:
        async with mcp_session(
            async_portal.webhook_url(), limits=limits(max_retries=RETRIES, read_timeout_s=0.2)
        ) as (session, _):
            with anyio.fail_after(10):
                payload = failure(await session.call_tool(*WRITE))
            assert payload["error"] == "OUTCOME_UNKNOWN"
            assert "no answer in time (ReadTimeout)" in payload["error_description"]
            assert "sprint_get" in payload["error_description"]
            assert len(async_portal.rest_requests()) == 1
            gate.open()
            # the server still answers, and the write was never sent again
            check = await session.call_tool(*READ)
            assert check.structured_content == SPRINT
            assert [r.method for r in async_portal.rest_requests()] == [
                "tasks.api.scrum.sprint.add",
                "tasks.api.scrum.sprint.get",
            ]
    finally:
        gate.open()


async def test_slow_read_times_out_on_every_attempt(async_portal: AsyncPortal) -> None:
    gate = Gate()

    async def slow(_req: Req) -> Response:
        await gate.wait()
        return json_response({"result": SPRINT})

    async_portal.handler = slow
    try:
        payload = failure(await call(async_portal.webhook_url(), READ, read_timeout_s=0.15))
    finally:
        gate.open()
    assert (payload["error"], payload["retryable"]) == ("TIMEOUT", True)
    assert len(async_portal.rest_requests()) == RETRIES + 1


@pytest.mark.parametrize(("tool", "code"), [(READ, "TIMEOUT"), (WRITE, "OUTCOME_UNKNOWN")])
async def test_a_dripping_answer_is_cut_off_by_the_total_timeout(
    async_portal: AsyncPortal, tool: tuple[str, dict[str, Any]], code: str
) -> None:
    """Each byte comes within the read timeout; the whole answer never does."""
    gate = Gate()

    async def drip(_req: Req) -> Response:
        async def body() -> AsyncGenerator[bytes, None]:
            yield b'{"result": '
            for _ in range(200):
                with anyio.move_on_after(0.02):
                    await gate.wait()
                yield b" "
            yield b"true}"

        return StreamingResponse(body(), media_type="application/json")

    async_portal.handler = drip
    try:
        with anyio.fail_after(10):
            payload = failure(
                await call(
                    async_portal.webhook_url(), tool, read_timeout_s=1.0, total_timeout_s=0.4
                )
            )
    finally:
        gate.open()
    assert payload["error"] == code
    assert len(async_portal.rest_requests()) == 1  # the budget is spent: no second attempt


# --- huge answers -----------------------------------------------------------------------


async def test_an_answer_over_the_size_cap_is_refused(standin: StandIn) -> None:
    standin.reply_with(ok({"id": 7, "name": "x" * 20_000}))
    payload = failure(await call(standin.webhook_url, READ, max_response_bytes=4096))
    assert payload["error"] == "BAD_RESPONSE"
    assert "larger than 4096 bytes" in payload["error_description"]
    assert len(standin.requests) == 1


async def test_a_streamed_answer_without_length_is_cut_at_the_cap(
    async_portal: AsyncPortal,
) -> None:
    async def endless(_req: Req) -> Response:
        async def body() -> AsyncGenerator[bytes, None]:
            yield b'{"result": "'
            for _ in range(50):  # 3 MB in chunks, no Content-Length
                yield b"x" * 65536
            yield b'"}'

        return StreamingResponse(body(), media_type="application/json")

    async_portal.handler = endless
    payload = failure(await call(async_portal.webhook_url(), READ, max_response_bytes=100_000))
    assert payload["error"] == "BAD_RESPONSE"
    assert "larger than 100000 bytes" in payload["error_description"]
    assert len(async_portal.rest_requests()) == 1


# --- the server keeps going --------------------------------------------------------------


async def test_one_session_survives_every_fault_in_turn(standin: StandIn) -> None:
    faults = [reply for _, reply, *_ in PORTAL_FAULTS] + [Reply(drop=True)]
    async with mcp_session(standin.webhook_url, limits=LIMITS) as (session, _):
        for reply in faults:
            standin.reply_with(reply)
            for tool in (READ, WRITE):
                result = await session.call_tool(*tool)
                assert result.is_error
                assert result.structured_content["error"] != "ERROR"  # never "internal error"
        standin.reply_with(ok(SPRINT))
        result = await session.call_tool(*READ)
        assert result.structured_content == SPRINT
