"""Serving over stdio (one client, the usual local set-up) or streamable HTTP (a team server).

HTTP runs stateless (no session affinity), so replicas can sit behind any load balancer.
Off loopback it refuses to start without `MCP_HTTP_TOKEN`; requests then need
`Authorization: Bearer <token>`, and a browser `Origin` that is not allowed gets 403
(MCP spec, streamable HTTP security). `/healthz` answers load-balancer probes.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio

from server.config import ConfigError, Settings, is_loopback
from server.portal import open_client, sandbox_client
from tools import UnknownToolsetError, select
from tools.spec import ToolSpec

LOOPBACK_ORIGINS = ("http://127.0.0.1", "http://localhost", "http://[::1]")


def selected_specs(settings: Settings) -> tuple[ToolSpec, ...]:
    try:
        return select(settings.toolsets, read_only=settings.read_only)
    except UnknownToolsetError as exc:
        raise ConfigError(str(exc)) from None


def serve(settings: Settings, *, transport: str, host: str, port: int) -> int:
    specs = selected_specs(settings)
    settings.require_portal()
    if transport == "stdio":
        anyio.run(_serve_stdio, settings, specs)
        return 0
    import uvicorn

    token = os.environ.get("MCP_HTTP_TOKEN") or None
    app = build_http_app(settings, specs, host=host, token=token)
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower())
    return 0


async def _serve_stdio(settings: Settings, specs: Sequence[ToolSpec]) -> None:
    from mcp.server.stdio import stdio_server

    from server.app import create_server

    async with open_client(settings) as client:
        server = create_server(client, specs)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


def _allowed_origins() -> tuple[str, ...]:
    extra = os.environ.get("MCP_ALLOWED_ORIGINS", "")
    return LOOPBACK_ORIGINS + tuple(o.strip().rstrip("/") for o in extra.split(",") if o.strip())


def _origin_allowed(origin: str, allowed: Sequence[str]) -> bool:
    origin = origin.rstrip("/")
    for candidate in allowed:
        if origin == candidate or origin.startswith(candidate + ":"):
            return True
    return False


class Guard:
    """ASGI middleware: health endpoint, Origin check (403), bearer token check (401)."""

    def __init__(self, app: Any, *, token: str | None, allowed_origins: Sequence[str]) -> None:
        self.app = app
        self.token = token
        self.allowed_origins = allowed_origins

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/healthz":
            await _respond(send, 200, {"status": "ok"})
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin and not _origin_allowed(origin, self.allowed_origins):
            await _respond(
                send, 403, {"error": "forbidden", "error_description": "Origin not allowed"}
            )
            return
        if self.token is not None:
            given = headers.get("authorization", "")
            expected = f"Bearer {self.token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                await _respond(
                    send,
                    401,
                    {"error": "unauthorized", "error_description": "missing or wrong bearer token"},
                    extra=[(b"www-authenticate", b'Bearer realm="bitrix24-scrum-mcp"')],
                )
                return
        await self.app(scope, receive, send)


async def _respond(
    send: Any, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": payload})


def build_http_app(
    settings: Settings, specs: Sequence[ToolSpec], *, host: str, token: str | None
) -> Any:
    """The ASGI app for `serve --transport http`; refuses a public bind without a token."""
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from server.app import create_server
    from server.client import Bitrix24Client

    if not is_loopback(host) and not token:
        raise ConfigError(
            f"refusing to serve HTTP on {host} without authentication: set MCP_HTTP_TOKEN "
            "(clients then send 'Authorization: Bearer <token>'), or bind to 127.0.0.1"
        )
    settings.require_portal()
    if settings.sandbox:
        client = sandbox_client(settings)
    else:
        assert settings.portal is not None
        client = Bitrix24Client(settings.portal, settings.limits)
    server = create_server(client, specs)
    mcp_app = server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        host=host,
        # Origin is checked by Guard for every bind address; Host checks would break
        # replicas behind a load balancer that forwards other Host names.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with server.session_manager.run():
            try:
                yield
            finally:
                await client.aclose()

    app = Starlette(routes=[Mount("/", app=mcp_app)], lifespan=lifespan)
    return Guard(app, token=token, allowed_origins=_allowed_origins())
