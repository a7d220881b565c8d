# pyright: strict
"""`serve()`: run the sandbox portal over loopback HTTP with uvicorn (for the CLI and demos)."""

from __future__ import annotations

import ipaddress
import logging
import sys

import uvicorn

from bitrix24_scrum_mcp.sandbox.app import create_app
from bitrix24_scrum_mcp.sandbox.faults import FaultConfig
from bitrix24_scrum_mcp.sandbox.portal import Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_USER_ID, DEMO_WEBHOOK_CODE


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url(host: str, port: int) -> str:
    """The demo webhook's base URL, as a client configures it."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    db_path: str | None = None,
    faults: FaultConfig | None = None,
) -> None:
    """Serve the demo portal until interrupted. Prints only the webhook URL to stdout.

    Raises: ValueError for a host that is not a loopback address (the sandbox has no auth
    worth the name and must never listen on a network interface).
    """
    if not _is_loopback(host):
        raise ValueError(f"the sandbox only listens on loopback, not {host!r}")
    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    portal = Portal(db_path or ":memory:", seed=True)
    app = create_app(portal, faults=faults if faults is not None else FaultConfig())
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False)
    server = uvicorn.Server(config)
    print(webhook_url(host, port), flush=True)
    server.run()
