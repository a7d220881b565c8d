"""Destructive calls ask the person first (elicitation), on both protocol revisions.

The real server, a real MCP client whose elicitation callback plays the person, and the
sandbox portal over loopback HTTP, whose own record of the calls it received shows what
was (and was not) sent. Group 11 has a planned sprint; group 12 an active one and epics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from mcp import MCPError
from mcp.client.client import ConnectMode
from mcp.client.context import ClientRequestContext
from mcp.types import ElicitRequestParams, ElicitResult, ErrorData

from bitrix24_scrum_mcp.config import Settings
from bitrix24_scrum_mcp.confirm import MESSAGES
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.sandbox.seed_history import ACTIVE_SPRINT_ID
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from tests.helpers import mcp_session
from tests.live_sandbox import LiveSandbox
from tests.test_workbench import DATES, failed, ok, writes

pytestmark = pytest.mark.anyio

CHECKOUT, TEAM = 11, 12
MODES: list[Any] = [
    pytest.param("legacy", id="2025-11-25"),
    pytest.param("auto", id="2026-07-28"),
]
REVISION = {"legacy": "2025-11-25", "auto": "2026-07-28"}


@dataclass
class Person:
    """Answers every confirmation the same way, and remembers what it was asked."""

    action: Literal["accept", "decline", "cancel"]
    asked: list[str] = field(default_factory=list[str])

    async def __call__(
        self, context: ClientRequestContext, params: ElicitRequestParams
    ) -> ElicitResult | ErrorData:
        del context  # the protocol names it; nothing in it matters here
        self.asked.append(params.message)
        return ElicitResult(action=self.action, content={} if self.action == "accept" else None)


async def planned_sprint(sandbox: LiveSandbox) -> dict[str, Any]:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        listed = await ok(session, "sprint_list", {"filter": {"GROUP_ID": CHECKOUT}})
    [sprint] = [s for s in listed["items"] if s["status"] == "planned"]
    return sprint


async def sprint_exists(sandbox: LiveSandbox, sprint_id: int) -> bool:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        result = await session.call_tool("sprint_get", {"id": sprint_id})
    return not result.is_error


@pytest.mark.parametrize("mode", MODES)
async def test_accepted_delete_names_the_sprint_then_is_sent(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    sprint = await planned_sprint(sandbox)
    person = Person("accept")
    async with mcp_session(sandbox.webhook_url, mode=mode, elicitation_callback=person) as (
        session,
        _,
    ):
        assert session.protocol_version == REVISION[mode]
        await ok(session, "sprint_delete", {"id": sprint["id"]})
    assert person.asked == [
        f"Delete sprint '{sprint['name']}' (id {sprint['id']}). This cannot be undone."
    ]
    assert writes(sandbox) == ["tasks.api.scrum.sprint.delete"]
    assert not await sprint_exists(sandbox, sprint["id"])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_declined_or_cancelled_delete_sends_nothing(
    sandbox: LiveSandbox, mode: ConnectMode, action: Literal["decline", "cancel"]
) -> None:
    sprint = await planned_sprint(sandbox)
    person = Person(action)
    async with mcp_session(sandbox.webhook_url, mode=mode, elicitation_callback=person) as (
        session,
        _,
    ):
        error = await failed(session, "sprint_delete", {"id": sprint["id"]})
    assert error["error"] == "CANCELLED_BY_USER"
    assert error["retryable"] is False
    assert len(person.asked) == 1
    assert writes(sandbox) == []
    assert await sprint_exists(sandbox, sprint["id"])


@pytest.mark.parametrize("mode", MODES)
async def test_client_without_elicitation_deletes_as_before(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    sprint = await planned_sprint(sandbox)
    async with mcp_session(sandbox.webhook_url, mode=mode) as (session, _):
        await ok(session, "sprint_delete", {"id": sprint["id"]})
    assert writes(sandbox) == ["tasks.api.scrum.sprint.delete"]


@pytest.mark.parametrize("mode", MODES)
async def test_confirm_never_asks_nobody(sandbox: LiveSandbox, mode: ConnectMode) -> None:
    sprint = await planned_sprint(sandbox)
    person = Person("decline")
    async with mcp_session(
        sandbox.webhook_url, mode=mode, elicitation_callback=person, confirm="never"
    ) as (session, _):
        await ok(session, "sprint_delete", {"id": sprint["id"]})
    assert person.asked == []
    assert writes(sandbox) == ["tasks.api.scrum.sprint.delete"]


@pytest.mark.parametrize("mode", MODES)
async def test_invalid_arguments_are_refused_before_anyone_is_asked(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    person = Person("accept")
    async with mcp_session(sandbox.webhook_url, mode=mode, elicitation_callback=person) as (
        session,
        _,
    ):
        error = await failed(session, "sprint_delete", {"id": "first"})
    assert error["error"] == "INVALID_ARGUMENTS"
    assert person.asked == []
    assert writes(sandbox) == []


@pytest.mark.parametrize("mode", MODES)
async def test_plan_apply_names_sprint_and_task_count_and_decline_creates_nothing(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    person = Person("decline")
    plan = {"groupId": TEAM, "capacity": 13, "sprint": {"name": "Sprint 9", **DATES}}
    async with mcp_session(sandbox.webhook_url, mode=mode, elicitation_callback=person) as (
        session,
        _,
    ):
        dry = await ok(session, "sprint_plan", plan)
        assert person.asked == [], "a dry run is not asked about"
        error = await failed(session, "sprint_plan", {**plan, "apply": True})
    assert error["error"] == "CANCELLED_BY_USER"
    count = len(dry["tasks"])
    assert person.asked == [
        f"Create sprint 'Sprint 9' in Scrum {TEAM} and move {count} tasks "
        f"({dry['points']:g} points) from the backlog into it."
    ]
    assert writes(sandbox) == []


async def test_complete_names_the_active_sprint_and_what_is_unfinished(
    sandbox: LiveSandbox,
) -> None:
    person = Person("accept")
    async with mcp_session(sandbox.webhook_url, elicitation_callback=person) as (session, _):
        board = await ok(session, "sprint_board", {"groupId": TEAM})
        await ok(session, "sprint_complete", {"id": TEAM})
    done, total = board["done"]["tasks"], board["totals"]["tasks"]
    [message] = person.asked
    assert message == (
        f"Complete sprint '{board['sprint']['name']}' (id {ACTIVE_SPRINT_ID}) of Scrum {TEAM}: "
        f"{done} of {total} tasks are done, {total - done} unfinished."
    )
    assert "tasks.api.scrum.sprint.complete" in writes(sandbox)


async def test_a_failed_read_still_asks_with_the_id(sandbox: LiveSandbox) -> None:
    person = Person("decline")
    async with mcp_session(sandbox.webhook_url, elicitation_callback=person) as (session, _):
        error = await failed(session, "epic_delete", {"id": 987654})
    assert error["error"] == "CANCELLED_BY_USER"
    assert person.asked == ["Delete epic 987654. This cannot be undone."]
    assert writes(sandbox) == []


def test_every_destructive_row_is_confirmed() -> None:
    destructive = {s.name for s in ALL_TOOLS if s.destructive}
    assert destructive <= set(MESSAGES)
    assert set(MESSAGES) == destructive | {"sprint_complete", "sprint_plan"}


def test_confirm_setting_takes_never_or_destructive_only() -> None:
    env = {"BITRIX24_SANDBOX": "1"}
    assert Settings.from_env(env).confirm == "destructive"
    assert Settings.from_env({**env, "BITRIX24_CONFIRM": "NEVER"}).confirm == "never"
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({**env, "BITRIX24_CONFIRM": "always"})
    assert str(raised.value) == (
        "BITRIX24_CONFIRM must be one of never, destructive (got 'always')"
    )


@pytest.mark.parametrize("mode", MODES)
async def test_a_batch_with_a_delete_in_it_is_asked_about_too(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    sprint = await planned_sprint(sandbox)
    person = Person("decline")
    delete = {"tool": "sprint_delete", "arguments": json.dumps({"id": sprint["id"]})}
    read = {"tool": "sprint_get", "arguments": json.dumps({"id": sprint["id"]})}
    async with mcp_session(sandbox.webhook_url, mode=mode, elicitation_callback=person) as (
        session,
        _,
    ):
        await ok(session, "scrum_batch", {"calls": [read, read]})
        assert person.asked == [], "reads only: nobody is asked"
        error = await failed(session, "scrum_batch", {"calls": [read, delete]})
    assert error["error"] == "CANCELLED_BY_USER"
    assert person.asked == [
        f'Run 2 calls in one batch, 1 of them destructive: sprint_delete {{"id": {sprint["id"]}}}.'
    ]
    assert writes(sandbox) == []
    assert await sprint_exists(sandbox, sprint["id"])


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_that_fails_to_ask_gets_nothing_sent(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    """2025-11-25: the client answers our request with an error, and the call ends in one.
    2026-07-28: the client's own driver gives up on the call (it raises, never retries)."""
    sprint = await planned_sprint(sandbox)

    async def broken(context: ClientRequestContext, params: ElicitRequestParams) -> ErrorData:
        del context, params
        return ErrorData(code=-32603, message="no dialog available")

    async with mcp_session(sandbox.webhook_url, mode=mode, elicitation_callback=broken) as (
        session,
        _,
    ):
        if mode == "legacy":
            error = await failed(session, "sprint_delete", {"id": sprint["id"]})
            assert error["error"] == "CANCELLED_BY_USER"
            assert error["error_description"].startswith("the client could not ask the person")
        else:
            with pytest.raises(MCPError):
                await session.call_tool("sprint_delete", {"id": sprint["id"]})
    assert writes(sandbox) == []
    assert await sprint_exists(sandbox, sprint["id"])
