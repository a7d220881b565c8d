"""google-genai 3.x's MCP adapter: schema conversion and calls, no model needed.

When an MCP `ClientSession` is passed in `config.tools`, google-genai converts every tool
with `_mcp_utils.mcp_to_gemini_tool` and calls tools through `McpToGenAiToolAdapter`
(both private modules: this is the path users get without naming them). One tool that
fails to convert aborts the whole list. The model is then shown the whole CallToolResult
(text, structured content, is_error). The full loop against a stand-in Gemini API is run
by the docs snippet test (tests/clients/test_snippets.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import types
from google.genai._adapters import McpToGenAiToolAdapter
from google.genai._mcp_utils import (  # the library's own converter, private but what it runs
    _filter_to_supported_schema,  # pyright: ignore[reportPrivateUsage]
    mcp_to_gemini_tools,
)
from mcp import Client, StdioServerParameters

from bitrix24_scrum_mcp.json_types import is_array, is_object
from tests.clients.conftest import Matrix
from tests.clients.support import STDIO, TOOLS, Seen, calls, check_all
from tests.ecosystem.support import Served

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    # fastmcp (installed with pydantic-ai), once imported, warns on `Tool.inputSchema`,
    # which google-genai still reads: harmless, and not ours to fix
    pytest.mark.filterwarnings("ignore:Accessing `Tool.inputSchema` is deprecated"),
]

# Keywords google-genai drops (its filter keeps JSONSchema's snake_case field names) that we
# publish anyway, because the loss changes nothing a model must know: `multipleOf` (stage
# sort, a multiple of 100) is also said in the description.
HARMLESS_LOSSES = {"multipleOf"}


def _lost(original: Any, kept: Any, path: str = "") -> list[str]:
    """Keys of `original` missing from `kept`, at every depth."""
    if is_object(original):
        lost = [f"{path}/{k}" for k in original if k not in kept]
        for key, value in original.items():
            if key in kept:
                lost += _lost(value, kept[key], f"{path}/{key}")
        return lost
    if is_array(original):
        return [m for i, v in enumerate(original) for m in _lost(v, kept[i], f"{path}/{i}")]
    return []


def _descriptions(schema: dict[str, Any], path: str = "") -> dict[str, str]:
    """Property path -> description, through anyOf branches, in either spelling."""
    found = {path: schema["description"]} if schema.get("description") else {}
    branches: list[dict[str, Any]] = schema.get("anyOf") or schema.get("any_of") or []
    for branch in branches:
        found |= _descriptions(branch, path)
    properties: dict[str, dict[str, Any]] = schema.get("properties") or {}
    for name, sub in properties.items():
        found |= _descriptions(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        found |= _descriptions(schema["items"], f"{path}[]")
    return found


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_google_genai_converts_every_tool_and_calls_through_its_adapter(
    transport: str, http_server: Served, matrix: Matrix
) -> None:
    client_name = f"google-genai {transport}"
    target = StdioServerParameters(**STDIO) if transport == "stdio" else http_server.mcp_url
    async with Client(target) as client:
        listing = await client.session.list_tools()  # google-genai takes the ClientSession
        converted = mcp_to_gemini_tools(listing.tools)
        adapter = McpToGenAiToolAdapter(client.session, listing)
        seen: dict[str, Seen] = {}
        for call in calls(client_name):
            result = await adapter.call_tool(
                types.FunctionCall(name=call.tool, args=call.arguments)
            )
            text = "\n".join(c.text for c in result.content if c.type == "text")
            seen[call.label] = Seen(result.is_error, text, result.structured_content)
    assert [t.name for t in listing.tools] == TOOLS
    assert len(converted) == len(TOOLS)
    for tool, gemini in zip(listing.tools, converted, strict=True):
        lost = _lost(tool.input_schema, _filter_to_supported_schema(tool.input_schema))
        assert {p.rsplit("/", 1)[-1] for p in lost} <= HARMLESS_LOSSES, (tool.name, lost)
        [declaration] = gemini.function_declarations or []
        assert declaration.parameters is not None
        kept = _descriptions(declaration.parameters.model_dump(exclude_none=True))
        assert kept == _descriptions(tool.input_schema), tool.name
    matrix.record("google-genai 3.x adapter", transport, listed=len(listing.tools),
                  converted=f"{len(converted)} (descriptions kept)",
                  calls=check_all(client_name, seen))  # fmt: skip
