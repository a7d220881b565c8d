"""The per-request checks in front of the MCP app when serving streamable HTTP.

`/healthz` answers load-balancer probes without auth. A browser `Origin` that is not
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

from starlette.types import ASGIApp, Receive, Scope, Send

from bitrix24_scrum_mcp.config import Secret

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def origin_allowed(origin: str, allowed: Sequence[str]) -> bool:
    """Exact match, or a match with any port: `http://localhost` admits `http://localhost:3000`."""
    origin = origin.rstrip("/")
    return any(origin == c or origin.startswith(c + ":") for c in allowed)


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
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.token = token.reveal().encode() if token else None
        self.allowed_origins = tuple(allowed_origins)
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
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
            if not host_allowed(headers.get("host", ""), self.allowed_hosts):
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
