"""pydantic-ai with bitrix24-scrum-mcp (`pip install "pydantic-ai-slim[openai,mcp]"`).

    export OPENAI_API_KEY=... BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user>/<code>/
    python pydantic_ai_agent.py

Tool errors (a misspelt field, a sprint not found) reach the model as retries; with the
default budget of 1, a second error from the same tool ends the run, so allow a few.
"""

import asyncio
import os

from fastmcp.client.transports import StdioTransport
from pydantic_ai import Agent
from pydantic_ai.mcp import MCPToolset

SOURCE = "/path/to/bitrix24-scrum-mcp"

scrum = MCPToolset(
    StdioTransport(
        command="uvx",
        args=["--from", SOURCE, "bitrix24-scrum-mcp"],
        env={"BITRIX24_WEBHOOK_URL": os.environ["BITRIX24_WEBHOOK_URL"]},
    ),  # HTTP: MCPToolset("http://127.0.0.1:8000/mcp")
    max_retries=3,
)
agent = Agent("openai:gpt-5-mini", toolsets=[scrum])


async def main() -> None:
    async with scrum:
        result = await agent.run("Which sprints does Scrum 11 have?")
    print(result.output)


asyncio.run(main())
