"""Prompts, resources and completions, through a real MCP client, against the sandbox.

Each runs on both protocol revisions the SDK client speaks: 2025-11-25 (initialize) and
2026-07-28. Group 12 (Mobile App 2.0) has two completed sprints and an active one; group
11 a planned sprint. Resources are compared with the workbench tools' own answers.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

import anyio
import pytest
from mcp import Client, MCPError
from mcp.client.client import ConnectMode
from mcp.types import (
    INVALID_PARAMS,
    PromptReference,
    ResourceTemplateReference,
    TextContent,
    TextResourceContents,
)

from bitrix24_scrum_mcp.app import SHOWN_IN_APP
from bitrix24_scrum_mcp.prompts import CEREMONIES
from bitrix24_scrum_mcp.sandbox.seed_history import ACTIVE_SPRINT_ID, SECOND_SPRINT_ID
from bitrix24_scrum_mcp.tools import ALL_TOOLS, select, workbench
from bitrix24_scrum_mcp.ui import APP_MIME, APP_URI
from tests.helpers import mcp_session
from tests.live_sandbox import LiveSandbox
from tests.test_workbench import ok, writes

pytestmark = pytest.mark.anyio

TEAM, CHECKOUT = 12, 11
MODES: list[Any] = [
    pytest.param("legacy", id="2025-11-25"),
    pytest.param("auto", id="2026-07-28"),
]
APPS = "io.modelcontextprotocol/ui"
WORKBENCH = {spec.name for spec in workbench.TOOLS}
STANDUP = PromptReference(type="ref/prompt", name="daily_standup")


def text_of(contents: list[Any]) -> TextResourceContents:
    [only] = contents
    assert isinstance(only, TextResourceContents)
    return only


async def values(
    session: Client,
    ref: PromptReference | ResourceTemplateReference,
    name: str,
    typed: str,
    context: dict[str, str] | None = None,
) -> list[str]:
    answer = await session.complete(ref, {"name": name, "value": typed}, context)
    return answer.completion.values


@pytest.mark.parametrize("mode", MODES)
async def test_initialize_declares_prompts_resources_completions(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    async with mcp_session(sandbox.webhook_url, mode=mode) as (session, _):
        caps = session.server_capabilities
        tools = {t.name: t for t in (await session.list_tools()).tools}
    assert caps.prompts is not None and caps.resources is not None
    assert caps.completions is not None
    if mode == "auto":
        assert caps.extensions == {APPS: {}}
    else:  # 2025-11-25's ServerCapabilities has no `extensions`: the SDK leaves it out
        assert caps.extensions is None
    pointing = {n for n, t in tools.items() if (t.meta or {}).get("ui")}
    assert pointing == SHOWN_IN_APP == {"scrum_overview", "sprint_board", "sprint_report"}
    assert all(tools[n].meta == {"ui": {"resourceUri": APP_URI}} for n in pointing)


@pytest.mark.parametrize("mode", MODES)
async def test_each_prompt_is_listed_and_renders_its_arguments(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    async with mcp_session(sandbox.webhook_url, mode=mode) as (session, _):
        listed = {p.name: p for p in (await session.list_prompts()).prompts}
        assert list(listed) == [
            "plan_sprint",
            "daily_standup",
            "sprint_review",
            "retrospective",
            "groom_backlog",
        ]
        for ceremony in CEREMONIES:
            arguments = {a.name: a.required for a in listed[ceremony.name].arguments or []}
            assert arguments["groupId"] is True
            given = {"groupId": str(TEAM)}
            if "sprintId" in arguments:
                assert arguments["sprintId"] is not True  # the active/last sprint by default
                given["sprintId"] = str(SECOND_SPRINT_ID)
            got = await session.get_prompt(ceremony.name, given)
            [message] = got.messages
            assert message.role == "user" and isinstance(message.content, TextContent)
            text = message.content.text
            assert f"Scrum {TEAM}" in text
            if "sprintId" in given:
                assert f"sprintId={SECOND_SPRINT_ID}" in text
            assert "{" not in text.replace("{{", "").split("sprint={")[0], "unfilled placeholder"
            first_tool = text.split("Call ", 1)[1].split("(", 1)[0]
            assert first_tool in WORKBENCH, f"a workbench tool first: {text}"
    assert writes(sandbox) == []


async def test_prompt_defaults_to_the_active_sprint_and_names_the_capacity(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        standup = await session.get_prompt("daily_standup", {"groupId": "12"})
        plan = await session.get_prompt("plan_sprint", {"groupId": "12", "capacity": "21"})
        retro = await session.get_prompt("retrospective", {"groupId": "12"})
    contents = [m.content for r in (standup, plan, retro) for m in r.messages]
    texts = [c.text for c in contents if isinstance(c, TextContent)]
    assert len(texts) == 3
    assert "its active sprint" in texts[0] and "sprint_board(groupId=12)" in texts[0]
    assert "Capacity: 21 story points." in texts[1]
    assert "its last completed sprint" in texts[2]


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        pytest.param("no_such_prompt", {"groupId": "12"}, id="unknown-prompt"),
        pytest.param("daily_standup", {}, id="missing-group"),
        pytest.param("daily_standup", {"groupId": "twelve"}, id="group-not-an-id"),
        pytest.param("daily_standup", {"groupId": "12", "sprintId": "-3"}, id="bad-sprint"),
        pytest.param("groom_backlog", {"groupId": "12", "sprintId": "3"}, id="extra-argument"),
    ],
)
async def test_bad_prompt_requests_are_invalid_params(
    sandbox: LiveSandbox, name: str, arguments: dict[str, str]
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        with pytest.raises(MCPError) as raised:
            await session.get_prompt(name, arguments)
    assert raised.value.code == INVALID_PARAMS


@pytest.mark.parametrize("mode", MODES)
async def test_each_template_reads_as_its_workbench_tool_answers(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    async with mcp_session(sandbox.webhook_url, mode=mode) as (session, _):
        templates = [
            t.uri_template for t in (await session.list_resource_templates()).resource_templates
        ]
        assert templates == [
            "bitrix24-scrum://group/{groupId}/overview",
            "bitrix24-scrum://group/{groupId}/backlog",
            "bitrix24-scrum://sprint/{sprintId}/board",
            "bitrix24-scrum://sprint/{sprintId}/report",
            "bitrix24-scrum://sprint/{sprintId}/column/{column}",
        ]
        cases = [
            (f"bitrix24-scrum://group/{TEAM}/overview", "scrum_overview", {"groupId": TEAM}),
            (
                f"bitrix24-scrum://group/{TEAM}/backlog",
                "backlog_items",
                {"groupId": TEAM, "limit": 200},
            ),
            (
                f"bitrix24-scrum://sprint/{ACTIVE_SPRINT_ID}/board",
                "sprint_board",
                {"sprintId": ACTIVE_SPRINT_ID},
            ),
            (
                f"bitrix24-scrum://sprint/{SECOND_SPRINT_ID}/report",
                "sprint_report",
                {"sprintId": SECOND_SPRINT_ID},
            ),
        ]
        for uri, tool, arguments in cases:
            content = text_of((await session.read_resource(uri)).contents)
            assert content.mime_type == "application/json" and content.uri == uri
            assert json.loads(content.text) == await ok(session, tool, arguments), uri
        board = await ok(session, "sprint_board", {"sprintId": ACTIVE_SPRINT_ID})
        work = next(c for c in board["columns"] if c["type"] == "WORK")
        name = work["name"].upper().replace(" ", "%20")
        uri = f"bitrix24-scrum://sprint/{ACTIVE_SPRINT_ID}/column/{name}"
        column = json.loads(text_of((await session.read_resource(uri)).contents).text)
        assert column == {"sprint": board["sprint"], "column": work}
        app = text_of((await session.read_resource(APP_URI)).contents)
        assert app.mime_type == APP_MIME and app.text.lstrip().lower().startswith("<!doctype html")
    assert writes(sandbox) == []


@pytest.mark.parametrize(
    "uri",
    [
        pytest.param("bitrix24-scrum://group/12/velocity", id="unknown-kind"),
        pytest.param("bitrix24-scrum://group/0/overview", id="zero-id"),
        pytest.param("bitrix24-scrum://group/abc/overview", id="not-an-id"),
        pytest.param("https://example.com/", id="other-scheme"),
        pytest.param("bitrix24-scrum://sprint/987654/board", id="no-such-sprint"),
        pytest.param("bitrix24-scrum://group/987654/overview", id="no-such-group"),
        pytest.param(f"bitrix24-scrum://sprint/{ACTIVE_SPRINT_ID}/column/Nowhere", id="column"),
    ],
)
async def test_bad_resource_addresses_are_invalid_params(sandbox: LiveSandbox, uri: str) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        with pytest.raises(MCPError) as raised:
            await session.read_resource(uri)
        assert raised.value.code == INVALID_PARAMS, raised.value.message
        assert (await session.list_prompts()).prompts, "the session lives on"


@pytest.mark.parametrize("mode", MODES)
async def test_resources_list_names_the_scrums_and_their_active_sprints(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    async with mcp_session(sandbox.webhook_url, mode=mode) as (session, _):
        listed = {str(r.uri): r for r in (await session.list_resources()).resources}
    assert list(listed) == [
        APP_URI,
        f"bitrix24-scrum://group/{CHECKOUT}/overview",
        f"bitrix24-scrum://group/{CHECKOUT}/backlog",
        f"bitrix24-scrum://group/{TEAM}/overview",
        f"bitrix24-scrum://group/{TEAM}/backlog",
        f"bitrix24-scrum://sprint/{ACTIVE_SPRINT_ID}/board",
        f"bitrix24-scrum://sprint/{ACTIVE_SPRINT_ID}/report",
    ]
    assert listed[APP_URI].mime_type == APP_MIME
    assert listed[f"bitrix24-scrum://group/{TEAM}/overview"].name == "Mobile App 2.0 overview"


@pytest.mark.parametrize("mode", MODES)
async def test_completions_offer_group_sprint_and_column_values(
    sandbox: LiveSandbox, mode: ConnectMode
) -> None:
    board_ref = ResourceTemplateReference(
        type="ref/resource", uri="bitrix24-scrum://sprint/{sprintId}/column/{column}"
    )
    async with mcp_session(sandbox.webhook_url, mode=mode) as (session, _):
        board = await ok(session, "sprint_board", {"sprintId": ACTIVE_SPRINT_ID})
        assert await values(session, STANDUP, "groupId", "") == ["11", "12"]
        assert await values(session, STANDUP, "groupId", "1") == ["11", "12"]
        assert await values(session, STANDUP, "groupId", "12") == ["12"]
        assert await values(session, STANDUP, "groupId", "mob") == ["12"], "by name"
        group12 = await values(session, STANDUP, "sprintId", "", {"groupId": "12"})
        assert group12[0] == str(ACTIVE_SPRINT_ID) and str(SECOND_SPRINT_ID) in group12
        everyone = await values(session, STANDUP, "sprintId", "")
        assert set(group12) < set(everyone), "without a groupId: every group's sprints"
        columns = await values(
            session, board_ref, "column", "", {"sprintId": str(ACTIVE_SPRINT_ID)}
        )
        assert columns == [c["name"] for c in board["columns"]]
        assert await values(session, board_ref, "column", "", {}) == []


@pytest.mark.parametrize(
    ("ref", "name", "typed", "context"),
    [
        pytest.param(STANDUP, "groupId", "zzz-no-such", None, id="unknown-prefix"),
        pytest.param(STANDUP, "groupId", "999", None, id="unknown-id-prefix"),
        pytest.param(STANDUP, "sprintId", "", {"groupId": "987654"}, id="group-without-sprints"),
        pytest.param(STANDUP, "colour", "", None, id="unknown-argument"),
        pytest.param(
            PromptReference(type="ref/prompt", name="no_such"), "groupId", "", None, id="prompt"
        ),
        pytest.param(
            ResourceTemplateReference(
                type="ref/resource", uri="bitrix24-scrum://sprint/{sprintId}/column/{column}"
            ),
            "column",
            "",
            {"sprintId": "987654"},
            id="no-such-sprint",
        ),
    ],
)
async def test_completion_without_a_match_is_empty_never_an_error(
    sandbox: LiveSandbox,
    ref: PromptReference | ResourceTemplateReference,
    name: str,
    typed: str,
    context: dict[str, str] | None,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        assert await values(session, ref, name, typed, context) == []


async def test_cached_completions_send_no_request_and_answer_fast(sandbox: LiveSandbox) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, client):
        assert await values(session, STANDUP, "groupId", "") == ["11", "12"]  # fills the cache
        sent = client.requests_sent
        took: list[float] = []
        for typed in ["", "1", "11", "12", "m", "mo", "mob"] * 10:
            start = time.perf_counter()
            await values(session, STANDUP, "groupId", typed)
            took.append(time.perf_counter() - start)
        assert client.requests_sent == sent, "served from the cache"
    p50_ms = statistics.median(took) * 1000
    print(f"cached completion p50 {p50_ms:.2f} ms over {len(took)} requests")
    assert p50_ms < 50


async def test_resources_list_costs_two_requests_then_none_within_the_cache(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, client):
        sent = client.requests_sent
        first = await session.list_resources()
        cold = client.requests_sent - sent
        second = await session.list_resources()
        warm = client.requests_sent - sent - cold
    assert (cold, warm) == (2, 0), "workgroup_list and one sprint_list of active sprints"
    assert first == second


async def test_concurrent_completions_on_a_cold_cache_share_one_read(
    sandbox: LiveSandbox,
) -> None:
    answers: list[list[str]] = []
    async with mcp_session(sandbox.webhook_url) as (session, client):
        sent = client.requests_sent

        async def complete(typed: str) -> None:
            answers.append(await values(session, STANDUP, "groupId", typed))

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tasks:
                for typed in ["", "1", "12", "mob", "11"]:
                    tasks.start_soon(complete, typed)
        assert client.requests_sent - sent == 1
    assert sorted(answers) == sorted([["11", "12"], ["11", "12"], ["12"], ["12"], ["11"]])


def test_every_tool_a_prompt_names_exists() -> None:
    names = {spec.name for spec in ALL_TOOLS}
    for ceremony in CEREMONIES:
        assert ceremony.tools and ceremony.tools <= names, ceremony.name


@pytest.mark.parametrize(
    ("toolsets", "read_only", "offered"),
    [
        pytest.param(
            None,
            True,
            ["daily_standup", "sprint_review", "retrospective", "groom_backlog"],
            id="read-only-has-no-plan",
        ),
        pytest.param(["sprint", "backlog"], False, [], id="no-workbench-no-prompts"),
    ],
)
async def test_prompts_name_only_offered_tools(
    sandbox: LiveSandbox, toolsets: list[str] | None, read_only: bool, offered: list[str]
) -> None:
    specs = select(toolsets, read_only=read_only)
    async with mcp_session(sandbox.webhook_url, specs=specs) as (session, _):
        listed = [p.name for p in (await session.list_prompts()).prompts]
        with pytest.raises(MCPError) as raised:
            await session.get_prompt("plan_sprint", {"groupId": "12"})
    assert listed == offered
    assert raised.value.code == INVALID_PARAMS
