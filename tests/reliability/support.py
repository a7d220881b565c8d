"""Helpers for the reliability tests: a portal with async handlers, a closed port, a tee.

`tests.standin` answers from a synchronous handler on the server's event loop, which is
right for "answer X" but cannot be slow without stalling every other connection, and it
does not record query strings. `AsyncPortal` is the same idea with an async handler: a slow
answer waits without blocking the loop, so every request is recorded the moment it
arrives, and the OAuth token endpoint's query (grant_type, refresh_token...) is visible.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp.client._transport import Transport, TransportStreams
from mcp.shared.message import SessionMessage
from pydantic_core import to_json
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.loopback import serving


@dataclass
class Req:
    method: str  # REST method (last path segment), or "token" for /oauth/token/
    path: str
    query: dict[str, str]
    body: Any


AsyncHandler = Callable[[Req], Awaitable[Response]]


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status_code=status, media_type="application/json")


async def _default(_req: Req) -> Response:
    return json_response({"result": True})


@dataclass
class AsyncPortal:
    port: int
    requests: list[Req] = field(default_factory=list[Req])
    handler: AsyncHandler = _default

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def webhook_url(self, code: str = "asyncp0rtalc0de42") -> str:
        return f"{self.origin}/rest/1/{code}/"

    def rest_requests(self) -> list[Req]:
        return [r for r in self.requests if r.path.startswith("/rest/")]

    def token_requests(self) -> list[Req]:
        return [r for r in self.requests if r.path.startswith("/oauth/")]


def _app(portal: AsyncPortal) -> Starlette:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("latin-1")
        path = request.url.path
        name = "token" if path.startswith("/oauth/") else path.rstrip("/").rsplit("/", 1)[-1]
        req = Req(name, path, dict(request.query_params), body)
        portal.requests.append(req)
        return await portal.handler(req)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


@contextmanager
def running_async_portal() -> Generator[AsyncPortal, None, None]:
    portal = AsyncPortal(port=0)
    with serving(_app(portal)) as port:
        portal.port = port
        yield portal


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused before anything is sent."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


class Tee:
    """Wrap a transport and keep the JSON of every message the server sent us."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.received: list[str] = []

    @asynccontextmanager
    async def _open(self) -> AsyncGenerator[TransportStreams, None]:
        async with self.inner as (read, write):
            send, receive = anyio.create_memory_object_stream[SessionMessage | Exception](100)

            async def pump() -> None:
                async with send:
                    async for item in read:
                        if isinstance(item, SessionMessage):
                            self.received.append(to_json(item.message).decode())
                        else:
                            self.received.append(repr(item))
                        await send.send(item)

            async with anyio.create_task_group() as tg:
                tg.start_soon(pump)
                try:
                    yield receive, write
                finally:
                    tg.cancel_scope.cancel()

    async def __aenter__(self) -> TransportStreams:
        self._cm = self._open()
        return await self._cm.__aenter__()

    async def __aexit__(self, *exc: Any) -> bool | None:
        return await self._cm.__aexit__(*exc)


@dataclass
class HangUp:
    """A loopback server that reads each request and closes without a single byte back."""

    port: int
    received: list[bytes] = field(default_factory=list[bytes])


@contextmanager
def hang_up_server() -> Generator[HangUp, None, None]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    state = HangUp(port=listener.getsockname()[1])

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # listener closed: test over
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                if data:
                    state.received.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(timeout=5)


def hypothesis_jsonschema_compat() -> None:
    """Let hypothesis-jsonschema 0.23 run on Hypothesis versions whose `many` has no `more()`.

    hypothesis-jsonschema drives Hypothesis's private `conjecture.utils.many` with the old
    `while elements.more():` protocol; newer Hypothesis only offers `with many(...) as e:
    for _ in e:`. This adapter speaks the old protocol through the new one. It changes
    nothing when the installed Hypothesis still has `more()`.
    """
    from hypothesis.internal.conjecture import utils as cu

    if hasattr(cu.many, "more"):
        return
    import hypothesis_jsonschema._from_schema as from_schema_module

    new_many = cu.many

    class LegacyMany:
        def __init__(self, data: Any, **sizes: Any) -> None:
            self._many = new_many(data, **sizes)
            self._many.__enter__()
            self._elements = iter(self._many)

        def more(self) -> bool:
            try:
                next(self._elements)
            except StopIteration:
                self._many.__exit__(None, None, None)
                return False
            return True

        def reject(self, why: str | None = None) -> None:
            self._many.reject(why)

    class CompatUtils:
        many = LegacyMany

    from_schema_module.cu = CompatUtils  # pyright: ignore[reportPrivateImportUsage]  (a shim for the older API)


SPRINT_FIELDS: dict[str, Any] = {
    "groupId": 1,
    "name": "Sprint 1",
    "dateStart": "2024-09-09T00:00:00+03:00",
    "dateEnd": "2024-09-23T00:00:00+03:00",
    "status": "planned",
    "createdBy": 1,
}
"""A complete, valid `sprint_add` fields object (tests write with it). It names its creator,
so the body sent is exactly this (without it the server first fills the acting user in)."""
