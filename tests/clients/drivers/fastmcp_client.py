"""fastmcp's Client against our server: list, then each call; prints a JSON report.

Runs under fastmcp 4 (the dev venv) and fastmcp 3 (its own venv, mcp 1.x): the same code,
as users of either write it. Imports nothing from this repository.

    python fastmcp_client.py '{"stdio": {"command": ..., "args": [...]}, "calls": [...]}'
    python fastmcp_client.py '{"url": "http://127.0.0.1:N/mcp", "calls": [...]}'
"""

import asyncio
import json
import sys
from typing import Any

import fastmcp
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from fastmcp.exceptions import ToolError


async def main(payload):
    if "url" in payload:
        client = Client(payload["url"])
    else:
        client = Client(StdioTransport(**payload["stdio"]))
    report: dict[str, Any] = {"version": fastmcp.__version__, "calls": {}}
    async with client:
        report["listed"] = [t.name for t in await client.list_tools()]
        for call in payload["calls"]:
            result = await client.call_tool(call["tool"], call["arguments"], raise_on_error=False)
            report["calls"][call["label"]] = {
                "is_error": result.is_error,
                "text": "\n".join(c.text for c in result.content if c.type == "text"),
                "structured": result.structured_content,
            }
        try:  # the default: an isError result raises ToolError with the text content
            await client.call_tool("sprint_get", {"id": 999})
        except ToolError as exc:
            report["raised"] = str(exc)
    print(json.dumps(report))


asyncio.run(main(json.loads(sys.argv[1])))
