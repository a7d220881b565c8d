"""OAuth: expired_token -> one refresh (however many calls saw it) -> the call is repeated.

The loopback portal serves both `/rest/<method>` and the authorization server's
`/oauth/token/`, and records the refresh's query, so each test can count REST requests and
refresh requests separately.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import AsyncGenerator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from starlette.responses import Response

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import OAuth, Secret
from bitrix24_scrum_mcp.oauth import TokenKeeper
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from tests.helpers import limits
from tests.reliability.support import (
    SPRINT_FIELDS,
    AsyncPortal,
    Req,
    closed_port,
    json_response,
    running_async_portal,
)

pytestmark = pytest.mark.anyio

OLD, NEW = "access-0ld-7f3a9c", "access-n3w-51be02"
REFRESH_OLD, REFRESH_NEW = "refresh-0ld-c0ffee", "refresh-n3w-decaf0"
CLIENT_ID, CLIENT_SECRET = "local.5f2a.app", "s3cret-client-9d8e"
SPRINT = {"id": 7, "groupId": 1, "name": "S"}
EXPIRED = {"error": "expired_token", "error_description": "The access token provided has expired"}


@pytest.fixture
def portal() -> Iterator[AsyncPortal]:
    with running_async_portal() as p:
        yield p


def oauth(
    portal: AsyncPortal,
    token_file: Path | None = None,
    *,
    access: str = OLD,
    refresh: str | None = REFRESH_OLD,
    oauth_server: str | None = None,
) -> OAuth:
    return OAuth(
        origin=portal.origin,
        access_token=Secret(access),
        refresh_token=Secret(refresh) if refresh else None,
        client_id=CLIENT_ID,
        client_secret=Secret(CLIENT_SECRET),
        oauth_server=oauth_server or portal.origin,
        token_file=token_file,
    )


@asynccontextmanager
async def session_for(settings: OAuth) -> AsyncGenerator[tuple[Client, Bitrix24Client], None]:
    client = Bitrix24Client(settings, limits(max_retries=2))
    try:
        async with Client(create_server(client, ALL_TOOLS)) as session:
            yield session, client
    finally:
        await client.aclose()


def token_answer(access: str = NEW, refresh: str = REFRESH_NEW) -> Response:
    return json_response(
        {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": 3600,
            "client_endpoint": "https://example.bitrix24.com/rest/",
            "status": "L",
        }
    )


def standard_portal(portal: AsyncPortal, *, valid: str = NEW) -> None:
    """The portal accepts only `valid`; the token endpoint trades REFRESH_OLD for it."""

    async def handler(req: Req) -> Response:
        if req.method == "token":
            if req.query.get("refresh_token") != REFRESH_OLD:
                return json_response({"error": "invalid_grant"}, 400)
            return token_answer(access=valid)
        if req.body.get("auth") == valid:
            return json_response({"result": {**SPRINT, "id": req.body.get("id", 7)}})
        return json_response(EXPIRED, 401)

    portal.handler = handler


async def test_expired_token_is_refreshed_once_and_the_call_repeated(portal: AsyncPortal) -> None:
    standard_portal(portal)
    async with session_for(oauth(portal)) as (session, client):
        result = await session.call_tool("sprint_get", {"id": 7})
        assert result.structured_content == SPRINT
        assert isinstance(client.tokens, TokenKeeper) and client.tokens.access_token == NEW
        again = await session.call_tool("sprint_get", {"id": 7})
        assert again.structured_content == SPRINT
    assert [r.body["auth"] for r in portal.rest_requests()] == [OLD, NEW, NEW]
    [refresh] = portal.token_requests()
    assert refresh.path == "/oauth/token/"
    assert refresh.query == {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_OLD,
    }
    # client_secret goes to the authorization server only, never to the portal
    assert all(CLIENT_SECRET not in json.dumps(r.body) for r in portal.rest_requests())


async def test_a_write_refused_as_expired_is_repeated_after_the_refresh(
    portal: AsyncPortal,
) -> None:
    standard_portal(portal)
    async with session_for(oauth(portal)) as (session, _):
        result = await session.call_tool("sprint_add", {"fields": SPRINT_FIELDS})
    assert not result.is_error
    assert [r.body["auth"] for r in portal.rest_requests()] == [OLD, NEW]
    assert len(portal.token_requests()) == 1


async def test_twenty_concurrent_calls_share_one_refresh(portal: AsyncPortal) -> None:
    """Half the expired answers arrive only after the refresh finished: still one refresh."""
    refreshed = threading.Event()
    old_seen = 0

    async def handler(req: Req) -> Response:
        nonlocal old_seen
        if req.method == "token":
            refreshed.set()
            return token_answer()
        if req.body["auth"] == NEW:
            return json_response({"result": {**SPRINT, "id": req.body["id"]}})
        old_seen += 1
        if old_seen % 2 == 0:  # a slow node: its expired answer comes after the refresh
            await anyio.to_thread.run_sync(refreshed.wait, 10)
        return json_response(EXPIRED, 401)

    portal.handler = handler
    async with session_for(oauth(portal)) as (session, client):
        results: dict[int, Any] = {}

        async def one(sprint_id: int) -> None:
            results[sprint_id] = await session.call_tool("sprint_get", {"id": sprint_id})

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for sprint_id in range(1, 21):
                    tg.start_soon(one, sprint_id)
        assert isinstance(client.tokens, TokenKeeper) and client.tokens.refreshes == 1
    assert {i: r.structured_content["id"] for i, r in results.items()} == {i: i for i in results}
    assert len(portal.token_requests()) == 1
    rest = portal.rest_requests()
    assert sum(r.body["auth"] == OLD for r in rest) == 20
    assert sum(r.body["auth"] == NEW for r in rest) == 20


async def test_refreshed_tokens_are_saved_atomically_with_mode_0600(
    portal: AsyncPortal, tmp_path: Path
) -> None:
    token_file = tmp_path / "state" / "tokens.json"
    standard_portal(portal)
    async with session_for(oauth(portal, token_file)) as (session, _):
        assert not (await session.call_tool("sprint_get", {"id": 7})).is_error
    assert json.loads(token_file.read_text()) == {
        "access_token": NEW,
        "refresh_token": REFRESH_NEW,
    }
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert os.listdir(token_file.parent) == ["tokens.json"]  # no temporary file left behind

    # A restart with the (now dead) tokens from the environment uses the saved pair.
    portal.requests.clear()
    async with session_for(oauth(portal, token_file)) as (session, client):
        assert isinstance(client.tokens, TokenKeeper) and client.tokens.access_token == NEW
        assert not (await session.call_tool("sprint_get", {"id": 7})).is_error
    assert [r.body["auth"] for r in portal.rest_requests()] == [NEW]
    assert portal.token_requests() == []


async def test_a_token_file_readable_by_others_is_replaced_by_a_private_one(
    portal: AsyncPortal, tmp_path: Path
) -> None:
    token_file = tmp_path / "tokens.json"
    token_file.write_text("not json")  # unreadable: ignored, env tokens used
    token_file.chmod(0o644)
    standard_portal(portal)
    async with session_for(oauth(portal, token_file)) as (session, _):
        assert not (await session.call_tool("sprint_get", {"id": 7})).is_error
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert json.loads(token_file.read_text())["refresh_token"] == REFRESH_NEW


async def test_an_unwritable_token_file_does_not_fail_the_call(
    portal: AsyncPortal, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    standard_portal(portal)
    async with session_for(oauth(portal, blocker / "tokens.json")) as (session, client):
        result = await session.call_tool("sprint_get", {"id": 7})
        assert isinstance(client.tokens, TokenKeeper) and client.tokens.access_token == NEW
    assert result.structured_content == SPRINT


async def test_a_refused_refresh_is_a_clear_error_and_asked_once(portal: AsyncPortal) -> None:
    async def handler(req: Req) -> Response:
        if req.method == "token":
            return json_response(
                {"error": "invalid_grant", "error_description": "refresh token expired"}, 400
            )
        return json_response(EXPIRED, 401)

    portal.handler = handler
    async with session_for(oauth(portal)) as (session, _):
        results: list[Any] = []

        async def one() -> None:
            results.append(await session.call_tool("sprint_get", {"id": 7}))

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for _ in range(10):
                    tg.start_soon(one)
    for result in results:
        payload = result.structured_content
        assert result.is_error
        assert payload["error"] == "expired_token"
        assert payload["retryable"] is False
        assert payload["http_status"] == 401
        assert "refresh was refused (invalid_grant)" in payload["error_description"]
        assert "authorize the application again" in payload["error_description"]
    assert len(portal.token_requests()) == 1  # one refusal is enough for every waiting call
    assert len(portal.rest_requests()) == 10


async def test_a_token_that_stays_expired_is_refreshed_once_per_call(portal: AsyncPortal) -> None:
    async def handler(req: Req) -> Response:
        if req.method == "token":
            return token_answer()
        return json_response(EXPIRED, 401)  # even the new token: no refresh loop

    portal.handler = handler
    async with session_for(oauth(portal)) as (session, _):
        result = await session.call_tool("sprint_get", {"id": 7})
    assert result.structured_content["error"] == "expired_token"
    assert len(portal.rest_requests()) == 2
    assert len(portal.token_requests()) == 1


async def test_invalid_token_is_reported_without_a_refresh(portal: AsyncPortal) -> None:
    async def handler(req: Req) -> Response:
        if req.method == "token":
            return token_answer()
        return json_response({"error": "invalid_token", "error_description": "bad token"}, 401)

    portal.handler = handler
    async with session_for(oauth(portal)) as (session, _):
        result = await session.call_tool("sprint_get", {"id": 7})
    assert result.is_error
    assert result.structured_content == {
        "error": "invalid_token",
        "error_description": "bad token",
        "method": "tasks.api.scrum.sprint.get",
        "http_status": 401,
        "retryable": False,
    }
    assert len(portal.rest_requests()) == 1
    assert portal.token_requests() == []


async def test_expired_without_a_refresh_token_passes_the_error_through(
    portal: AsyncPortal,
) -> None:
    standard_portal(portal)
    async with session_for(oauth(portal, refresh=None)) as (session, _):
        result = await session.call_tool("sprint_get", {"id": 7})
    assert result.structured_content["error"] == "expired_token"
    assert len(portal.rest_requests()) == 1
    assert portal.token_requests() == []


@pytest.mark.parametrize("answer", ["down", "html", "no-token"])
async def test_a_broken_authorization_server_is_a_clear_error(
    portal: AsyncPortal, answer: str
) -> None:
    async def handler(req: Req) -> Response:
        if req.method == "token":
            if answer == "html":
                return Response("<html>502</html>", status_code=502, media_type="text/html")
            return json_response({"status": "L"})
        return json_response(EXPIRED, 401)

    portal.handler = handler
    server = f"http://127.0.0.1:{closed_port()}" if answer == "down" else None
    async with session_for(oauth(portal, oauth_server=server)) as (session, _):
        result = await session.call_tool("sprint_get", {"id": 7})
    payload = result.structured_content
    assert payload["error"] == "expired_token"
    expected = {
        "down": "refreshing it failed (ConnectError)",
        "html": "refreshing it failed (JSONDecodeError)",
        "no-token": "refresh was refused (no access_token in the answer)",
    }[answer]
    assert expected in payload["error_description"]
    assert len(portal.rest_requests()) == 1
