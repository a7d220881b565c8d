"""Streamable HTTP: bearer token (401), Origin (403), Host without a token (421), /healthz,
and the refusal to bind off loopback without a token."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncGenerator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import Message, Receive, Scope, Send

from bitrix24_scrum_mcp.config import Secret, Settings, Webhook
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.http_app import HttpSettings, build_http_app
from bitrix24_scrum_mcp.http_guard import Guard
from bitrix24_scrum_mcp.tools import select
from tests.ecosystem.support import TOKEN, Served, clean_env, server_command, serving
from tests.helpers import FAST
from tests.standin import StandIn, ok

pytestmark = pytest.mark.anyio

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


def _settings(standin: StandIn) -> Settings:
    return Settings(portal=Webhook.parse(standin.webhook_url), limits=FAST)


@pytest.fixture
def open_server(standin: StandIn) -> Iterator[Served]:
    app = build_http_app(_settings(standin), HttpSettings.from_env({}, host="127.0.0.1", port=8000))
    with serving(app) as served:
        yield served


@pytest.fixture
def token_server(standin: StandIn) -> Iterator[Served]:
    env = {"MCP_HTTP_TOKEN": TOKEN, "MCP_ALLOWED_ORIGINS": "https://agents.example.com"}
    app = build_http_app(
        _settings(standin), HttpSettings.from_env(env, host="127.0.0.1", port=8000)
    )
    with serving(app) as served:
        yield served


@asynccontextmanager
async def mcp_client(
    url: str, headers: dict[str, str] | None = None
) -> AsyncGenerator[Client, None]:
    async with (
        httpx2.AsyncClient(headers=headers or {}, timeout=10) as http,
        Client(streamable_http_client(url, http_client=http), raise_exceptions=True) as client,
    ):
        yield client


async def _post(url: str, headers: dict[str, str] | None = None) -> httpx2.Response:
    async with httpx2.AsyncClient(timeout=10) as http:
        return await http.post(url, json=INIT, headers={**MCP_HEADERS, **(headers or {})})


async def test_loopback_without_token_serves_tools_and_forwards_calls(
    open_server: Served, standin: StandIn
) -> None:
    standin.reply_with(ok({"ID": "1", "NAME": "Maria"}))
    async with mcp_client(open_server.mcp_url) as client:
        listed = await client.list_tools()
        result = await client.call_tool("user_current", {})
    assert {t.name for t in listed.tools} == {s.name for s in select()}
    assert not result.is_error
    assert result.structured_content == {"ID": "1", "NAME": "Maria"}
    assert [r.method for r in standin.requests] == ["user.current"]


async def test_health_endpoint_answers_without_token(token_server: Served) -> None:
    async with httpx2.AsyncClient(timeout=5) as http:
        response = await http.get(f"{token_server.base}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param(f"Bearer {TOKEN}x", id="wrong-token"),
        pytest.param("Bearer", id="empty-token"),
        pytest.param(f"Basic {TOKEN}", id="wrong-scheme"),
        pytest.param(TOKEN, id="no-scheme"),
    ],
)
async def test_request_without_the_right_bearer_token_gets_401(
    token_server: Served, standin: StandIn, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = await _post(token_server.mcp_url, headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"
    assert TOKEN not in response.text
    assert standin.requests == []


async def test_request_with_the_token_gets_200(token_server: Served) -> None:
    response = await _post(token_server.mcp_url, {"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.json()["result"]["serverInfo"]["name"] == "bitrix24-scrum-mcp"


async def test_mcp_client_with_the_token_lists_and_calls_tools(
    token_server: Served, standin: StandIn
) -> None:
    standin.reply_with(ok({"ID": "1"}))
    async with mcp_client(token_server.mcp_url, {"Authorization": f"Bearer {TOKEN}"}) as client:
        listed = await client.list_tools()
        result = await client.call_tool("user_current", {})
    assert len(listed.tools) == len(select())
    assert result.structured_content == {"ID": "1"}


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://localhost.evil.example",
        "null",
        "https://agents.example.org",
        "http://localhost:80.evil.com",  # a prefix match admitted these two (issue 12 §3)
        "http://localhost:@evil.com",
        "https://agents.example.com.evil.com",
        "http://127.0.0.1/../evil",
    ],
)
async def test_foreign_origin_gets_403_even_with_the_token(
    token_server: Served, standin: StandIn, origin: str
) -> None:
    response = await _post(
        token_server.mcp_url, {"Authorization": f"Bearer {TOKEN}", "Origin": origin}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert standin.requests == []


@pytest.mark.parametrize(
    "origin", ["http://localhost:6274", "http://127.0.0.1", "https://agents.example.com"]
)
async def test_loopback_and_configured_origins_are_allowed(
    token_server: Served, origin: str
) -> None:
    response = await _post(
        token_server.mcp_url, {"Authorization": f"Bearer {TOKEN}", "Origin": origin}
    )
    assert response.status_code == 200


async def test_foreign_host_without_token_gets_421(open_server: Served) -> None:
    """DNS rebinding: a name that resolves to 127.0.0.1 must not reach a tokenless server."""
    response = await _post(open_server.mcp_url, {"Host": "rebind.evil.example:8000"})
    assert response.status_code == 421
    assert (await _post(open_server.mcp_url, {"Host": "localhost:8000"})).status_code == 200


def test_public_bind_without_a_long_enough_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="MCP_HTTP_TOKEN"):
        HttpSettings.from_env({}, host="0.0.0.0", port=8000)
    with pytest.raises(ConfigError, match="too short"):
        HttpSettings.from_env({"MCP_HTTP_TOKEN": "short"}, host="0.0.0.0", port=8000)
    assert HttpSettings.from_env({"MCP_HTTP_TOKEN": TOKEN}, host="0.0.0.0", port=8000).token


@pytest.mark.parametrize("token", ["aaaaaaaaaaaaaaaa", "abababababababababab", "password12345678"])
def test_a_token_without_enough_randomness_is_refused_with_the_reason_and_a_fix(
    token: str,
) -> None:
    with pytest.raises(ConfigError, match="too easy to guess") as refused:
        HttpSettings.from_env({"MCP_HTTP_TOKEN": token}, host="0.0.0.0", port=8000)
    message = str(refused.value)
    assert "bits of randomness" in message and "secrets.token_urlsafe(32)" in message
    assert token not in message


async def test_a_websocket_handshake_is_refused_before_reaching_the_app() -> None:
    reached: list[str] = []

    async def app(scope: Scope, _receive: Receive, _send: Send) -> None:
        reached.append(scope["type"])

    guard = Guard(app, token=Secret(TOKEN), allowed_origins=("http://localhost",))
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "websocket",
        "path": "/mcp",
        "headers": [],
        "query_string": b"",
    }
    await guard(scope, receive, send)
    assert reached == []
    assert sent == [{"type": "websocket.close", "code": 1008}]
    await guard({"type": "lifespan"}, receive, send)  # start-up still reaches the app
    assert reached == ["lifespan"]


def test_blank_token_counts_as_none() -> None:
    assert HttpSettings.from_env({"MCP_HTTP_TOKEN": "  "}, host="::1", port=8000).token is None
    padded = HttpSettings.from_env({"MCP_HTTP_TOKEN": f" {TOKEN} "}, host="::1", port=8000)
    assert padded.token == Secret(TOKEN)


async def test_a_message_over_the_configured_size_gets_413_before_anything_is_sent(
    standin: StandIn,
) -> None:
    settings = Settings(portal=Webhook.parse(standin.webhook_url), max_message_bytes=2048)
    app = build_http_app(settings, HttpSettings.from_env({}, host="127.0.0.1", port=8000))
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "user_current", "arguments": {"pad": "x" * 4096}}}  # fmt: skip
    with serving(app) as served:
        async with httpx2.AsyncClient(timeout=10) as http:
            response = await http.post(served.mcp_url, json=call, headers=MCP_HEADERS)
    assert response.status_code == 413
    assert standin.requests == []


@pytest.mark.slow  # starts the CLI
def test_serve_on_all_interfaces_without_token_exits_2_with_advice() -> None:
    done = subprocess.run(
        server_command("serve", "--transport", "http", "--host", "0.0.0.0", "--sandbox"),
        env=clean_env(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert b"MCP_HTTP_TOKEN" in done.stderr
    assert b"refusing to serve HTTP on 0.0.0.0" in done.stderr
    assert done.stdout == b""
