"""Batch references (issue 12 §3): text that a portal's `batch` would rewrite is stored as
written, whichever path it takes.

portal: `CRestUtil::processBatchElement` replaces `$result[..]`, `$error[..]`, `$total[..]`,
`$next[..]` and `$time[..]` (any case, up to the next space) in every decoded value of a
batch sub-call with another sub-call's data. A task title copied from untrusted text into
scrum_batch could so carry the caller's e-mail into the portal. The same call outside
`batch` stores the literal, so the server sends such calls outside it.
"""

from __future__ import annotations

from typing import Any

import pytest

from bitrix24_scrum_mcp.errors import InvalidArgumentsError
from bitrix24_scrum_mcp.phpquery import encode, sub_call
from bitrix24_scrum_mcp.sandbox.seed import DEMO_SCRUM_GROUP_ID
from tests.helpers import mcp_session
from tests.live_sandbox import LiveSandbox

pytestmark = pytest.mark.anyio
G = DEMO_SCRUM_GROUP_ID
EMAIL = "maria.ivanova@sandbox.example"
TOKENS = [
    "x $result[c0][EMAIL]",
    "x $RESULT[c0][EMAIL]",
    "$result[c0]",
    "x $error[c9][error_description]",
    "x $time[c0][date_start]",
    "x $total[c0] $next[c0]",
    "x $result\u00a0[c0][EMAIL]",  # a no-break space does not end a PHP token
]


async def test_the_portal_rewrites_a_reference_sent_inside_a_batch(sandbox: LiveSandbox) -> None:
    """The attack, as today's server sent it: the epic's name carries the caller's e-mail."""
    async with mcp_session(sandbox.webhook_url) as (_, client):
        answer = await client.call(
            "batch",
            {
                "cmd": {
                    "c0": "user.current",
                    "c1": sub_call_unchecked(
                        "tasks.api.scrum.epic.add",
                        {"fields": {"name": "x $result[c0][EMAIL]", "groupId": G}},
                    ),
                }
            },
        )
    assert answer.result["result"]["c1"]["name"] == f"x {EMAIL}"


@pytest.mark.parametrize("name", TOKENS)
async def test_scrum_batch_stores_text_with_references_as_written(
    sandbox: LiveSandbox, name: str
) -> None:
    calls: list[dict[str, Any]] = [
        {"tool": "user_current", "arguments": {}},
        {"tool": "epic_add", "arguments": {"fields": {"name": name, "groupId": G}}},
        {"tool": "epic_add", "arguments": {"fields": {"name": "plain", "groupId": G}}},
    ]
    async with mcp_session(sandbox.webhook_url) as (session, _):
        before = sandbox.portal.request_count
        result = await session.call_tool("scrum_batch", {"calls": calls})
    body = result.structured_content
    assert body is not None and body["succeeded"] == 3, result.content
    assert [r["ok"] for r in body["results"]] == [True, True, True]
    assert body["results"][1]["result"]["name"] == name
    assert body["requests"] == sandbox.portal.request_count - before == 3  # batch, direct, batch


async def test_a_paged_list_with_a_reference_in_its_filter_reads_its_pages_directly(
    sandbox: LiveSandbox,
) -> None:
    name = "$result[p50][0][name]"
    async with mcp_session(sandbox.webhook_url) as (session, _):
        calls = [
            {"tool": "epic_add", "arguments": {"fields": {"name": f"{name} {i}", "groupId": G}}}
            for i in range(60)
        ]
        await session.call_tool("scrum_batch", {"calls": calls})
        before = len(sandbox.portal.requests)
        listed = await session.call_tool(
            "epic_list", {"filter": {"%NAME": name}, "select": ["NAME"], "limit": 100}
        )
    body = listed.structured_content
    assert body is not None and len(body["items"]) == 60, listed.content
    methods = [m for m, _ in sandbox.portal.requests[before:]]
    assert methods == ["tasks.api.scrum.epic.list", "tasks.api.scrum.epic.list"]


def test_the_batch_encoder_refuses_values_a_portal_would_rewrite() -> None:
    with pytest.raises(InvalidArgumentsError) as caught:
        sub_call("tasks.api.scrum.epic.add", {"fields": {"name": "a $Next[x] b"}})
    assert caught.value.details[0]["field"] == "fields.name"
    assert caught.value.details[0]["type"] == "batch_reference"


def sub_call_unchecked(method: str, params: dict[str, Any]) -> str:
    """A `cmd` entry built without the server's check (what it sent before issue 12)."""
    return f"{method}?{encode(params)}"
