"""The one place a REST client is made: for a real portal, or for the embedded sandbox.

stdio, HTTP and `doctor` all get their client here, from a portal, the limits (pacing
included: `BITRIX24_RATE_LIMIT=off` turns it off) and the network settings, so a team server
can make one per person's identity the same way. A real portal is reached through
`PortalTransport`: the configured trust (`BITRIX24_CA_BUNDLE`), and the proxy the
environment names for each host, never for loopback. With `Sandbox` the emulator runs
in-process behind httpx2's ASGI transport: the client sends byte for byte the requests it
would send to a real portal, over no socket.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx2

from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Limits, Portal, Sandbox, Secret, Team, Webhook
from bitrix24_scrum_mcp.connections import PortalTransport
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.network import Network
from bitrix24_scrum_mcp.oauth import TokenSource
from bitrix24_scrum_mcp.pacing import PortalBudget

if TYPE_CHECKING:  # the sandbox is imported only when a sandbox is asked for
    from bitrix24_scrum_mcp.sandbox import Portal as Emulator

SANDBOX_ORIGIN = "http://127.0.0.1"


def build_client(
    portal: Portal,
    limits: Limits,
    network: Network | None = None,
    *,
    pacer: PortalBudget | None = None,
    tokens: TokenSource | None = None,
) -> Bitrix24Client:
    """A client for `portal` (pass `Settings.network`); it opens no connection until its first
    call. Without `network`: the system's certificates, no proxy, https only.

    A team server passes the pacer of the person's portal and, for a signed-in person,
    their tokens (see `Bitrix24Client`).

    Raises:
        ConfigError: `Team`, which is not one identity: a team server builds a client per
            person, and only over HTTP.
    """
    if isinstance(portal, Team):
        raise ConfigError(
            "MCP_HTTP_TOKENS_FILE or MCP_PUBLIC_URL makes a team server, where each person "
            "acts as themselves: run it with `serve --transport http`"
        )
    if isinstance(portal, Sandbox):
        return _sandbox_client(portal, limits)
    transport = PortalTransport(network or Network())
    return Bitrix24Client(portal, limits, transport=transport, pacer=pacer, tokens=tokens)


@asynccontextmanager
async def open_client(
    portal: Portal, limits: Limits, network: Network | None = None
) -> AsyncGenerator[Bitrix24Client, None]:
    """`build_client`, closed when the block ends."""
    client = build_client(portal, limits, network)
    try:
        yield client
    finally:
        await client.aclose()


def _sandbox_client(sandbox: Sandbox, limits: Limits) -> Bitrix24Client:
    """A client wired to a freshly seeded in-process sandbox (imported only when asked for)."""
    from bitrix24_scrum_mcp.sandbox import Portal

    return in_process_client(Portal(db_path=sandbox.db_path or ":memory:", seed=True), limits)


def in_process_client(emulator: Emulator, limits: Limits) -> Bitrix24Client:
    """A client for an existing sandbox portal (`sandbox.Portal`), through an app of its own
    with no faults: the sandbox's board reads the portal this way without spending the
    request budget of the agent it shows at work."""
    from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, DEMO_WEBHOOK_CODE, FaultConfig, create_app

    app = create_app(emulator, faults=FaultConfig())
    webhook = Webhook(SANDBOX_ORIGIN, DEMO_USER_ID, Secret(DEMO_WEBHOOK_CODE))
    return Bitrix24Client(webhook, limits, transport=httpx2.ASGITransport(app=app))
