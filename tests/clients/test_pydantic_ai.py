"""pydantic-ai 2.x: `MCPToolset` on a fastmcp transport, its schema transformers, a run.

pydantic-ai fits each tool schema to the model's provider with a transformer (OpenAI,
with strict mode where the schema allows it or when asked; Google). A `FunctionModel`
(pydantic-ai's scripted model) asks for the calls, then records the tool returns it is
sent: pydantic-ai shows the model the structured content on success and on error.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from fastmcp.client.transports import StdioTransport
from pydantic_ai import Agent
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import (
    ModelMessage,
    ModelResponse,
    RetryPromptPart,  # pyright: ignore[reportDeprecated]  (older pydantic-ai answers with it)
    TextPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.profiles.google import GoogleJsonSchemaTransformer
from pydantic_ai.profiles.openai import OpenAIJsonSchemaTransformer
from pydantic_ai.tools import ToolDefinition

from tests.clients.conftest import Matrix
from tests.clients.support import SERVER_ARGS, TOOLS, Seen, calls, check_all
from tests.ecosystem.support import Served

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _toolset(transport: str, http: Served) -> MCPToolset[Any]:
    if transport == "stdio":
        return MCPToolset(StdioTransport(command=sys.executable, args=SERVER_ARGS))
    return MCPToolset(http.mcp_url)


def _structured(shown: str) -> dict[str, Any]:
    """The structured content in what the model is shown: its JSON, or an error wrapping it."""
    value = json.loads(shown)
    if set(value) == {"error"} and isinstance(value["error"], str):
        value = json.loads(value["error"])
    return value


def _closed_and_required(schema: dict[str, Any]) -> bool:
    """Every object closed with every property required, as OpenAI strict mode demands."""
    if schema.get("type") == "object":
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is not False or set(
            schema.get("required", [])
        ) != set(props):
            return False
        return all(_closed_and_required(p) for p in props.values())
    return all(_closed_and_required(b) for b in schema.get("anyOf", []))


def _converts(definition: ToolDefinition) -> bool:
    schema = definition.parameters_json_schema
    OpenAIJsonSchemaTransformer(schema, strict=None).walk()
    GoogleJsonSchemaTransformer(schema).walk()
    strict = OpenAIJsonSchemaTransformer(schema, strict=True).walk()
    return _closed_and_required(strict)


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_pydantic_ai_converts_every_tool_and_shows_the_model_each_result(
    transport: str, http_server: Served, matrix: Matrix
) -> None:
    client = f"pydantic-ai {transport}"
    planned = calls(client)
    offered: list[ToolDefinition] = []
    shown: dict[str, Seen] = {}

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        if not offered:
            offered.extend(info.function_tools)
            return ModelResponse(parts=[
                ToolCallPart(tool_name=c.tool, args=c.arguments, tool_call_id=c.label)
                for c in planned
            ])  # fmt: skip
        for part in messages[-1].parts:
            if isinstance(part, ToolReturnPart):
                failed = part.outcome != "success"
                shown[part.tool_call_id] = Seen(failed, "", _structured(part.model_response_str()))
            elif isinstance(part, RetryPromptPart):  # pyright: ignore[reportDeprecated]
                shown[part.tool_call_id] = Seen(True, "", _structured(part.model_response()))
        return ModelResponse(parts=[TextPart("Done.")])

    toolset = _toolset(transport, http_server)
    async with toolset:
        result = await Agent(FunctionModel(model), toolsets=[toolset]).run("Rename the sprint")
    assert result.output == "Done."
    assert [d.name for d in offered] == TOOLS
    converted = [d.name for d in offered if _converts(d)]
    assert converted == TOOLS
    matrix.record("pydantic-ai 2.x", transport, listed=len(offered),
                  converted=f"{len(converted)} (OpenAI strict and non-strict, Google)",
                  calls=check_all(client, shown))  # fmt: skip
