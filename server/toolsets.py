# pyright: strict
"""The tool list of a server with dynamic toolsets: what it offers now, what it may add.

One per server (and so per stdio process, or per HTTP server shared by its clients): the
protocol's 2026-07-28 revision has no session to hang a per-client list on, and a client
re-lists on `notifications/tools/list_changed` whichever client enabled the toolset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcp.server import Server, ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.models import InitializationOptions
from mcp.server.subscriptions import SubscriptionBus, ToolsListChanged
from mcp.types import ToolListChangedNotification
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from bitrix24_scrum_mcp.tools import TOOLSETS
from bitrix24_scrum_mcp.tools.spec import ToolSpec


class DynamicToolsets:
    """A `tools.runner.ToolsetSwitch`: starts with `start`, can add any row of `reserve`."""

    def __init__(self, start: Sequence[ToolSpec], reserve: Sequence[ToolSpec]) -> None:
        rows = {spec.name: spec for spec in (*start, *reserve)}  # start's order first
        self._rows = tuple(rows.values())
        self._offered = {spec.name for spec in start}
        self._reserve = tuple(reserve)
        self.version = 0
        """Counts the changes, so the server knows when to tell its clients."""

    def offered(self) -> tuple[ToolSpec, ...]:
        return tuple(spec for spec in self._rows if spec.name in self._offered)

    def toolsets(self) -> list[tuple[str, str, int, bool]]:
        listed: list[tuple[str, str, int, bool]] = []
        for name, about in TOOLSETS.items():
            members = [spec.name for spec in self._reserve if spec.toolset == name]
            if members:  # read-only mode leaves some toolsets empty
                enabled = all(member in self._offered for member in members)
                listed.append((name, about, len(members), enabled))
        return listed

    def enable(self, toolset: str) -> list[str]:
        added = [
            spec.name
            for spec in self._reserve
            if spec.toolset == toolset and spec.name not in self._offered
        ]
        if added:
            self._offered.update(added)
            self.version += 1
        return added


class ChangingToolsServer(Server[Any]):
    """A `Server` that declares `tools.listChanged` to clients of the 2025-11-25 handshake
    (on 2026-07-28 the SDK derives it from the `subscriptions/listen` handler)."""

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


async def announce_list_changed(ctx: ServerRequestContext[Any], bus: SubscriptionBus) -> None:
    """Tell clients the tool list changed, the way each protocol revision hears it."""
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        # 2026-07-28: only to the subscriptions/listen streams that asked for it.
        await bus.publish(ToolsListChanged())
    else:  # on this call's own stream, which stateless HTTP has as well as stdio
        await ctx.session.send_notification(
            ToolListChangedNotification(), related_request_id=ctx.request_id
        )
