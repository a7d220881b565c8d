"""langchain-mcp-adapters against our server: tools, OpenAI conversion, calls; JSON report.

Runs in its own venv (the adapters need mcp<2). Each call goes through the tool as an
agent runs it (`ainvoke` with a tool call), so `content` is what the model is shown.
Imports nothing from this repository.

    python langchain_client.py '{"stdio": {"command": ..., "args": [...]}, "calls": [...]}'
    python langchain_client.py '{"url": "http://127.0.0.1:N/mcp", "calls": [...]}'
"""

import asyncio
import json
import sys
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_mcp_adapters.tools import load_mcp_tools


def text_of(content):
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content if isinstance(b, dict))


async def main(payload):
    if "url" in payload:
        connection = {"transport": "streamable_http", "url": payload["url"]}
    else:
        connection = {"transport": "stdio", **payload["stdio"]}
    client = MultiServerMCPClient({"b24": connection})
    report: dict[str, Any] = {"calls": {}, "strict": {}}
    async with client.session("b24") as session:
        tools = {t.name: t for t in await load_mcp_tools(session)}
        report["listed"] = list(tools)
        converted = 0
        for name, tool in tools.items():
            convert_to_openai_tool(tool)
            strict = convert_to_openai_tool(tool, strict=True)  # bind_tools(..., strict=True)
            report["strict"][name] = strict["function"]["parameters"]
            converted += 1
        report["converted"] = converted
        for i, call in enumerate(payload["calls"]):
            message = await tools[call["tool"]].ainvoke(
                {
                    "name": call["tool"],
                    "args": call["arguments"],
                    "id": f"c{i}",
                    "type": "tool_call",
                }
            )
            report["calls"][call["label"]] = {
                "is_error": message.status == "error",
                "text": text_of(message.content),
            }
    print(json.dumps(report))


asyncio.run(main(json.loads(sys.argv[1])))
