"""Real tool results, recorded from the sandbox through a real MCP client, as a host gets
them: the CallToolResult in its wire form (camelCase, `structuredContent`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio

from bitrix24_scrum_mcp.sandbox.seed_history import ACTIVE_SPRINT_ID
from tests.helpers import mcp_session
from tests.live_sandbox import running_sandbox

TEAM = 12  # Mobile App 2.0: a sprint mid-way with a card in every column (seed_history.py)


def record(calls: Sequence[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each call's result on a freshly seeded sandbox, in the order given."""

    async def run() -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        with running_sandbox() as live:
            async with mcp_session(live.webhook_url) as (session, _):
                for tool, arguments in calls:
                    result = await session.call_tool(tool, arguments)
                    assert not result.is_error, result.content
                    wire = result.model_dump(by_alias=True, mode="json", exclude_none=True)
                    results.append(json.loads(json.dumps(wire)))
        return results

    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(anyio.run, run).result()


Call = tuple[str, dict[str, Any]]
BOARD_CALL: Call = ("sprint_board", {"groupId": TEAM})
REPORT_CALL: Call = ("sprint_report", {"sprintId": ACTIVE_SPRINT_ID})
OVERVIEW_CALL: Call = ("scrum_overview", {"groupId": TEAM})
