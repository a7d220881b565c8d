"""Serving streamable HTTP (a team server), in three steps: settings, app, server.

`HttpSettings` holds how the server listens and whom it lets in, and refuses at start-up
to expose a server off loopback without `MCP_HTTP_TOKEN`. `build_http_app` assembles the
MCP endpoint at `/mcp` behind the `Guard` (per-request checks, `http_guard`). `serve_http`
runs it with uvicorn. HTTP runs stateless (no session affinity), so replicas can sit behind
any load balancer. Server limits (header and keep-alive timeouts, connection caps) belong in
`HttpSettings` and are handed to uvicorn in `serve_http`.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.config import Secret, Settings, is_loopback
from bitrix24_scrum_mcp.env import ConfigError, Env, shown
from bitrix24_scrum_mcp.http_guard import HEALTH_PATH, Guard
from bitrix24_scrum_mcp.portal import build_client

MCP_PATH = "/mcp"
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
LOOPBACK_ORIGINS = tuple(
    f"{scheme}://{name}" for scheme in ("http", "https") for name in LOOPBACK_NAMES
)
TOKEN_HELP = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How `serve --transport http` listens and whom it lets in.

    Raises:
        ConfigError: a port outside 1-65535, or a host off loopback without a token of
            at least 16 characters.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: Secret | None = None
    allowed_origins: tuple[str, ...] = LOOPBACK_ORIGINS
    allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"--port must be between 1 and 65535 (got {self.port})")
        if is_loopback(self.host):
            return
        if self.token is None:
            raise ConfigError(
                f"refusing to serve HTTP on {self.host} without authentication: set "
                f"MCP_HTTP_TOKEN (e.g. from {TOKEN_HELP}); clients then send "
                "'Authorization: Bearer <token>'. Or bind to 127.0.0.1."
            )
        if len(self.token.reveal()) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"MCP_HTTP_TOKEN is too short to expose on {self.host}: use at least "
                f"{MIN_TOKEN_LENGTH} random characters, e.g. from {TOKEN_HELP}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, host: str, port: int) -> HttpSettings:
        """`MCP_HTTP_TOKEN`, `MCP_ALLOWED_ORIGINS` and `MCP_ALLOWED_HOSTS`; host/port are flags."""
        env = Env(environ)
        token = env.text("MCP_HTTP_TOKEN")
        return cls(
            host=host,
            port=port,
            token=Secret(token) if token else None,
            allowed_origins=LOOPBACK_ORIGINS + _origins(env, "MCP_ALLOWED_ORIGINS"),
            allowed_hosts=LOOPBACK_NAMES + _hosts(env, "MCP_ALLOWED_HOSTS"),
        )


def _items(env: Env, name: str) -> list[str]:
    return [v.strip().rstrip("/") for v in (env.text(name) or "").split(",") if v.strip()]


def _origins(env: Env, name: str) -> tuple[str, ...]:
    """Browser origins: scheme and host (and port), nothing else, as a browser sends them."""
    for origin in (items := _items(env, name)):
        try:
            parts = urlsplit(origin)
            _ = parts.port
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or (parts.path or parts.query or parts.fragment or parts.username)
        ):
            raise ConfigError(
                f"{name} must list origins like https://agents.example.com (scheme, host and "
                f"an optional port), separated by commas; {shown(origin)} is not one"
            )
    return tuple(items)


def _hosts(env: Env, name: str) -> tuple[str, ...]:
    """Host names as the Host header carries them, without the port."""
    for host in (items := _items(env, name)):
        bare = host.startswith("[") and host.endswith("]")  # an IPv6 address
        if not bare and any(c in host for c in ":/ @"):
            raise ConfigError(
                f"{name} must list host names like mcp.example.com (no scheme, port or path), "
                f"separated by commas; {shown(host)} is not one"
            )
    return tuple(items)


def build_http_app(settings: Settings, http: HttpSettings) -> ASGIApp:
    """The ASGI app: the MCP endpoint behind the Guard; its lifespan owns the REST client."""
    client = build_client(settings.portal, settings.limits, settings.network)
    server = create_server(client, settings.tools())
    mcp_app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        host=http.host,
        max_request_body_size=settings.max_message_bytes,
        # Guard checks Origin on every bind address and Host when there is no token; the
        # SDK's own Host check would refuse the names a load balancer forwards.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncGenerator[None, None]:
        # The client closes last, after the session manager has finished every call.
        async with aclosing(client), server.session_manager.run():
            yield

    app = Starlette(routes=[Mount("/", app=mcp_app)], lifespan=lifespan)
    return Guard(
        app,
        token=http.token,
        allowed_origins=http.allowed_origins,
        allowed_hosts=http.allowed_hosts,
    )


def serve_http(settings: Settings, http: HttpSettings) -> int:
    """Serve until interrupted; uvicorn logs through our (redacting) stderr handler."""
    import uvicorn

    app = build_http_app(settings, http)
    shown_host = f"[{http.host}]" if ":" in http.host else http.host
    # stderr, not a logger: the address must show even at the default WARNING level.
    print(
        f"bitrix24-scrum-mcp: serving MCP on http://{shown_host}:{http.port}{MCP_PATH} "
        f"({'bearer token required' if http.token else 'no token: loopback only'}; "
        f"health check {HEALTH_PATH})",
        file=sys.stderr,
        flush=True,
    )
    # log_config=None: uvicorn's loggers propagate to our stderr handler, which redacts.
    uvicorn.run(
        app, host=http.host, port=http.port, log_config=None, log_level=settings.log_level.lower()
    )
    return 0
