"""Serving over stdio (one client, the usual local set-up) or streamable HTTP (a team server).

HTTP runs stateless (no session affinity), so replicas can sit behind any load balancer.
Off loopback it refuses to start without `MCP_HTTP_TOKEN`; requests then need
`Authorization: Bearer <token>`, and a browser `Origin` that is not allowed gets 403
(MCP spec, streamable HTTP security). `/healthz` answers load-balancer probes.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

import anyio

from bitrix24_scrum_mcp.config import ConfigError, Settings, is_loopback
from bitrix24_scrum_mcp.portal import open_client, sandbox_client
from bitrix24_scrum_mcp.redact import REDACTOR
from bitrix24_scrum_mcp.tools import UnknownToolsetError, select
from bitrix24_scrum_mcp.tools.spec import ToolSpec

logger = logging.getLogger(__name__)

MCP_PATH = "/mcp"
HEALTH_PATH = "/healthz"
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
if TYPE_CHECKING:
    from anyio import AsyncFile

LOOPBACK_ORIGINS = tuple(
    f"{scheme}://{name}" for scheme in ("http", "https") for name in LOOPBACK_NAMES
)
TOKEN_HELP = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def selected_specs(settings: Settings) -> tuple[ToolSpec, ...]:
    try:
        return select(settings.toolsets, read_only=settings.read_only)
    except UnknownToolsetError as exc:
        raise ConfigError(str(exc)) from None


def http_token(env: Mapping[str, str]) -> str | None:
    """`MCP_HTTP_TOKEN`, registered with the redactor; None when unset or blank."""
    token = env.get("MCP_HTTP_TOKEN", "").strip()
    if not token:
        return None
    REDACTOR.add(token)
    return token


def serve(settings: Settings, *, transport: str, host: str, port: int) -> int:
    specs = selected_specs(settings)
    settings.require_portal()
    if transport == "stdio":
        anyio.run(_serve_stdio, settings, specs)
        return 0
    import uvicorn

    token = http_token(os.environ)
    app = build_http_app(settings, specs, host=host, token=token)
    shown_host = f"[{host}]" if ":" in host else host
    # stderr, not a logger: the address must show even at the default WARNING level.
    print(
        f"bitrix24-scrum-mcp: serving MCP on http://{shown_host}:{port}{MCP_PATH} "
        f"({'bearer token required' if token else 'no token: loopback only'}; "
        f"health check {HEALTH_PATH})",
        file=sys.stderr,
        flush=True,
    )
    # log_config=None: uvicorn's loggers propagate to our stderr handler, which redacts.
    uvicorn.run(app, host=host, port=port, log_config=None, log_level=settings.log_level.lower())
    return 0


async def _serve_stdio(settings: Settings, specs: Sequence[ToolSpec]) -> None:
    from mcp.server.stdio import stdio_server

    from bitrix24_scrum_mcp.app import create_server

    async with open_client(settings) as client:
        server = create_server(client, specs)
        pipes = await _event_loop_stdio()
        # stdio_server only iterates stdin's lines and calls stdout's write/flush, which is
        # all the pipe wrappers provide; without pipes it opens its own thread-backed files.
        stdin, stdout = pipes if pipes else (None, None)
        async with stdio_server(
            stdin=cast("AsyncFile[str] | None", stdin), stdout=cast("AsyncFile[str] | None", stdout)
        ) as (read, write):
            await server.run(read, write, server.create_initialization_options())


class _PipeLines:
    """stdin as async text lines, read by the event loop instead of a worker thread."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def __aiter__(self) -> _PipeLines:
        return self

    async def __anext__(self) -> str:
        line = await self._reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


class _PipeWriter:
    """stdout written by the event loop; flush() waits only when the pipe is full."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


async def _event_loop_stdio() -> tuple[_PipeLines, _PipeWriter] | None:
    """stdin/stdout as event-loop pipes, or None (SDK default) when either is not a pipe.

    The SDK's stdio_server reads and writes through anyio worker threads: three thread
    hand-offs a call. Like the SDK, fds 0/1 are moved aside so a stray print() from any
    library lands on stderr instead of corrupting the JSON-RPC stream.
    """
    import asyncio
    import stat
    import sys

    def is_pipe(fd: int) -> bool:
        mode = os.fstat(fd).st_mode
        return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)

    if os.name != "posix":  # Windows event loops differ in pipe support: keep the SDK's way
        return None
    try:
        if not (is_pipe(0) and is_pipe(1)):
            return None
        loop = asyncio.get_running_loop()
        in_fd, out_fd = os.dup(0), os.dup(1)
        os.dup2(2, 1)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdout = sys.stderr
        reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(in_fd, "rb", buffering=0)
        )
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(out_fd, "wb", buffering=0)
        )
        return _PipeLines(reader), _PipeWriter(
            asyncio.StreamWriter(transport, protocol, None, loop)
        )
    except (OSError, ValueError, NotImplementedError):
        return None


def _split_env_list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(v.strip().rstrip("/") for v in env.get(name, "").split(",") if v.strip())


def _origin_allowed(origin: str, allowed: Sequence[str]) -> bool:
    """Exact match, or a match with any port: `http://localhost` admits `http://localhost:3000`."""
    origin = origin.rstrip("/")
    return any(origin == c or origin.startswith(c + ":") for c in allowed)


def _host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """The Host header without its port must be one of `allowed` (names, not URLs)."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in allowed


