"""The per-request checks in front of the MCP app when serving streamable HTTP.

Only HTTP requests reach the app: a WebSocket handshake (or any other ASGI scope but the
lifespan) is refused before any check could be skipped. `/healthz` answers load-balancer
probes without auth. A browser `Origin` that is not
allowed gets 403 (MCP spec, streamable HTTP security, against DNS rebinding). Without a
token (loopback only) a `Host` that is not allowed gets 421, as the SDK does, so a rebound
DNS name cannot reach an unauthenticated server. With a token, `Authorization: Bearer
<token>` is required: 401 otherwise. Mapping a token to a person's identity (team server)
belongs in `_authorized`.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from bitrix24_scrum_mcp.config import Secret

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


Origin = tuple[str, str, int | None]
"""(scheme, host, port or None): an origin as compared, never as a string prefix."""


def parse_origin(origin: str) -> Origin | None:
    """`https://app.example.com:8443` -> ("https", "app.example.com", 8443); None if not one.

    A browser's Origin is scheme, host and optional port, nothing else: a user name
    (`http://localhost:@evil.com`), a port that is not a number (`http://localhost:80.evil.com`)
    or a path makes it no origin at all.
    """
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        return None
    return parts.scheme, parts.hostname, port


def origin_allowed(origin: str, allowed: Sequence[str]) -> bool:
    """Same scheme and host, and the same port unless the allowed entry names none:
    `http://localhost` admits `http://localhost:3000`, and nothing else on another host."""
    got = parse_origin(origin)
    if got is None:
        return False
    for entry in allowed:
        want = parse_origin(entry)
        if want is not None and want[:2] == got[:2] and want[2] in (None, got[2]):
            return True
    return False


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """The Host header without its port must be one of `allowed` (names, not URLs)."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in allowed


class Guard:
    """ASGI middleware: health probe, Origin, Host and bearer token, in that order."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: Secret | None,
        allowed_origins: Sequence[str],
        allowed_hosts: Sequence[str] | None = (),
    ) -> None:
        """`allowed_hosts=None`: the app behind authenticates every request itself (a team
        server), so no Host check is needed to keep rebound DNS names out."""
        self.app = app
        self.token = token.reveal().encode() if token else None
        self.allowed_origins = tuple(allowed_origins)
        hosts = allowed_hosts
        self.allowed_hosts = tuple(h.lower() for h in hosts) if hosts is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # start-up and shutdown, not a request
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # nothing is served over WebSocket (or anything else)
            await _refuse(scope, receive, send)
            return
        if scope["path"] == HEALTH_PATH:
            await _respond(send, 200, {"status": "ok"})
            return
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw_headers}
        origin = headers.get("origin")
        if origin is not None and not origin_allowed(origin, self.allowed_origins):
            logger.warning("refused a request with Origin %r (403)", origin[:100])
            await _respond(send, 403, _error("forbidden", "Origin not allowed"))
            return
        if self.token is None:
            hosts = self.allowed_hosts
            if hosts is not None and not host_allowed(headers.get("host", ""), hosts):
                await _respond(send, 421, _error("misdirected_request", "Host not allowed"))
                return
        elif not self._authorized(self.token, headers.get("authorization", "")):
            await _respond(
                send,
                401,
                _error("unauthorized", "missing or wrong bearer token"),
                extra=[(b"www-authenticate", b'Bearer realm="bitrix24-scrum-mcp"')],
            )
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _authorized(token: bytes, header: str) -> bool:
        scheme, _, credentials = header.strip().partition(" ")
        given = credentials.strip().encode("latin-1", errors="replace")
        # compare_digest on every request, whatever the scheme, so timing tells nothing.
        matches = hmac.compare_digest(given, token)
        return matches and scheme.lower() == "bearer"


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    """Turn away a scope that is not HTTP; a WebSocket handshake gets 403 (ASGI spec)."""
    logger.warning("refused a %s connection: only HTTP is served", str(scope["type"])[:20])
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008})


def _error(code: str, description: str) -> dict[str, str]:
    return {"error": code, "error_description": description}


async def _respond(
    send: Send,
    status: int,
    body: dict[str, str],
    extra: list[tuple[bytes, bytes]] | None = None,
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
