"""The fault suite against the sandbox emulator: the portal's state proves what happened.

The stand-in tests count requests; here the emulator also shows whether a write was
applied, so "never twice" is checked on the data itself.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from bitrix24_scrum_mcp.sandbox import (
    DEMO_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
    DEMO_USER_ID,
    DEMO_WEBHOOK_CODE,
    FaultConfig,
    Portal,
    create_app,
)
from bitrix24_scrum_mcp.sandbox.faults import FailKind
from tests.helpers import limits, mcp_session
from tests.reliability.support import SPRINT_FIELDS

pytestmark = pytest.mark.anyio

URL = f"http://127.0.0.1/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"
RETRIES = 2
NEW_SPRINT = {**SPRINT_FIELDS, "groupId": DEMO_SCRUM_GROUP_ID, "name": "Fault-injected sprint"}


async def run(faults: FaultConfig, tool: str, arguments: dict[str, Any]) -> tuple[Any, Portal, int]:
    portal = Portal()
    transport = httpx2.ASGITransport(app=create_app(portal, faults=faults))
    async with mcp_session(URL, transport=transport, limits=limits(max_retries=RETRIES)) as (s, _):
        result = await s.call_tool(tool, arguments)
        requests = portal.request_count
        faults.fail_next = 0  # look at the portal's state without faults
        listed = await s.call_tool(
            "sprint_list", {"filter": {"GROUP_ID": DEMO_SCRUM_GROUP_ID}, "select": ["ID", "NAME"]}
        )
    created = sum(i["name"] == NEW_SPRINT["name"] for i in listed.structured_content["items"])
    return result, portal, requests * 100 + created


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [("500", "INTERNAL_SERVER_ERROR", 500), ("html502", "BAD_RESPONSE", 502),
     ("empty", "BAD_RESPONSE", 200)],
)  # fmt: skip
async def test_a_failed_write_is_sent_once_and_not_applied(
    kind: FailKind, code: str, status: int
) -> None:
    result, _, seen = await run(
        FaultConfig(fail_next=5, fail_kind=kind), "sprint_add", {"fields": NEW_SPRINT}
    )
    assert result.is_error
    assert (result.structured_content["error"], result.structured_content["http_status"]) == (
        code,
        status,
    )
    assert seen == 1 * 100 + 0  # one request, nothing created


async def test_a_write_dropped_after_it_was_applied_is_outcome_unknown_and_applied_once() -> None:
    result, _, seen = await run(
        FaultConfig(fail_next=1, fail_kind="drop_after_write"), "sprint_add", {"fields": NEW_SPRINT}
    )
    payload = result.structured_content
    assert payload["error"] == "OUTCOME_UNKNOWN"
    assert "sprint_get" in payload["error_description"]
    assert seen == 1 * 100 + 1  # one request, and the sprint exists exactly once


async def test_a_write_rate_limited_by_the_bucket_is_retried_and_applied_once() -> None:
    clock = [0.0]
    faults = FaultConfig(rate_limit_drain_per_s=1.0, rate_limit_threshold=1, clock=lambda: clock[0])
    portal = Portal()
    transport = httpx2.ASGITransport(app=create_app(portal, faults=faults))
    async with mcp_session(URL, transport=transport, limits=limits(max_retries=RETRIES)) as (s, _):
        assert not (await s.call_tool("sprint_get", {"id": DEMO_SPRINT_ID})).is_error
        refused = await s.call_tool("sprint_add", {"fields": NEW_SPRINT})  # bucket full
        assert refused.structured_content["error"] == "QUERY_LIMIT_EXCEEDED"
        clock[0] += 1.0  # the bucket drains one slot
        added = await s.call_tool("sprint_add", {"fields": NEW_SPRINT})
        assert not added.is_error and added.structured_content["name"] == NEW_SPRINT["name"]
        clock[0] += 1.0
        listed = await s.call_tool("sprint_list", {"filter": {"NAME": NEW_SPRINT["name"]}})
    assert len(listed.structured_content["items"]) == 1


@pytest.mark.parametrize("kind", ["500", "html502", "drop_after_write"])
async def test_a_read_is_retried_through_transient_faults(kind: FailKind) -> None:
    result, portal, _ = await run(
        FaultConfig(fail_next=RETRIES, fail_kind=kind), "sprint_get", {"id": DEMO_SPRINT_ID}
    )
    assert not result.is_error, result.content
    assert result.structured_content["id"] == DEMO_SPRINT_ID
    assert portal.request_count == RETRIES + 1 + 1  # + the sprint_list in run()
