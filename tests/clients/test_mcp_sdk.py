"""The MCP Python SDK's `Client` (the reference client), over stdio and streamable HTTP."""

from __future__ import annotations

import pytest
from mcp import Client, StdioServerParameters

from tests.clients.conftest import Matrix
from tests.clients.support import STDIO, TOOLS, Seen, calls, check_all
from tests.ecosystem.support import Served

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_mcp_python_sdk_lists_and_calls(
    transport: str, http_server: Served, matrix: Matrix
) -> None:
    target = StdioServerParameters(**STDIO) if transport == "stdio" else http_server.mcp_url
    client_name = f"mcp python sdk {transport}"
    async with Client(target) as client:
        listed = [t.name for t in (await client.list_tools()).tools]
        seen: dict[str, Seen] = {}
        for call in calls(client_name):
            result = await client.call_tool(call.tool, call.arguments)
            text = "\n".join(c.text for c in result.content if c.type == "text")
            seen[call.label] = Seen(result.is_error, text, result.structured_content)
    assert listed == TOOLS
    matrix.record("MCP Python SDK 2.x", transport, listed=len(listed),
                  calls=check_all(client_name, seen))  # fmt: skip
