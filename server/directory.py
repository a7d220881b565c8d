# pyright: strict
"""The names completions and resource lists offer: Scrum groups, sprints, board columns.

Read through the one-to-one tools (`workgroup_list`, `sprint_list`, `kanban_get_stages`)
and kept for `TTL_S` in a cache of at most `MAX_ENTRIES` answers, because a client asks
for completions on every keystroke and a portal allows about two requests a second.
Entries are per caller (a team server's people see different groups), and concurrent
requests for a missing entry share one read.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import anyio
from mcp.server import ServerRequestContext
from mcp.server.request_state import authenticated_principal

from bitrix24_scrum_mcp.reads import ToolReads

TTL_S = 30.0
MAX_ENTRIES = 128
MAX_ITEMS = 500
"""Groups or sprints read at most: the first 10 pages of the portal's lists."""


@dataclass(frozen=True, slots=True)
class Named:
    id: int
    name: str
    kind: str = ""
    """A sprint's status, a column's type; empty for a group."""
    group: int = 0
    """A sprint's group."""


class TtlCache:
    """At most `size` values, each for `ttl` seconds; the oldest goes first."""

    def __init__(self, ttl: float = TTL_S, size: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], tuple[float, list[Named]]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> list[Named] | None:
        found = self._items.get(key)
        if found is None or found[0] < time.monotonic():
            self._items.pop(key, None)
            return None
        return found[1]

    def put(self, key: tuple[Any, ...], value: list[Named]) -> None:
        self._items[key] = (time.monotonic() + self.ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def _items(structured: dict[str, Any]) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], structured.get("items") or [])


class Directory:
    def __init__(self, reads: ToolReads, cache: TtlCache | None = None) -> None:
        self.reads = reads
        self.cache = cache or TtlCache()
        self._loading: dict[tuple[Any, ...], anyio.Lock] = {}

    async def _cached(
        self,
        ctx: ServerRequestContext[Any],
        key: tuple[Any, ...],
        load: Callable[[], Awaitable[list[Named]]],
    ) -> list[Named]:
        key = (authenticated_principal(ctx), *key)
        found = self.cache.get(key)
        if found is not None:
            return found
        lock = self._loading.setdefault(key, anyio.Lock())
        try:
            async with lock:  # the first caller reads; the others find its answer cached
                found = self.cache.get(key)
                if found is None:
                    found = await load()
                    self.cache.put(key, found)
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._loading.pop(key, None)
        return found

    async def groups(self, ctx: ServerRequestContext[Any]) -> list[Named]:
        """The Scrum groups the credential can see, by id.

        Raises:
            ReadFailedError: the portal refused the list.
        """

        async def load() -> list[Named]:
            args = {"select": ["ID", "NAME", "TYPE", "SCRUM_MASTER_ID"], "limit": MAX_ITEMS}
            answer = await self.reads.call(ctx, "workgroup_list", args)
            scrums = [
                Named(int(g["id"]), str(g.get("name", "")))
                for g in _items(answer)
                if g.get("type") == "scrum" or g.get("scrumMasterId") not in (None, "", "0")
            ]
            return sorted(scrums, key=lambda g: g.id)

        return await self._cached(ctx, ("groups",), load)

    async def sprints(
        self, ctx: ServerRequestContext[Any], group: int | None, status: str | None = None
    ) -> list[Named]:
        """The sprints of `group` (of every group the credential sees when None), newest
        first; only those with `status` (active, planned, completed) when given.

        Raises:
            ReadFailedError: the portal refused the list.
        """

        async def load() -> list[Named]:
            args: dict[str, Any] = {"order": {"ID": "desc"}, "limit": MAX_ITEMS}
            only = {"GROUP_ID": group, "STATUS": status}
            if any(v is not None for v in only.values()):
                args["filter"] = {k: v for k, v in only.items() if v is not None}
            answer = await self.reads.call(ctx, "sprint_list", args)
            return [
                Named(
                    int(s["id"]),
                    str(s.get("name", "")),
                    str(s.get("status", "")),
                    int(s.get("groupId") or 0),
                )
                for s in _items(answer)
            ]

        return await self._cached(ctx, ("sprints", group, status), load)

    async def columns(self, ctx: ServerRequestContext[Any], sprint: int) -> list[Named]:
        """The columns of a sprint's board, left to right.

        Raises:
            ReadFailedError: the portal refused the list (not a sprint, no access).
        """

        async def load() -> list[Named]:
            answer = await self.reads.call(ctx, "kanban_get_stages", {"sprintId": sprint})
            return [
                Named(int(c["id"]), str(c.get("name", "")), str(c.get("type", "")))
                for c in _items(answer)
            ]

        return await self._cached(ctx, ("columns", sprint), load)
