"""Serve an ASGI app on a loopback port from a background thread, for the duration of a block.

The socket is bound and listening before the thread starts, so a client may connect at
once: connections wait in the backlog until uvicorn accepts them, with no readiness polling.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import uvicorn


class _Server(uvicorn.Server):
    """uvicorn looks at `should_exit` every 0.1 s and then waits 0.1 s more; the suite stops
    hundreds of servers, so this one looks every 5 ms (renewing its once-a-second `Date`
    header more often) and stops at once."""

    async def main_loop(self) -> None:
        while not await self.on_tick(0):
            await asyncio.sleep(0.005)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's, without its fixed 0.1 s grace: the test that stops the server has had
        its answers; open keep-alive connections are closed at once."""
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        for server in self.servers:
            await server.wait_closed()


@contextmanager
def serving(app: Any, *, tls_key_and_chain: str | None = None) -> Generator[int, None, None]:
    """Yield the port `app` is served on at 127.0.0.1; stop the server afterwards.

    `tls_key_and_chain`: a PEM file with the private key and certificate chain to serve
    https with.
    """
    # proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say they are TCP, and with Nagle on every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    config = uvicorn.Config(
        app, log_level="critical", lifespan="off", ssl_certfile=tls_key_and_chain
    )
    config.load()  # here, not in the thread: a TLS file is read before this returns
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
