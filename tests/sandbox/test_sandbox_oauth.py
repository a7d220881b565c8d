"""OAuth: `auth` in query/JSON/form, expired and unknown tokens, and the refresh endpoint."""

from __future__ import annotations

import httpx2
import pytest

from bitrix24_scrum_mcp.sandbox import Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID, DEMO_SPRINT_ID

pytestmark = pytest.mark.anyio
SPRINT_GET = "/rest/tasks.api.scrum.sprint.get"


@pytest.fixture
def tokens(portal: Portal) -> Portal:
    portal.issue_oauth_tokens(
        DEMO_DEVELOPER_ID,
        "access-live",
        "refresh-live",
        client_id="local.app",
        client_secret="s3cret",
    )
    portal.issue_oauth_tokens(DEMO_DEVELOPER_ID, "access-old", "refresh-old", expires_in=0)
    return portal


async def test_auth_accepted_in_query_json_and_form(
    client: httpx2.AsyncClient, tokens: Portal
) -> None:
    by_query = await client.get(f"{SPRINT_GET}.json?auth=access-live&id={DEMO_SPRINT_ID}")
    by_json = await client.post(SPRINT_GET, json={"auth": "access-live", "id": DEMO_SPRINT_ID})
    by_form = await client.post(SPRINT_GET, data={"auth": "access-live", "id": str(DEMO_SPRINT_ID)})
    assert {r.status_code for r in (by_query, by_json, by_form)} == {200}
    user = await client.post("/rest/user.current", json={"auth": "access-live"})
    assert user.json()["result"]["ID"] == str(DEMO_DEVELOPER_ID)


async def test_expired_token_is_401_expired_token(
    client: httpx2.AsyncClient, tokens: Portal
) -> None:
    response = await client.post(SPRINT_GET, json={"auth": "access-old", "id": DEMO_SPRINT_ID})
    assert response.status_code == 401
    assert response.json() == {
        "error": "expired_token",
        "error_description": "The access token provided has expired",
    }


async def test_unknown_token_is_401_invalid_token(
    client: httpx2.AsyncClient, tokens: Portal
) -> None:
    response = await client.post(SPRINT_GET, json={"auth": "nope", "id": DEMO_SPRINT_ID})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


async def test_refresh_rotates_the_pair(client: httpx2.AsyncClient, tokens: Portal) -> None:
    query = {
        "grant_type": "refresh_token",
        "client_id": "local.app",
        "client_secret": "s3cret",
        "refresh_token": "refresh-live",
    }
    response = await client.get("/oauth/token/", params=query)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "expires",
        "expires_in",
        "client_endpoint",
        "server_endpoint",
        "domain",
        "member_id",
        "scope",
        "status",
        "user_id",
    }
    assert body["expires_in"] == 3600 and body["user_id"] == DEMO_DEVELOPER_ID
    assert body["client_endpoint"] == "http://127.0.0.1/rest/"
    fresh = await client.post(SPRINT_GET, json={"auth": body["access_token"], "id": DEMO_SPRINT_ID})
    assert fresh.status_code == 200
    reused = await client.get("/oauth/token/", params=query)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    again = await client.post(
        "/oauth/token/", data={**query, "refresh_token": body["refresh_token"]}
    )
    assert again.status_code == 200


async def test_refresh_with_wrong_client_is_invalid_client(
    client: httpx2.AsyncClient, tokens: Portal
) -> None:
    response = await client.get(
        "/oauth/token/",
        params={
            "grant_type": "refresh_token",
            "client_id": "local.app",
            "client_secret": "wrong",
            "refresh_token": "refresh-live",
        },
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert set(response.json()) == {"error", "error_description"}
