# pyright: strict
"""Dynamic discovery: two tools that let an agent grow a small tool list when it needs to.

With `BITRIX24_DYNAMIC_TOOLSETS=1` a server starts with these and the workbench only, and
`enable_toolset` adds a toolset's tools while the session runs (the server then sends
`notifications/tools/list_changed`, and clients list the tools again). The rows answer
from the server's `ToolsetSwitch`; neither sends anything to the portal.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bitrix24_scrum_mcp.errors import InvalidStateError
from bitrix24_scrum_mcp.tools.common import NoInput, ScrumModel
from bitrix24_scrum_mcp.tools.results import OwnModel, OwnResult
from bitrix24_scrum_mcp.tools.runner import RunContext, ToolsetSwitch
from bitrix24_scrum_mcp.tools.spec import ToolSpec

TOOLSET = "discovery"

ToolsetName = Literal[
    "workflow", "backlog", "sprint", "epic", "kanban", "task", "tasks", "groups", "users", "bulk"
]
"""The toolsets `enable_toolset` takes, spelt out because a Literal must be (pyright reads
no computed one); tests/test_dynamic_toolsets.py keeps it equal to `TOOLSETS`."""


class Toolset(OwnModel):
    name: str
    about: str
    tools: int = Field(description="Tools it offers (reads only in read-only mode)")
    enabled: bool


class Toolsets(OwnModel):
    toolsets: list[Toolset]


class EnableToolsetInput(ScrumModel):
    toolset: ToolsetName = Field(description="A name from list_toolsets")


class Enabled(OwnModel):
    toolset: str
    added: list[str] = Field(description="Tools offered from now on (empty: already were)")


def _switch(ctx: RunContext) -> ToolsetSwitch:
    if ctx.toolsets is None:  # only offered with dynamic toolsets; a team server has none
        raise InvalidStateError(
            "this server's tool list is fixed (BITRIX24_DYNAMIC_TOOLSETS is off)",
            method=ctx.spec.method,
        )
    return ctx.toolsets


async def list_toolsets(ctx: RunContext, _args: NoInput) -> dict[str, Any]:
    rows = [
        Toolset(name=name, about=about, tools=tools, enabled=enabled)
        for name, about, tools, enabled in _switch(ctx).toolsets()
    ]
    return Toolsets(toolsets=rows).dump()


async def enable_toolset(ctx: RunContext, args: EnableToolsetInput) -> dict[str, Any]:
    added = _switch(ctx).enable(args.toolset)
    return Enabled(toolset=args.toolset, added=list(added)).dump()


TOOLS = (
    ToolSpec(
        method="list_toolsets",
        toolset=TOOLSET,
        title="List toolsets",
        description="The toolsets this server can add to your tools, one line each, and which "
        "are on. Turn one on with enable_toolset.",
        input=NoInput,
        result=OwnResult(Toolsets),
        run=list_toolsets,
        read_only=True,
    ),
    ToolSpec(
        method="enable_toolset",
        toolset=TOOLSET,
        title="Enable toolset",
        description="Add a toolset's tools (list_toolsets names them) to your tools for the "
        "rest of the session; your tool list then refreshes.",
        input=EnableToolsetInput,
        result=OwnResult(Enabled),
        run=enable_toolset,
        idempotent=True,
    ),
)
