"""openai-agents with strict schemas on: conversion, a Runner turn, and a strict rename.

`mcp_config={"convert_schemas_to_strict": True}` runs `ensure_strict_json_schema` on each
inputSchema; a tool it cannot convert silently goes non-strict. Every tool with parameters
must convert (the 6 without parameters cannot: see `NO_PARAMETERS`). A scripted model (a
stand-in Chat Completions API) asks for the calls; the tool messages it is sent next are
what a real model would see, which for openai-agents is the text content only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import jsonschema
import pytest
from agents import (
    Agent,
    FunctionTool,
    OpenAIChatCompletionsModel,
    RunContextWrapper,
    Runner,
    set_tracing_disabled,
)
from agents.mcp import MCPServerStdio, MCPServerStdioParams, MCPServerStreamableHttp
from openai import AsyncOpenAI

from bitrix24_scrum_mcp.json_types import is_array
from tests.clients.conftest import Matrix
from tests.clients.fake_models import FakeModels, fake_models
from tests.clients.support import (
    DEMO_SPRINT,
    INVALID,
    NO_PARAMETERS,
    STDIO,
    TOOLS,
    Seen,
    calls,
    check_all,
)
from tests.ecosystem.support import Served
from tests.strict_form import strict_form

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)  # traces would go to api.openai.com


STDIO_PARAMS = cast(MCPServerStdioParams, STDIO)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeModels]:
    with fake_models() as models:
        yield models


def _server(transport: str, http: Served) -> MCPServerStdio | MCPServerStreamableHttp:
    if transport == "stdio":
        return MCPServerStdio(params=STDIO_PARAMS, name="b24", client_session_timeout_seconds=30)
    return MCPServerStreamableHttp(
        params={"url": http.mcp_url}, name="b24", client_session_timeout_seconds=30
    )


def _tool_texts(request: dict[str, Any]) -> dict[str, str]:
    """tool_call_id -> the text of the tool message the model is sent."""
    out: dict[str, str] = {}
    for message in request["body"]["messages"]:
        if message["role"] == "tool":
            content = message["content"]
            parts = content if is_array(content) else [{"text": content}]
            out[message["tool_call_id"]] = "".join(p.get("text", "") for p in parts)
    return out


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_openai_agents_converts_every_tool_to_strict_and_runs_the_calls(
    transport: str, http_server: Served, fake: FakeModels, matrix: Matrix
) -> None:
    client = f"openai-agents {transport}"
    # closed here: left to the garbage collector, its pool would close on a later test's loop
    openai = AsyncOpenAI(base_url=fake.openai_base_url, api_key="x")
    model = OpenAIChatCompletionsModel(model="fake", openai_client=openai)
    async with openai, _server(transport, http_server) as server:
        listed = [t.name for t in await server.list_tools()]
        agent = Agent(
            name="scrum",
            model=model,
            mcp_servers=[server],
            mcp_config={"convert_schemas_to_strict": True},
        )
        tools = await agent.get_mcp_tools(RunContextWrapper(None))
        strict = {
            t.name: t.params_json_schema
            for t in tools
            if isinstance(t, FunctionTool) and t.strict_json_schema
        }
        assert sorted(set(listed) - set(strict)) == NO_PARAMETERS

        # What a strict model can send: every key, null unless meant (the invalid call
        # is what a model without strict mode might send).
        planned = calls(client)
        arguments = [
            c.arguments if c is INVALID else strict_form(strict[c.tool], c.arguments)
            for c in planned
        ]
        for call, args in zip(planned, arguments, strict=True):
            if call is not INVALID:
                jsonschema.validate(args, strict[call.tool])
        before = (await server.call_tool("sprint_get", {"id": DEMO_SPRINT})).structured_content
        fake.requests.clear()
        fake.script = [[(c.tool, a) for c, a in zip(planned, arguments, strict=True)]]
        result = await Runner.run(agent, "Rename the sprint")
        after = (await server.call_tool("sprint_get", {"id": DEMO_SPRINT})).structured_content

    assert listed == TOOLS
    assert result.final_output == "Done."
    sent = [t["function"] for t in fake.requests[0]["body"]["tools"]]
    assert sum(1 for f in sent if f.get("strict")) == len(TOOLS) - len(NO_PARAMETERS)
    texts = _tool_texts(fake.requests[1])
    seen = {c.label: Seen(None, texts[f"call_{i}"]) for i, c in enumerate(planned)}
    # The rename went through the strict schema with only `name` set: nothing else moved.
    assert before is not None and after is not None
    assert {k for k in before if before[k] != after[k]} <= {"name", "modifiedBy"}
    matrix.record("openai-agents 0.24 (strict)", transport, listed=len(listed),
                  converted=f"{len(strict)} strict + {len(NO_PARAMETERS)} without parameters",
                  calls=check_all(client, seen))  # fmt: skip


async def test_strict_sprint_update_leaves_dates_status_and_sort_unchanged() -> None:
    """The issue's check: rename through the strict schema, read the sandbox back."""
    async with MCPServerStdio(params=STDIO_PARAMS, client_session_timeout_seconds=30) as server:
        agent = Agent(
            name="s", mcp_servers=[server], mcp_config={"convert_schemas_to_strict": True}
        )
        tools = {t.name: t for t in await agent.get_mcp_tools(RunContextWrapper(None))}
        update = tools["sprint_update"]
        assert isinstance(update, FunctionTool) and update.strict_json_schema
        schema = update.params_json_schema
        fields: dict[str, Any] = schema["properties"]["fields"]
        assert fields["required"] == list(fields["properties"])  # strict: every key required
        rename: dict[str, Any] = {"id": DEMO_SPRINT, "fields": dict.fromkeys(fields["properties"])}
        rename["fields"]["name"] = "Renamed under strict"
        jsonschema.validate(rename, schema)
        before = (await server.call_tool("sprint_get", {"id": DEMO_SPRINT})).structured_content
        renamed = await server.call_tool("sprint_update", rename)
        after = (await server.call_tool("sprint_get", {"id": DEMO_SPRINT})).structured_content
    assert not renamed.is_error, renamed.content
    assert before is not None and after is not None
    assert after["name"] == "Renamed under strict"
    for key in ("dateStart", "dateEnd", "status", "sort", "groupId"):
        assert after[key] == before[key], key
    assert json.dumps(before) != json.dumps(after)
