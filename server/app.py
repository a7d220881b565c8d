"""The MCP server: tool list from the spec table, tool calls through the dispatcher.

Built on the SDK's low-level `Server` because our schemas come from the spec table, not
from Python signatures, and because every failure must become a structured tool result.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias

from mcp import MCPError
from mcp.server import Server, ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.models import InitializationOptions
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    EmptyResult,
    ListToolsResult,
    PaginatedRequestParams,
    SetLevelRequestParams,
    TextContent,
    Tool,
    ToolAnnotations,
    ToolListChangedNotification,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from bitrix24_scrum_mcp import __version__, callers, client_logs
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.dispatch import Dispatcher
from bitrix24_scrum_mcp.errors import ClientGoneError, UnknownToolError
from bitrix24_scrum_mcp.tools.runner import Progress
from bitrix24_scrum_mcp.tools.schema import input_schema, output_schema
from bitrix24_scrum_mcp.tools.spec import ToolSpec
from bitrix24_scrum_mcp.toolsets import DynamicToolsets

INSTRUCTIONS = """\
Bitrix24 Scrum: backlogs, sprints, epics, the sprint Kanban and the tasks in them.
A Scrum is a workgroup; its group id is the groupId many tools take (find it with
workgroup_list). Start with scrum_overview(groupId); a sprint's life: sprint_plan (dry run,
then apply) -> sprint_start -> board_move as work goes -> sprint_report ->
sprint_complete(group id). task_update estimates a task and places it in a backlog or sprint.
On failure a tool returns isError with {error, error_description, method, http_status,
retryable[, details]}; error is the portal's own code when the portal refused the call."""


def _annotations(spec: ToolSpec) -> ToolAnnotations:
    """All hints a client needs, none it would infer anyway (tools/list is paid in tokens).

    The tool's own `title` is shown first by clients, so it is not repeated here;
    destructive/idempotent hints mean nothing beside readOnlyHint=true (MCP spec), and
    openWorldHint defaults to true, which a portal on the network is.
    """
    if spec.read_only:
        return ToolAnnotations(read_only_hint=True)
    return ToolAnnotations(
        read_only_hint=False,
        destructive_hint=spec.destructive,
        idempotent_hint=spec.idempotent,
    )


_DEFINITIONS: dict[int, tuple[ToolSpec, Tool]] = {}
"""Each row's `Tool`, built once: rows are constants and their schemas take milliseconds each
to build, which every new server (a test, a team server's person) would pay again. Keyed by
the row's identity (rows hold dicts, so they do not hash); the row is kept with it."""


def tool_definition(spec: ToolSpec) -> Tool:
    known = _DEFINITIONS.get(id(spec))
    if known is None or known[0] is not spec:
        known = _DEFINITIONS[id(spec)] = (spec, _build_definition(spec))
    return known[1]


def _build_definition(spec: ToolSpec) -> Tool:
    return Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=input_schema(spec),
        output_schema=output_schema(spec),
        annotations=_annotations(spec),
    )


logger = logging.getLogger(__name__)


class _ChangingToolsServer(Server[Any]):
    """Declares `tools.listChanged` to clients of the 2025-11-25 handshake (on 2026-07-28
    the SDK derives it from the `subscriptions/listen` handler)."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        return super().create_initialization_options(
            notification_options or NotificationOptions(tools_changed=True),
            experimental_capabilities,
            extensions,
        )


ToolRunner: TypeAlias = Callable[
    [ServerRequestContext[Any], str, dict[str, Any] | None, Progress, Dispatcher],
    Awaitable[CallToolResult],
]
"""Runs one tool call through the dispatcher as someone: a team server's `team.calls`."""


