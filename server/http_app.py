"""Serving streamable HTTP (a team server), in three steps: settings, app, server.

`HttpSettings` holds how the server listens and whom it lets in, and refuses at start-up
to expose a server off loopback without `MCP_HTTP_TOKEN`. `build_http_app` assembles the
MCP endpoint at `/mcp` behind the `Guard` (per-request checks, `http_guard`). `serve_http`
runs it with uvicorn. HTTP runs stateless (no session affinity), so replicas can sit behind
any load balancer. Server limits (header and keep-alive timeouts, connection caps) belong in
`HttpSettings` and are handed to uvicorn in `serve_http` (`http_server.py`).
"""

from __future__ import annotations

import math
import resource
import sys
from collections import Counter
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field, TypeAdapter
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.config import Secret, Settings, is_loopback
from bitrix24_scrum_mcp.env import ConfigError, Env, shown
from bitrix24_scrum_mcp.http_guard import HEALTH_PATH, Guard
from bitrix24_scrum_mcp.http_server import LimitedServer, limited_server
from bitrix24_scrum_mcp.portal import build_client

if TYPE_CHECKING:
    from bitrix24_scrum_mcp.team.settings import TeamSettings

MCP_PATH = "/mcp"
MIN_TOKEN_LENGTH = 16
MIN_TOKEN_BITS = 64
DEFAULT_HEADER_TIMEOUT_S = 10.0
DEFAULT_KEEPALIVE_TIMEOUT_S = 5  # uvicorn's own default
MAX_CONNECTIONS_CEILING = 1000
_SECONDS = TypeAdapter(Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)])
_WHOLE_SECONDS = TypeAdapter(Annotated[int, Field(ge=1, le=3600)])
_CONNECTIONS = TypeAdapter(Annotated[int, Field(ge=8)])
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
    per_person: bool = False  # a team server: each person has a token of their own
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S
    keepalive_timeout_s: int = DEFAULT_KEEPALIVE_TIMEOUT_S
    max_connections: int = field(default_factory=lambda: default_max_connections())

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"--port must be between 1 and 65535 (got {self.port})")
        if self.per_person:
            if self.token is not None:
                raise ConfigError(
                    "MCP_HTTP_TOKEN would let anyone holding it act as nobody in particular on "
                    "a team server, where each person has their own token: unset it"
                )
            return
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
        if (bits := token_bits(self.token.reveal())) < MIN_TOKEN_BITS:
            raise ConfigError(
                f"MCP_HTTP_TOKEN is too easy to guess to expose on {self.host}: its characters "
                f"repeat or follow a pattern (about {bits:.0f} bits of randomness; at least "
                f"{MIN_TOKEN_BITS} are needed). Make a random one with {TOKEN_HELP}"
            )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], *, host: str, port: int, per_person: bool = False
    ) -> HttpSettings:
        """`MCP_HTTP_TOKEN`, `MCP_ALLOWED_ORIGINS`, `MCP_ALLOWED_HOSTS` and the server limits
        `MCP_HTTP_HEADER_TIMEOUT`, `MCP_HTTP_KEEPALIVE_TIMEOUT`, `MCP_HTTP_MAX_CONNECTIONS`;
        host and port are flags; `per_person` for a team server."""
        env = Env(environ)
        token = env.text("MCP_HTTP_TOKEN")
        return cls(
            host=host,
            port=port,
            token=Secret(token) if token else None,
            allowed_origins=LOOPBACK_ORIGINS + _origins(env, "MCP_ALLOWED_ORIGINS"),
            allowed_hosts=LOOPBACK_NAMES + _hosts(env, "MCP_ALLOWED_HOSTS"),
            per_person=per_person,
            header_timeout_s=env.parse("MCP_HTTP_HEADER_TIMEOUT", _SECONDS, "seconds, > 0")
            or DEFAULT_HEADER_TIMEOUT_S,
            keepalive_timeout_s=env.parse(
                "MCP_HTTP_KEEPALIVE_TIMEOUT", _WHOLE_SECONDS, "whole seconds, at least 1"
            )
            or DEFAULT_KEEPALIVE_TIMEOUT_S,
            max_connections=env.parse(
                "MCP_HTTP_MAX_CONNECTIONS", _CONNECTIONS, "a number of connections, at least 8"
            )
            or default_max_connections(),
        )


def default_max_connections() -> int:
    """Half the process's file descriptor limit, at most 1000: the other half is left for
    connections to the portal, log files and the interpreter, so `accept()` never runs out."""
    try:
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return MAX_CONNECTIONS_CEILING
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS_CEILING
    return max(8, min(MAX_CONNECTIONS_CEILING, soft // 2))


def token_bits(token: str) -> float:
    """An estimate of a token's randomness: its length times the Shannon entropy of its
    characters. `aaaaaaaaaaaaaaaa` has 0 bits, `abababababababab` 16, a
    `secrets.token_urlsafe(32)` token about 200. It cannot see every pattern (a word list
    or a keyboard walk), but it refuses the tokens people type."""
    if not token:
        return 0.0
    counts = Counter(token)
    per_char = -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())
    return per_char * len(token)


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


def build_http_app(
    settings: Settings, http: HttpSettings, team: TeamSettings | None = None
) -> ASGIApp:
    """The ASGI app: the MCP endpoint behind the Guard; its lifespan owns the REST client.

    A team server (per-person identity, shared state or an audit log) is `team.app`'s.
    """
    if team is not None and team.needs_team_app:
        from bitrix24_scrum_mcp.team.app import build_team_app

        return build_team_app(
            settings,
            team,
            host=http.host,
            token=http.token,
            allowed_origins=http.allowed_origins,
            allowed_hosts=http.allowed_hosts,
        )
    client = build_client(settings.portal, settings.limits, settings.network)
    server = create_server(
        client, settings.tools(), reserve=settings.reserve(), confirm=settings.confirm
    )
    mcp_app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        # Plain JSON answers, unless tools can change: a list_changed notification then
        # rides the enabling call's answer as an event stream (and subscriptions/listen is
        # one), which JSON cannot carry.
        json_response=not settings.dynamic_toolsets,
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


def serve_http(settings: Settings, http: HttpSettings, team: TeamSettings | None = None) -> int:
    """Serve until interrupted; uvicorn logs through our (redacting) stderr handler."""
    app = build_http_app(settings, http, team)
    shown_host = f"[{http.host}]" if ":" in http.host else http.host
    if team is not None and team.per_person:
        access = team.describe()
    else:
        access = "bearer token required" if http.token else "no token: loopback only"
    # stderr, not a logger: the address must show even at the default WARNING level.
    print(
        f"bitrix24-scrum-mcp: serving MCP on http://{shown_host}:{http.port}{MCP_PATH} "
        f"({access}; health check {HEALTH_PATH})",
        file=sys.stderr,
        flush=True,
    )
    http_server(app, http, settings.log_level).run()
    return 0


def http_server(app: ASGIApp, http: HttpSettings, log_level: str) -> LimitedServer:
    """uvicorn with this configuration's limits (`http_server.py`)."""
    return limited_server(
        app,
        host=http.host,
        port=http.port,
        header_timeout_s=http.header_timeout_s,
        keepalive_timeout_s=http.keepalive_timeout_s,
        max_connections=http.max_connections,
        log_level=log_level,
    )
