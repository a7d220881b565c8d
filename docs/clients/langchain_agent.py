"""LangChain with bitrix24-scrum-mcp.

    pip install langchain langchain-openai langchain-mcp-adapters

    export OPENAI_API_KEY=... BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user>/<code>/
    python langchain_agent.py

langchain-mcp-adapters 0.3 needs mcp<2, so install it in its own environment; the server
runs as a separate program and does not mind.
"""

import asyncio
import os

from langchain.agents import create_agent
from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_mcp_adapters.tools import load_mcp_tools

SOURCE = "/path/to/bitrix24-scrum-mcp"


async def main() -> None:
    client = MultiServerMCPClient(
        {
            "b24": {
                "transport": "stdio",
                "command": "uvx",
                "args": ["--from", SOURCE, "bitrix24-scrum-mcp"],
                "env": {"BITRIX24_WEBHOOK_URL": os.environ["BITRIX24_WEBHOOK_URL"]},
            }  # HTTP: {"transport": "streamable_http", "url": ..., "headers": {...}}
        }
    )
    # One session for the whole run: without it, every tool call starts the server anew.
    async with client.session("b24") as session:
        agent = create_agent("openai:gpt-5-mini", await load_mcp_tools(session))
        result = await agent.ainvoke(
            {"messages": [{"role": "user", "content": "Which sprints does Scrum 11 have?"}]}
        )
    print(result["messages"][-1].content)


asyncio.run(main())
