"""Use bitrix24-scrum-mcp from any Python agent (MCP Python SDK, `pip install "mcp>=2.3"`).

    BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user>/<code>/ python python_agent.py   # stdio
    B24_MCP_URL=http://127.0.0.1:8000/mcp MCP_HTTP_TOKEN=... python python_agent.py    # HTTP

Agent frameworks take the same two things: a command to start over stdio, or a URL (plus
an Authorization header) for streamable HTTP.
"""

import os

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client import Transport
from mcp.client.streamable_http import streamable_http_client

SOURCE = "/path/to/bitrix24-scrum-mcp"


async def use(server: Transport | StdioServerParameters) -> None:
    async with Client(server) as client:
        tools = await client.list_tools()
        print(f"{len(tools.tools)} tools:", ", ".join(t.name for t in tools.tools[:5]), "...")
        me = await client.call_tool("user_current", {})
        print("acting as:", me.structured_content)


async def main() -> None:
    url = os.environ.get("B24_MCP_URL")
    if url:  # a shared server over streamable HTTP
        token = os.environ.get("MCP_HTTP_TOKEN", "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
            await use(streamable_http_client(url, http_client=http))
    else:  # a private server over stdio, started by uvx from the repository
        await use(
            StdioServerParameters(
                command="uvx",
                args=["--from", SOURCE, "bitrix24-scrum-mcp"],
                env={"BITRIX24_WEBHOOK_URL": os.environ["BITRIX24_WEBHOOK_URL"]},
            )
        )


if __name__ == "__main__":
    anyio.run(main)
