"""A stand-in Bitrix24 portal on loopback HTTP that records requests and answers as told.

Used where a test must control the portal's answer exactly (documented examples, every
documented error, HTML pages, dropped connections). Everything else runs against the
sandbox emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.loopback import serving

WEBHOOK_CODE = "st4nd1n0c0de9xyz"


@dataclass
class Recorded:
    method: str  # REST method, e.g. tasks.api.scrum.backlog.add
    path: str
    body: Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    drop: bool = False  # start the response, then break the connection
    headers: dict[str, str] = field(default_factory=dict[str, str])


Handler = Callable[[Recorded], Reply]


def ok(result: Any, **extra: Any) -> Reply:
    return Reply(body={"result": result, "time": {"start": 1.0, "finish": 1.1}, **extra})


def error(code: Any, description: str, status: int = 400) -> Reply:
    return Reply(status=status, body={"error": code, "error_description": description})


@dataclass
class StandIn:
    port: int
    requests: list[Recorded] = field(default_factory=list[Recorded])
    handler: Handler = field(default=lambda _r: ok(True))

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/rest/1/{WEBHOOK_CODE}/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reply_with(self, reply: Reply | Handler) -> None:
        self.handler = reply if callable(reply) else (lambda _r: reply)


def _app(standin: StandIn) -> Starlette:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("latin-1")
        rest_method = request.url.path.rsplit("/", 1)[-1]
        recorded = Recorded(rest_method, request.url.path, body)
        standin.requests.append(recorded)
        reply = standin.handler(recorded)
        if reply.drop:
            return _DroppedResponse()
        content = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        return Response(
            content, status_code=reply.status, media_type=reply.content_type, headers=reply.headers
        )

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


class _DroppedResponse(Response):
    """Announce a body, send part of it, then fail: the client sees a broken answer."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"result":', "more_body": True})
        raise ConnectionAbortedError("stand-in dropped the connection")


@contextmanager
def running_standin() -> Generator[StandIn, None, None]:
    standin = StandIn(port=0)
    with serving(_app(standin)) as port:
        standin.port = port
        yield standin
