"""The sandbox portal served over real loopback HTTP, for tests of the real REST client."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from sandbox import FaultConfig, Portal, create_app, webhook_url


@dataclass
class LiveSandbox:
    portal: Portal
    faults: FaultConfig
    webhook_url: str


@contextmanager
def running_sandbox(
    *, faults: FaultConfig | None = None, db_path: str = ":memory:"
) -> Iterator[LiveSandbox]:
    portal = Portal(db_path, seed=True)
    faults = faults or FaultConfig()
    sock = socket.socket(
        socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )  # lets asyncio set TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until uvicorn accepts
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(portal, faults=faults), log_level="critical", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield LiveSandbox(portal, faults, webhook_url("127.0.0.1", port))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
