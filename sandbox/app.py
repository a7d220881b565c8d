# pyright: strict
"""The ASGI app: REST URLs → auth → faults → `Portal.execute` → wire body.

Routes:
- `/rest/<user_id>/<code>/<method>[.json]` — incoming webhook
- `/rest/<method>[.json]` with `auth` (query, JSON or form body; or `Authorization: Bearer`)
- `/oauth/authorize/` — the sign-in page; `/oauth/token/` — the OAuth server's grants
- the caller's `pages`, last (the CLI's board at `/`: server/sandbox_board.py)
Faults (rate limit, latency, broken answers) apply to REST requests only, once per HTTP
request, so a batch counts once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from bitrix24_scrum_mcp.sandbox.batch import run_batch
from bitrix24_scrum_mcp.sandbox.envelope import php_json, success, time_block
from bitrix24_scrum_mcp.sandbox.errors import (
    InternalServerError,
    InvalidCredentialsError,
    MethodNotFoundError,
    NoAuthFoundError,
    QueryLimitExceededError,
    RestError,
)
from bitrix24_scrum_mcp.sandbox.faults import FailKind, FaultConfig, LeakyBucket
from bitrix24_scrum_mcp.sandbox.oauth import authorize_endpoint, token_endpoint
from bitrix24_scrum_mcp.sandbox.portal import Portal, Principal
from bitrix24_scrum_mcp.sandbox.wire import read_params

logger = logging.getLogger(__name__)

JSON_MEDIA_TYPE = "application/json; charset=utf-8"

_HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class DroppedConnection(ConnectionError):
    """Raised mid-response by the `drop_after_write` fault, after the call was applied."""


class _DroppedResponse(Response):
    """Start a 200 answer, send half of it, then break the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(self.body)).encode()),
                ],
            }
        )
        await send(
            {
                "type": "http.response.body",
                "body": self.body[: len(self.body) // 2],
                "more_body": True,
            }
        )
        raise DroppedConnection("sandbox fault: connection dropped after the write")


def _json(body: Any, status: int = 200) -> Response:
    """A JSON answer written as a portal writes it (`envelope.php_json`)."""
    return Response(php_json(body), status_code=status, media_type=JSON_MEDIA_TYPE)


def _fault_response(kind: FailKind) -> Response:
    if kind == "html502":
        return Response(_HTML_502, status_code=502, media_type="text/html")
    if kind == "empty":
        return Response(b"", status_code=200, media_type=JSON_MEDIA_TYPE)
    error = InternalServerError()
    return _json(error.body(), error.http_status)


def _split_path(path: str) -> tuple[list[str], str]:
    segments = [s for s in path.strip("/").split("/") if s]
    method = segments[-1] if segments else ""
    if method.lower().endswith(".json"):
        method = method[: -len(".json")]
    return segments, method


def _principal(
    portal: Portal, segments: list[str], params: dict[str, Any], request: Request
) -> Principal:
    if len(segments) == 3:
        user_id, code = segments[0], segments[1]
        if not user_id.isdigit():
            raise InvalidCredentialsError()
        return portal.webhook_principal(int(user_id), code)
    if len(segments) != 1:
        raise MethodNotFoundError()
    token = params.pop("auth", None)
    if not token:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else header.strip()
    if not token or not isinstance(token, str):
        raise NoAuthFoundError()
    return portal.token_principal(token)


async def rest_endpoint(request: Request) -> Response:
    portal: Portal = request.app.state.portal
    faults: FaultConfig = request.app.state.faults
    bucket: LeakyBucket = request.app.state.bucket
    segments, method = _split_path(request.path_params.get("path", ""))
    params = await read_params(request)
    portal.note_request(method, params)
    if not bucket.admit(faults):
        logger.warning("rate limit: %s refused with QUERY_LIMIT_EXCEEDED", method)
        limited = QueryLimitExceededError()
        return _json(limited.body(), limited.http_status)
    if faults.latency_s > 0:
        await anyio.sleep(faults.latency_s)
    kind = faults.take_failure()
    if kind is not None and kind != "drop_after_write":
        return _fault_response(kind)
    base_url = str(request.base_url).rstrip("/")
    try:
        principal = _principal(portal, segments, params, request)
        if method.lower() == "batch":
            start = portal.wall_clock()
            payload = run_batch(portal, principal, params, base_url, faults)
            body, status = success(payload, time_block(start, portal.wall_clock())), 200
        else:
            outcome = portal.execute(principal, method, params, base_url, faults)
            body, status = success(outcome.payload, outcome.time), 200
    except RestError as error:
        body, status = error.body(), error.http_status
    except Exception:
        logger.exception("sandbox handler failed")
        failure = InternalServerError()
        body, status = failure.body(), failure.http_status
    if kind == "drop_after_write":
        return _DroppedResponse(php_json(body), media_type=JSON_MEDIA_TYPE)
    return _json(body, status)


def create_app(
    portal: Portal, faults: FaultConfig | None = None, pages: Sequence[BaseRoute] = ()
) -> Starlette:
    """The Starlette app serving one portal; `app.state.portal` / `app.state.faults`.

    `pages` are routes of the caller's (the CLI's board at `/`), after the REST and OAuth
    ones, so they can never take a portal URL."""
    app = Starlette(
        routes=[
            Route("/rest/{path:path}", rest_endpoint, methods=["GET", "POST"]),
            Route("/oauth/token/", token_endpoint, methods=["GET", "POST"]),
            Route("/oauth/token", token_endpoint, methods=["GET", "POST"]),
            Route("/oauth/authorize/", authorize_endpoint, methods=["GET"]),
            Route("/oauth/authorize", authorize_endpoint, methods=["GET"]),
            *pages,
        ]
    )
    app.state.portal = portal
    app.state.faults = faults if faults is not None else FaultConfig()
    app.state.bucket = LeakyBucket()
    return app
