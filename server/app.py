"""The MCP server: tool list from the spec table, tool calls through the dispatcher.

Built on the SDK's low-level `Server` because our schemas come from the spec table, not
from Python signatures, and because every failure must become a structured tool result.
Besides tools it offers the ceremonies as prompts (prompts.py), Scrum data as resources
(resources.py) with completions for their arguments (completions.py), the board as an
MCP App (ui.py), and asks the person before destructive calls (confirm.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from mcp import MCPError
from mcp.server import Server, ServerRequestContext
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    EmptyResult,
    GetPromptRequestParams,
    GetPromptResult,
    InputRequiredResult,
    ListToolsResult,
    PaginatedRequestParams,
    SetLevelRequestParams,
    TextContent,
    Tool,
    ToolAnnotations,
)

from bitrix24_scrum_mcp import __version__, callers, client_logs, prompts
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.completions import Completions
from bitrix24_scrum_mcp.config import Confirm
from bitrix24_scrum_mcp.confirm import Asked, Confirmations, Refused
from bitrix24_scrum_mcp.directory import Directory
from bitrix24_scrum_mcp.dispatch import Dispatcher
from bitrix24_scrum_mcp.errors import ClientGoneError, UnknownToolError
from bitrix24_scrum_mcp.reads import ToolReads, ToolRunner
from bitrix24_scrum_mcp.resources import Resources
from bitrix24_scrum_mcp.tools.schema import input_schema, output_schema
from bitrix24_scrum_mcp.tools.spec import ToolSpec
from bitrix24_scrum_mcp.toolsets import (
    ChangingToolsServer,
    DynamicToolsets,
    announce_list_changed,
)
from bitrix24_scrum_mcp.ui import APP_MIME, APP_URI

__all__ = ["ToolRunner", "create_server", "tool_definition"]
assert APP_MIME == APP_MIME_TYPE

SHOWN_IN_APP = frozenset({"scrum_overview", "sprint_board", "sprint_report"})
"""Tools whose result the MCP App (ui.py) can show: `_meta.ui.resourceUri` points at it."""

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
    tool = Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=input_schema(spec),
        output_schema=output_schema(spec),
        annotations=_annotations(spec),
    )
    if spec.name in SHOWN_IN_APP:
        tool.meta = {"ui": {"resourceUri": APP_URI}}  # the field's constructor name is `_meta`
    return tool


def create_server(
    client: Bitrix24Client | None,
    specs: Sequence[ToolSpec],
    *,
    runner: ToolRunner | None = None,
    confirm: Confirm = "destructive",
    reserve: Sequence[ToolSpec] | None = None,
) -> Server[Any]:
    """An MCP server offering `specs`, forwarding to the portal behind `client`.

    With `runner` (a team server), each call goes through it instead, and `client` may be
    None: the runner picks the caller's own client. The reads behind resources,
    completions and confirmation messages go through the same runner. `confirm` is
    BITRIX24_CONFIRM. With `reserve` the tool list is dynamic (BITRIX24_DYNAMIC_TOOLSETS):
    `enable_toolset` adds rows of `reserve`, and the server tells its clients.
    """
    dynamic = DynamicToolsets(specs, reserve) if reserve is not None else None
    dispatcher = Dispatcher(client, {spec.name: spec for spec in specs}, dynamic)
    listed_version = 0
    bus = InMemorySubscriptionBus()
    reads = ToolReads(client, runner)
    directory = Directory(reads)
    resources = Resources(reads, directory)
    confirmations = Confirmations(confirm, reads)
    ceremonies = prompts.Prompts(dispatcher.specs)
    tools = [tool_definition(spec) for spec in specs]
    listing = ListToolsResult(tools=tools)
    asked = client_logs.ClientLogLevel()
    client_logs.install()

    async def list_tools(
        _ctx: ServerRequestContext[Any], _params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return listing

    async def offer_enabled(ctx: ServerRequestContext[Any]) -> None:
        """After a call that enabled a toolset: the new list, and the news to clients."""
        nonlocal listing, listed_version
        if dynamic is None or dynamic.version == listed_version:
            return
        listed_version = dynamic.version
        offered = dynamic.offered()
        dispatcher.offer(offered)
        listing = ListToolsResult(tools=[tool_definition(spec) for spec in offered])
        await announce_list_changed(ctx, bus)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: CallToolRequestParams
    ) -> CallToolResult | InputRequiredResult:
        spec = dispatcher.specs.get(params.name)
        if spec is not None:
            decision = await confirmations.decide(ctx, spec, params)
            if isinstance(decision, Asked):
                return decision.result
            if isinstance(decision, Refused):
                return dispatcher.failure(params.name, decision.error)

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
                    await offer_enabled(ctx)
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

    async def get_prompt(
        _ctx: ServerRequestContext[Any], params: GetPromptRequestParams
    ) -> GetPromptResult:
        return ceremonies.get(params.name, params.arguments)

    with warnings.catch_warnings():
        # MCP logging is deprecated in protocol 2026-07-28, still used by older clients.
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        server = (Server if dynamic is None else ChangingToolsServer)(
            "bitrix24-scrum-mcp",
            version=__version__,
            title="Bitrix24 Scrum",
            instructions=INSTRUCTIONS,
            on_list_tools=list_tools,
            on_call_tool=call_tool,
            on_list_prompts=ceremonies.list,
            on_get_prompt=get_prompt,
            on_list_resources=resources.list_resources,
            on_list_resource_templates=resources.list_templates,
            on_read_resource=resources.read,
            on_completion=Completions(directory),
            on_set_logging_level=set_logging_level,
            get_tool_input_schema=tool_input_schema,
            on_subscriptions_listen=ListenHandler(bus) if dynamic is not None else None,
        )
    server.extensions[EXTENSION_ID] = {}  # MCP Apps: the board (ui.py), as the SDK's Apps does
    return server
