# pyright: strict
"""The tool list of a server with dynamic toolsets: what it offers now, what it may add.

One per server (and so per stdio process, or per HTTP server shared by its clients): the
protocol's 2026-07-28 revision has no session to hang a per-client list on, and a client
re-lists on `notifications/tools/list_changed` whichever client enabled the toolset.
"""

from __future__ import annotations

from collections.abc import Sequence

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
