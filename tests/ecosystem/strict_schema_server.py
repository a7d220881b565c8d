"""A control server for the Inspector test: its error result does NOT match its outputSchema.

If the Inspector stopped validating `structuredContent` of isError results, the test that
proves ours pass would prove nothing; this server shows the validation is still there.
"""

from __future__ import annotations

from typing import Any

import anyio
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
)

OUTPUT = {
    "type": "object",
    "properties": {"id": {"type": "integer"}},
    "required": ["id"],
    "additionalProperties": False,
}


async def _list(
    _ctx: ServerRequestContext[Any], _p: PaginatedRequestParams | None
) -> ListToolsResult:
    tool = Tool(name="get", input_schema={"type": "object"}, output_schema=OUTPUT)
    return ListToolsResult(tools=[tool])


async def _call(_ctx: ServerRequestContext[Any], _p: CallToolRequestParams) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text="not found")],
        structured_content={"error": "NOT_FOUND"},
        is_error=True,
    )


async def _main() -> None:
    server = Server("strict-schema-control", on_list_tools=_list, on_call_tool=_call)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(_main)
