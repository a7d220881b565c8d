"""Open the REST client for the configured portal: a real one, or the embedded sandbox.

With `--sandbox` the emulator runs in-process behind httpx2's ASGI transport, so the
client sends byte-for-byte the requests it would send to a real portal, over no socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2

from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Secret, Settings, Webhook

SANDBOX_ORIGIN = "http://127.0.0.1"


def sandbox_client(settings: Settings) -> Bitrix24Client:
    """A client wired to an in-process sandbox portal (imported only when asked for)."""
    from bitrix24_scrum_mcp.sandbox import (
        DEMO_USER_ID,
        DEMO_WEBHOOK_CODE,
        FaultConfig,
        Portal,
        create_app,
    )

    portal = Portal(db_path=settings.sandbox_db or ":memory:", seed=True)
    app = create_app(portal, faults=FaultConfig())
    webhook = Webhook(SANDBOX_ORIGIN, DEMO_USER_ID, Secret(DEMO_WEBHOOK_CODE))
    return Bitrix24Client(webhook, settings.limits, transport=httpx2.ASGITransport(app=app))


@asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[Bitrix24Client]:
    settings.require_portal()
    if settings.sandbox:
        client = sandbox_client(settings)
    else:
        assert settings.portal is not None
        client = Bitrix24Client(settings.portal, settings.limits)
    try:
        yield client
    finally:
        await client.aclose()
