"""The per-call baseline: the SDK's low-level Server with one tool that forwards to the portal.

    BENCH_PORTAL_URL=http://127.0.0.1:P/rest/1/code/ python bench/proxy_server.py

One httpx2 POST per call and the answer passed back as text: no validation, no pacing,
no retries, no shaping. It is the floor for any MCP proxy on this SDK and interpreter.
"""

from __future__ import annotations

import json
import os
from typing import Any

import anyio
import httpx2
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

BASE = os.environ.get("BENCH_PORTAL_URL", "http://127.0.0.1:9/rest/1/x/")
TOOL = Tool(
    name="sprint_get",
    description="Get a sprint by id.",
    input_schema={"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
)


async def main() -> None:
    async with httpx2.AsyncClient(timeout=60.0) as http:

        async def list_tools(
            _ctx: ServerRequestContext[Any], _params: PaginatedRequestParams | None
        ) -> ListToolsResult:
            return ListToolsResult(tools=[TOOL])

        async def call_tool(
            _ctx: ServerRequestContext[Any], params: CallToolRequestParams
        ) -> CallToolResult:
            response = await http.post(
                BASE + "tasks.api.scrum.sprint.get", json=params.arguments or {}
            )
            result = response.json().get("result")
            return CallToolResult(
                content=[TextContent(type="text", text=json.dumps(result))],
                structured_content=result,
            )

        server = Server("proxy", on_list_tools=list_tools, on_call_tool=call_tool)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