def create_server(
    client: Bitrix24Client | None,
    specs: Sequence[ToolSpec],
    *,
    runner: ToolRunner | None = None,
    reserve: Sequence[ToolSpec] | None = None,
) -> Server[Any]:
    """An MCP server offering `specs`, forwarding to the portal behind `client`.

    With `runner` (a team server), each call goes through it instead, and `client` may be
    None: the runner picks the caller's own client. With `reserve` the tool list is dynamic
    (BITRIX24_DYNAMIC_TOOLSETS): `enable_toolset` adds rows of `reserve` to `specs`, and
    the server tells its clients with `notifications/tools/list_changed`.
    """
    dynamic = DynamicToolsets(specs, reserve) if reserve is not None else None
    dispatcher = Dispatcher(client, {spec.name: spec for spec in specs}, dynamic)
    listing = ListToolsResult(tools=[tool_definition(spec) for spec in specs])
    listed_version = 0
    bus = InMemorySubscriptionBus()
    asked = client_logs.ClientLogLevel()
    client_logs.install()

    async def list_tools(
        _ctx: ServerRequestContext[Any], _params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return listing

    async def announce_changes(ctx: ServerRequestContext[Any]) -> None:
        """After a call that enabled a toolset: the new list, and the news to clients."""
        nonlocal listing, listed_version
        if dynamic is None or dynamic.version == listed_version:
            return
        listed_version = dynamic.version
        offered = dynamic.offered()
        dispatcher.offer(offered)
        listing = ListToolsResult(tools=[tool_definition(spec) for spec in offered])
        if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            # 2026-07-28: only to the subscriptions/listen streams that asked for it.
            await bus.publish(ToolsListChanged())
        else:  # on this call's own stream, which stateless HTTP has as well as stdio
            await ctx.session.send_notification(
                ToolListChangedNotification(), related_request_id=ctx.request_id
            )

    async def call_tool(
        ctx: ServerRequestContext[Any], params: CallToolRequestParams
    ) -> CallToolResult:
        async def progress(done: float, total: float | None, message: str | None) -> None:
            await ctx.session.report_progress(done, total, message)

        unknown: UnknownToolError | None = None
        async with callers.attending(ctx.request) as attendance:
            try:
                async with client_logs.forwarded(ctx, asked):
                    if runner is not None:
                        return await runner(
                            ctx, params.name, params.arguments, progress, dispatcher
                        )
                    result = await dispatcher.call(params.name, params.arguments, progress)
                    await announce_changes(ctx)
                    return result
            except UnknownToolError as exc:
                unknown = exc
        # pyright takes `attending` for a block that never swallows, but it does swallow the
        # cancellation of a call whose client left, so `unknown` may still be None here.
        if unknown is not None:  # pyright: ignore[reportUnnecessaryComparison]
            raise MCPError(INVALID_PARAMS, unknown.description)
        assert attendance.client_left  # only a disconnect ends the block without a result
        gone = ClientGoneError("the MCP client disconnected; the call was stopped")
        return CallToolResult(  # nobody reads it; the SDK needs a result all the same
            content=[TextContent(type="text", text=gone.one_line(params.name))],
            structured_content=gone.to_payload(),
            is_error=True,
        )

    async def set_logging_level(
        _ctx: ServerRequestContext[Any], params: SetLevelRequestParams
    ) -> EmptyResult:
        asked.level = client_logs.LEVEL_NUMBERS.get(params.level, 0)
        return EmptyResult()

    def tool_input_schema(name: str) -> dict[str, Any] | None:
        spec = dispatcher.specs.get(name)
        return input_schema(spec) if spec else None

    with warnings.catch_warnings():
        # MCP logging is deprecated in protocol 2026-07-28, still used by older clients.
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        return (Server if dynamic is None else _ChangingToolsServer)(
            "bitrix24-scrum-mcp",
            version=__version__,
            title="Bitrix24 Scrum",
            instructions=INSTRUCTIONS,
            on_list_tools=list_tools,
            on_call_tool=call_tool,
            on_set_logging_level=set_logging_level,
            get_tool_input_schema=tool_input_schema,
            on_subscriptions_listen=ListenHandler(bus) if dynamic is not None else None,
        )
