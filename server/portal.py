"""The one place a REST client is made: for a real portal, or for the embedded sandbox.

stdio, HTTP and `doctor` all get their client here, from a portal and the limits, so a
team server can make one per person's identity the same way. With `Sandbox` the emulator
runs in-process behind httpx2's ASGI transport: the client sends byte for byte the requests
it would send to a real portal, over no socket.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

import httpx2

from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Limits, Portal, Sandbox, Secret, Webhook

SANDBOX_ORIGIN = "http://127.0.0.1"


def build_client(portal: Portal, limits: Limits) -> Bitrix24Client:
    """A client for `portal`; it opens no connection until its first call."""
    if isinstance(portal, Sandbox):
        return _sandbox_client(portal, limits)
    return Bitrix24Client(portal, limits)


@asynccontextmanager
async def open_client(portal: Portal, limits: Limits) -> AsyncGenerator[Bitrix24Client, None]:
    """`build_client`, closed when the block ends."""
    client = build_client(portal, limits)
    try:
        yield client
    finally:
        await client.aclose()


def _sandbox_client(sandbox: Sandbox, limits: Limits) -> Bitrix24Client:
    """A client wired to a freshly seeded in-process sandbox (imported only when asked for)."""
    from bitrix24_scrum_mcp.sandbox import (
        DEMO_USER_ID,
        DEMO_WEBHOOK_CODE,
        FaultConfig,
        create_app,
    )
    from bitrix24_scrum_mcp.sandbox import Portal as Emulator

    app = create_app(
        Emulator(db_path=sandbox.db_path or ":memory:", seed=True), faults=FaultConfig()
    )
    webhook = Webhook(SANDBOX_ORIGIN, DEMO_USER_ID, Secret(DEMO_WEBHOOK_CODE))
    return Bitrix24Client(webhook, limits, transport=httpx2.ASGITransport(app=app))
