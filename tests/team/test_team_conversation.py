"""A team server's prompts, resources, completions and confirmations, person by person.

The team server is stateless HTTP: under 2026-07-28 a confirmation travels in the call's
own answer (`InputRequiredResult`) and works; under 2025-11-25 there is no channel for
the server to ask on, so the call goes on as before (README, "Prompts, resources and
confirmations"). Reads behind resources and completions go through the team runner, so
each person reads with their own webhook.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncGenerator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import httpx2
import pytest
from mcp import Client
from mcp.client.client import ConnectMode
from mcp.client.context import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ElicitRequestParams, ElicitResult, ErrorData, PromptReference

from bitrix24_scrum_mcp.sandbox import DEMO_PERSON_WEBHOOK_CODES, DEMO_SCRUM_GROUP_ID, Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_SCRUM_MASTER_ID
from tests.team.support import sandbox_portal, tokens_server, tokens_toml, write_private
from tests.test_workbench import DATES

pytestmark = pytest.mark.anyio
ELENA = secrets.token_urlsafe(32)
CHECKOUT, TEAM = 11, 12


class Declines:
    def __init__(self, action: Literal["accept", "decline"] = "decline") -> None:
        self.asked: list[str] = []
        self.action: Literal["accept", "decline"] = action

    async def __call__(
        self, context: ClientRequestContext, params: ElicitRequestParams
    ) -> ElicitResult | ErrorData:
        del context
        self.asked.append(params.message)
        return ElicitResult(action=self.action, content={} if self.action == "accept" else None)


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[Portal, str]]:
    with sandbox_portal() as (portal, origin):
        path = tmp_path / "people.toml"
        hook = f"{origin}/rest/{DEMO_SCRUM_MASTER_ID}/{DEMO_PERSON_WEBHOOK_CODES[DEMO_SCRUM_MASTER_ID]}/"
        write_private(path, tokens_toml({"elena": (ELENA, hook)}))
        with tokens_server(path, BITRIX24_AUDIT_LOG=str(tmp_path / "audit.jsonl")) as url:
            yield portal, url


@asynccontextmanager
async def session(
    url: str, mode: ConnectMode, person: Declines | None = None
) -> AsyncGenerator[Client]:
    headers = {"Authorization": f"Bearer {ELENA}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(
            streamable_http_client(url, http_client=http), mode=mode, elicitation_callback=person
        ) as client,
    ):
        yield client


def deletes(portal: Portal) -> list[str]:
    return [m for m, _ in portal.calls if m.endswith(".delete")]


async def planned_sprint(client: Client) -> dict[str, Any]:
    listed = await client.call_tool("sprint_list", {"filter": {"GROUP_ID": CHECKOUT}})
    assert listed.structured_content is not None
    items: list[dict[str, Any]] = listed.structured_content["items"]
    [sprint] = [s for s in items if s["status"] == "planned"]
    return sprint


async def test_team_server_asks_before_a_delete_under_2026_07_28(
    team: tuple[Portal, str],
) -> None:
    portal, url = team
    person = Declines()
    async with session(url, "auto", person) as client:
        assert client.protocol_version == "2026-07-28"
        sprint = await planned_sprint(client)
        result = await client.call_tool("sprint_delete", {"id": sprint["id"]})
    assert result.is_error and result.structured_content is not None
    assert result.structured_content["error"] == "CANCELLED_BY_USER"
    assert person.asked == [
        f"Delete sprint '{sprint['name']}' (id {sprint['id']}). This cannot be undone."
    ]
    assert deletes(portal) == []


async def test_team_server_cannot_ask_under_2025_11_25_and_goes_on_as_before(
    team: tuple[Portal, str],
) -> None:
    portal, url = team
    person = Declines()
    async with session(url, "legacy", person) as client:
        assert client.protocol_version == "2025-11-25"
        sprint = await planned_sprint(client)
        result = await client.call_tool("sprint_delete", {"id": sprint["id"]})
    assert not result.is_error, result.content
    assert person.asked == []
    assert deletes(portal) == ["tasks.api.scrum.sprint.delete"]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_team_server_reads_resources_and_completions_as_the_caller(
    team: tuple[Portal, str], mode: ConnectMode
) -> None:
    _portal, url = team
    group = DEMO_SCRUM_GROUP_ID
    async with session(url, mode) as client:
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        overview = await client.read_resource(f"bitrix24-scrum://group/{group}/overview")
        ref = PromptReference(type="ref/prompt", name="daily_standup")
        groups = await client.complete(ref, {"name": "groupId", "value": ""})
        tool = await client.call_tool("workgroup_list", {"select": ["ID", "TYPE"]})
    assert f"bitrix24-scrum://group/{group}/overview" in listed
    assert overview.contents
    assert tool.structured_content is not None
    scrums = [g["id"] for g in tool.structured_content["items"] if g["type"] == "scrum"]
    assert groups.completion.values == sorted(scrums, key=int), "what elena herself sees"


async def test_team_audit_records_an_applied_plan_only(
    team: tuple[Portal, str], tmp_path: Path
) -> None:
    """A dry run writes nothing, so neither the one a confirmation reads nor the person's
    own is audited; the declined apply is not either, the accepted one is, once."""
    _portal, url = team
    plan = {
        "groupId": DEMO_SCRUM_GROUP_ID,
        "capacity": 8,
        "sprint": {"name": "Sprint 9", **DATES},
    }
    async with session(url, "auto", Declines("decline")) as client:
        dry = await client.call_tool("sprint_plan", plan)
        declined = await client.call_tool("sprint_plan", {**plan, "apply": True})
    assert not dry.is_error and declined.is_error
    async with session(url, "auto", Declines("accept")) as client:
        applied = await client.call_tool("sprint_plan", {**plan, "apply": True})
    assert not applied.is_error, applied.content
    log = tmp_path / "audit.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["tool"], r["outcome"]) for r in records] == [("sprint_plan", "ok")]
