"""Gemini (google-genai) with bitrix24-scrum-mcp, the MCP session passed as a tool.

    export GEMINI_API_KEY=... BITRIX24_WEBHOOK_URL=https://<portal>/rest/<user>/<code>/
    python gemini_agent.py

(`pip install google-genai mcp`.) google-genai converts the tools itself and runs them
(automatic function calling). Pass `config` as a dict: a `GenerateContentConfig` object is
deep-copied, which fails on a live session ("cannot pickle '_asyncio.Task' object").
"""

import asyncio
import os

from google import genai
from mcp import Client, StdioServerParameters

SOURCE = "/path/to/bitrix24-scrum-mcp"


async def main() -> None:
    server = StdioServerParameters(
        command="uvx",
        args=["--from", SOURCE, "bitrix24-scrum-mcp"],
        env={"BITRIX24_WEBHOOK_URL": os.environ["BITRIX24_WEBHOOK_URL"]},
    )  # HTTP: Client("http://127.0.0.1:8000/mcp")
    async with Client(server) as mcp:
        gemini = genai.Client()
        response = await gemini.aio.models.generate_content(
            model="gemini-2.5-flash",
            contents="Which sprints does Scrum 11 have?",
            config={"tools": [mcp.session]},  # the ClientSession, not the Client
        )
        print(response.text)


asyncio.run(main())
