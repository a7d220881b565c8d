# pyright: strict
"""Who a tool call is for, and whether they still wait for its answer.

The REST client needs both when it is about to use the portal's budget: the caller's key
for a fair turn (`pacing.PortalBudget`), and whether the caller has gone, in which case
the request is not sent and its slot goes back. Both belong to the tool call, not to the
client, so they travel in a context variable that `attending` sets for one call.

Over stdio (and in-process) there is one MCP client, and a cancelled call is cancelled by
the SDK itself (`notifications/cancelled`). Over stateless HTTP the SDK never cancels a
handler whose client disconnected (notes: sdk.md §8), so `attending` watches the request
and cancels the call when its client has gone.

The key of an HTTP caller, in order: the authenticated person (`scope["user"]`, which the
SDK's OAuth middleware sets, and so may a team server that maps tokens to people); an MCP
session id; the TCP connection. A shared `MCP_HTTP_TOKEN` names no person, so there the
connection is the caller. Keys are hashed: they are compared, never shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import anyio

WATCH_EVERY_S = 0.25
"""How often a waiting HTTP call checks that its client is still connected."""


async def _present() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Caller:
    key: str = "local"
    gone: Callable[[], Awaitable[bool]] = _present
    """True once the client will never read the answer."""


LOCAL = Caller()
"""The one caller of a stdio or in-process server."""
_CURRENT: ContextVar[Caller] = ContextVar("bitrix24_caller", default=LOCAL)


def current() -> Caller:
    """The caller of the tool call running in this task (a default one outside calls)."""
    return _CURRENT.get()


@contextmanager
def acting_as(person: str) -> Generator[None]:
    """Within the block, the current call is `person`'s (a team server knows who is calling
    better than the connection does): their key, the same client-gone check."""
    token = _CURRENT.set(Caller(opaque(f"person:{person}"), _CURRENT.get().gone))
    try:
        yield
    finally:
        _CURRENT.reset(token)


class HttpRequest(Protocol):
    """What is used of a starlette `Request` (the SDK's `ctx.request` over HTTP)."""

    @property
    def scope(self) -> Any: ...

    async def is_disconnected(self) -> bool: ...


def opaque(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def http_caller(request: HttpRequest) -> Caller:
    scope: dict[str, Any] = request.scope
    user = scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        raw = f"user:{user.identity}"
    elif session := _header(scope, b"mcp-session-id"):
        raw = f"session:{session}"
    else:
        client = scope.get("client") or ("?", 0)
        raw = f"connection:{client[0]}:{client[1]}"
    return Caller(opaque(raw), request.is_disconnected)


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


@dataclass(slots=True)
class Attendance:
    """What `attending` saw: whether the client left before the call was done."""

    client_left: bool = False


@asynccontextmanager
async def attending(request: HttpRequest | None) -> AsyncGenerator[Attendance, None]:
    """Run one tool call for the caller of `request` (None: stdio or in-process).

    Over HTTP the block is cancelled when the client disconnects, and the yielded
    `Attendance` says so afterwards. An exception leaving the block over HTTP comes out of
    a task group, wrapped in an `ExceptionGroup`: raise protocol errors after the block.
    """
    seen = Attendance()
    if request is None:  # stdio, in-process: the SDK cancels what its client cancels
        yield seen
        return
    caller = http_caller(request)
    token = _CURRENT.set(caller)
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(_watch, caller, group.cancel_scope, seen)
            try:
                yield seen
            finally:
                group.cancel_scope.cancel()  # the call is over: stop watching
    finally:
        _CURRENT.reset(token)


async def _watch(caller: Caller, scope: anyio.CancelScope, seen: Attendance) -> None:
    while not await caller.gone():
        await anyio.sleep(WATCH_EVERY_S)
    seen.client_left = True
    scope.cancel()
