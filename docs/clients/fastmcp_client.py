"""fastmcp's Client with bitrix24-scrum-mcp (`pip install fastmcp`; 3.x and 4.x both work).

BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user>/<code>/ python fastmcp_client.py
"""

import asyncio
import os

from fastmcp import Client
from fastmcp.client.transports import StdioTransport

SOURCE = "/path/to/bitrix24-scrum-mcp"


async def main() -> None:
    server = StdioTransport(
        command="uvx",
        args=["--from", SOURCE, "bitrix24-scrum-mcp"],
        env={"BITRIX24_WEBHOOK_URL": os.environ["BITRIX24_WEBHOOK_URL"]},
    )  # HTTP: Client("http://127.0.0.1:8000/mcp")
    async with Client(server) as client:
        print(len(await client.list_tools()), "tools")
        # raise_on_error=False: a tool error is a result to read, not a ToolError to catch
        overview = await client.call_tool("scrum_overview", {"groupId": 11}, raise_on_error=False)
        print(overview.is_error, overview.structured_content)


asyncio.run(main())
