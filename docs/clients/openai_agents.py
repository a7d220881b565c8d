"""openai-agents with bitrix24-scrum-mcp, strict tool schemas on (`pip install openai-agents`).

    export OPENAI_API_KEY=... BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user>/<code>/
    python openai_agents.py

Every tool with parameters converts to strict mode; the model then sends null for each
field it leaves out, which the server reads as "not set" (a rename changes only the name).
"""

import asyncio
import os

from agents import Agent, Runner
from agents.mcp import MCPServerStdio

SOURCE = "/path/to/bitrix24-scrum-mcp"


async def main() -> None:
    server = MCPServerStdio(
        params={
            "command": "uvx",
            "args": ["--from", SOURCE, "bitrix24-scrum-mcp"],
            "env": {"BITRIX24_WEBHOOK_URL": os.environ["BITRIX24_WEBHOOK_URL"]},
        },
        client_session_timeout_seconds=30,  # the default 5 s can be short for a first start
    )  # HTTP: MCPServerStreamableHttp(params={"url": ..., "headers": {"Authorization": ...}})
    async with server:
        agent = Agent(
            name="Scrum assistant",
            instructions="You plan and run Scrum sprints in Bitrix24.",
            mcp_servers=[server],
            mcp_config={"convert_schemas_to_strict": True},
        )
        result = await Runner.run(agent, "Which sprints does Scrum 11 have?")
        print(result.final_output)


asyncio.run(main())
