# pyright: strict
"""Tool calls made by the server itself: resources, completions and confirmation messages.

They run exactly as a person's own tool call would (validated, through the dispatcher,
on a team server through its runner with the caller's own client and share), so no REST
logic is repeated for them. They use the full spec table, whatever `--toolsets` offers:
a resource or a completion must not disappear because its read tool is not listed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, cast

from mcp.server import ServerRequestContext
from mcp.types import CallToolResult

from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.dispatch import Dispatcher
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.runner import Progress, no_progress
from bitrix24_scrum_mcp.tools.workbench import WRITES_ONLY_WHEN_APPLIED

ToolRunner: TypeAlias = Callable[
    [ServerRequestContext[Any], str, dict[str, Any] | None, Progress, Dispatcher],
    Awaitable[CallToolResult],
]
"""Runs one tool call through the dispatcher as someone: a team server's `team.calls`."""

READ_TOOLS = frozenset(
    {
        "scrum_overview",
        "backlog_items",
        "sprint_board",
        "sprint_report",
        "sprint_get",
        "sprint_list",
        "epic_get",
        "workgroup_list",
        "kanban_get_stages",
    }
)
"""What the conversation features read; all read-only rows."""


class ReadFailedError(Exception):
    """A server-side read ended in an error result; `payload` is its error object."""

    def __init__(self, name: str, payload: dict[str, Any]) -> None:
        super().__init__(f"{name}: {payload.get('error_description', 'failed')}")
        self.name = name
        self.payload = payload


class ToolReads:
    """Calls the read tools (and dry runs) on behalf of the conversation features."""

    def __init__(self, client: Bitrix24Client | None, runner: ToolRunner | None) -> None:
        specs = {s.name: s for s in ALL_TOOLS if s.name in READ_TOOLS | WRITES_ONLY_WHEN_APPLIED}
        assert all(specs[n].read_only for n in READ_TOOLS)
        self.dispatcher = Dispatcher(client, specs)
        self._runner = runner

    async def call(
        self, ctx: ServerRequestContext[Any], name: str, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        """The tool's structuredContent.

        Raises:
            ReadFailedError: the tool answered with an error result.
        """
        if self._runner is not None:
            result = await self._runner(ctx, name, arguments, no_progress, self.dispatcher)
        else:
            result = await self.dispatcher.call(name, arguments)
        structured = cast(dict[str, Any], result.structured_content or {})
        if result.is_error:
            raise ReadFailedError(name, structured)
        return structured
