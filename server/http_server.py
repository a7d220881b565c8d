# pyright: strict
"""The HTTP server under `serve --transport http`: uvicorn, with limits against slow clients.

uvicorn (0.54) bounds an idle keep-alive connection (`timeout_keep_alive`) but not one that
never finishes its request line and headers, and it accepts connections until the process
runs out of file descriptors; then asyncio logs a full traceback for every failed
`accept()`, up to `backlog` times a second (issue 17.2: 114 MB of them in 30 s). So:

- **Header timeout.** A connection must deliver a complete request head within
  `header_timeout_s` of connecting, or of the first byte of its next request on a kept-alive
  connection; otherwise it gets `408` and is closed. The bearer check runs only once the
  headers are in, so without this anyone could hold connections open without a token.
- **Connection cap.** At most `max_connections` are open. One more evicts the oldest
  connection that is still waiting for (or between) requests, so slow clients cannot crowd
  out real ones; if every connection is busy with a request, the newcomer gets `503`.
- **Accept errors.** Running out of descriptors is logged as one line at most every
  `LOG_EVERY_S` seconds, with the count since, instead of a traceback per attempt.

The body of a request is bounded by `MCP_MAX_MESSAGE_BYTES` (the SDK answers 413); its
arrival time, TLS and per-IP limits are a reverse proxy's job (README, "Serving over HTTP").
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import time
from typing import Any, ClassVar, cast

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

logger = logging.getLogger(__name__)

LOG_EVERY_S = 10.0
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_FULL = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class Throttled:
    """A warning logged at most once per `every_s` seconds, saying how often it happened."""

    def __init__(self, every_s: float = LOG_EVERY_S) -> None:
        self.every_s = every_s
        self._last = -float("inf")
        self._since = 0

    def warning(self, message: str) -> None:
        self._since += 1
        now = time.monotonic()
        if now - self._last < self.every_s:
            return
        times = f" ({self._since} times in the last {self.every_s:g}s)" if self._since > 1 else ""
        logger.warning("%s%s", message, times)
        self._last, self._since = now, 0


_ACCEPT_FAILED = Throttled()
_SLOW_HEADERS = Throttled()
_EVICTED = Throttled()


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header timeout and a cap on open connections."""

    header_timeout_s: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 1000

    _header_timer: asyncio.TimerHandle | None = None
    _opened: float = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        self._opened = time.monotonic()
        self._header_timer = None
        self._expect_headers()
        if len(self.connections) > self.max_connections:
            self._make_room()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # a request head has begun, not ended
            self._expect_headers()
        else:
            self._headers_in()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_in()
        super().connection_lost(exc)

    def opened_at(self) -> float:
        return self._opened

    @property
    def waiting_for_a_request(self) -> bool:
        """Idle or part-way through a request head: nothing of ours would be lost."""
        cycle = cast("RequestResponseCycle | None", self.cycle)  # None before a request
        idle = cycle is None or cycle.response_complete
        return idle and self.conn.their_state is h11.IDLE

    def _expect_headers(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _headers_in(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.waiting_for_a_request and not self.transport.is_closing():
            _SLOW_HEADERS.warning(
                f"closed a connection that sent no complete request head within "
                f"{self.header_timeout_s:g}s (MCP_HTTP_HEADER_TIMEOUT)"
            )
            self.transport.write(_TIMED_OUT)
            self.transport.close()

    def _make_room(self) -> None:
        idle: list[LimitedH11Protocol] = []
        for other in cast("set[object]", self.connections):
            if isinstance(other, LimitedH11Protocol) and other is not self:
                if other.waiting_for_a_request and not other.transport.is_closing():
                    idle.append(other)
        if idle:
            oldest = min(idle, key=LimitedH11Protocol.opened_at)
            _EVICTED.warning(
                f"more than {self.max_connections} connections (MCP_HTTP_MAX_CONNECTIONS): "
                "closed the oldest one that was not in a request"
            )
            oldest.transport.close()
        else:
            _EVICTED.warning(
                f"more than {self.max_connections} connections, all in a request "
                "(MCP_HTTP_MAX_CONNECTIONS): refused a new one with 503"
            )
            self.transport.write(_FULL)
            self.transport.close()


_REPEATS: dict[tuple[str, str], float] = {}


def _loop_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's handler, throttled: `accept()` out of descriptors is one line every
    `LOG_EVERY_S`, and any other error repeated within that time is logged once.

    asyncio retries a failed `accept()` up to `backlog` times per wake-up and schedules a
    restart for each failure; those restarts fail again at shutdown. Each was a traceback.
    """
    exc = context.get("exception")
    if isinstance(exc, OSError) and exc.errno in _OUT_OF_RESOURCES:
        _ACCEPT_FAILED.warning(
            f"cannot accept connections: {exc.strerror}; lower MCP_HTTP_MAX_CONNECTIONS "
            "or raise the process's file limit (ulimit -n)"
        )
        return
    key = (str(context.get("message", ""))[:80], type(exc).__name__)
    now = time.monotonic()
    if now - _REPEATS.get(key, -LOG_EVERY_S) < LOG_EVERY_S:
        return
    _REPEATS[key] = now
    loop.default_exception_handler(context)


class LimitedServer(uvicorn.Server):
    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().set_exception_handler(_loop_errors)
        await super().serve(sockets)


def limited_server(
    app: ASGIApp,
    *,
    host: str,
    port: int,
    header_timeout_s: float,
    keepalive_timeout_s: float,
    max_connections: int,
    log_level: str,
) -> LimitedServer:
    """A uvicorn server for `app` with these limits; `.run()` serves until interrupted."""
    protocol = type(
        "LimitedH11Protocol",
        (LimitedH11Protocol,),
        {"header_timeout_s": header_timeout_s, "max_connections": max_connections},
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        timeout_keep_alive=max(1, round(keepalive_timeout_s)),
        log_config=None,  # uvicorn's loggers propagate to our (redacting) stderr handler
        log_level=log_level.lower(),
    )
    return LimitedServer(config)