class Guard:
    """ASGI middleware in front of the MCP app.

    - `/healthz`: 200 without auth, for load-balancer probes.
    - A browser `Origin` not in the allowed list: 403 (MCP spec, against DNS rebinding).
    - Without a token (loopback only), a `Host` that is not loopback: 421, as the SDK does,
      so a rebound DNS name cannot reach an unauthenticated server.
    - With a token, `Authorization: Bearer <token>` is required: 401 otherwise.
    """

    def __init__(
        self,
        app: Any,
        *,
        token: str | None,
        allowed_origins: Sequence[str],
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.allowed_origins = tuple(allowed_origins)
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == HEALTH_PATH:
            await _respond(send, 200, {"status": "ok"})
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin is not None and not _origin_allowed(origin, self.allowed_origins):
            logger.warning("refused a request with Origin %r (403)", origin[:100])
            await _respond(send, 403, _error("forbidden", "Origin not allowed"))
            return
        if self.token is None:
            if not _host_allowed(headers.get("host", ""), self.allowed_hosts):
                await _respond(send, 421, _error("misdirected_request", "Host not allowed"))
                return
        elif not self._authorized(headers.get("authorization", "")):
            await _respond(
                send,
                401,
                _error("unauthorized", "missing or wrong bearer token"),
                extra=[(b"www-authenticate", b'Bearer realm="bitrix24-scrum-mcp"')],
            )
            return
        await self.app(scope, receive, send)

    def _authorized(self, header: str) -> bool:
        scheme, _, credentials = header.strip().partition(" ")
        given = credentials.strip().encode("latin-1", errors="replace")
        assert self.token is not None
        # compare_digest on every request, whatever the scheme, so timing tells nothing.
        matches = hmac.compare_digest(given, self.token)
        return matches and scheme.lower() == "bearer"


def _error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": description}


async def _respond(
    send: Any, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": payload})


def build_http_app(
    settings: Settings,
    specs: Sequence[ToolSpec],
    *,
    host: str,
    token: str | None,
    env: Mapping[str, str] | None = None,
) -> Any:
    """The ASGI app for `serve --transport http`; refuses a public bind without a token.

    Raises:
        ConfigError: no portal, or a non-loopback `host` without a token of 16+ characters.
    """
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from bitrix24_scrum_mcp.app import create_server
    from bitrix24_scrum_mcp.client import Bitrix24Client

    env = os.environ if env is None else env
    if not is_loopback(host):
        if not token:
            raise ConfigError(
                f"refusing to serve HTTP on {host} without authentication: set MCP_HTTP_TOKEN "
                f"(e.g. from {TOKEN_HELP}); clients then send 'Authorization: Bearer <token>'. "
                "Or bind to 127.0.0.1."
            )
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"MCP_HTTP_TOKEN is too short to expose on {host}: use at least "
                f"{MIN_TOKEN_LENGTH} random characters, e.g. from {TOKEN_HELP}"
            )
    settings.require_portal()
    if settings.sandbox:
        client = sandbox_client(settings)
    else:
        assert settings.portal is not None
        client = Bitrix24Client(settings.portal, settings.limits)
    server = create_server(client, specs)
    mcp_app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        host=host,
        # Guard checks Origin on every bind address and Host when there is no token; the
        # SDK's own Host check would refuse the names a load balancer forwards.
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
    return Guard(
        app,
        token=token,
        allowed_origins=LOOPBACK_ORIGINS + _split_env_list(env, "MCP_ALLOWED_ORIGINS"),
        allowed_hosts=LOOPBACK_NAMES + _split_env_list(env, "MCP_ALLOWED_HOSTS"),
    )
