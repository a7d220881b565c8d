"""Signing in: the portal's /oauth/authorize/ page and the authorization-code grant.

A person's browser comes to the sign-in page from an application, picks an employee (or a
test names one with `user_id`), and goes back to the application's handler with a code;
the application trades the code for that person's pair at /oauth/token/, once, within 30
seconds. Revoked and expired pairs answer as a portal does.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from bitrix24_scrum_mcp.sandbox import DEMO_APP_CLIENT_ID, DEMO_APP_CLIENT_SECRET, Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID, DEMO_SCRUM_MASTER_ID

pytestmark = pytest.mark.anyio
HANDLER = "https://mcp.example.com/oauth/callback"
AUTHORIZE = {"client_id": DEMO_APP_CLIENT_ID, "state": "st-1", "redirect_uri": HANDLER}


async def _code(client: httpx2.AsyncClient, user_id: int) -> dict[str, list[str]]:
    response = await client.get("/oauth/authorize/", params={**AUTHORIZE, "user_id": user_id})
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(HANDLER + "?")
    return parse_qs(urlsplit(location).query)


async def _exchange(client: httpx2.AsyncClient, code: str, secret: str = DEMO_APP_CLIENT_SECRET):
    return await client.get(
        "/oauth/token/",
        params={
            "grant_type": "authorization_code",
            "client_id": DEMO_APP_CLIENT_ID,
            "client_secret": secret,
            "code": code,
        },
    )


async def test_sign_in_page_lists_the_employees_to_sign_in_as(client: httpx2.AsyncClient) -> None:
    response = await client.get("/oauth/authorize/", params=AUTHORIZE)
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    assert "Dmitry Sokolov" in response.text and "Elena Kuznetsova" in response.text
    assert f"user_id={DEMO_DEVELOPER_ID}" in response.text


async def test_signing_in_returns_a_code_with_the_portals_callback_parameters(
    client: httpx2.AsyncClient,
) -> None:
    back = await _code(client, DEMO_DEVELOPER_ID)
    assert back["state"] == ["st-1"]
    assert set(back) == {"code", "state", "domain", "member_id", "scope", "server_domain"}
    assert back["domain"] == ["127.0.0.1"]


async def test_the_code_buys_that_persons_pair_once(client: httpx2.AsyncClient) -> None:
    code = (await _code(client, DEMO_SCRUM_MASTER_ID))["code"][0]
    response = await _exchange(client, code)
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == DEMO_SCRUM_MASTER_ID and body["refresh_token"]
    me = await client.post("/rest/user.current", json={"auth": body["access_token"]})
    assert me.json()["result"]["ID"] == str(DEMO_SCRUM_MASTER_ID)
    again = await _exchange(client, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_a_code_expires_after_30_seconds(client: httpx2.AsyncClient, portal: Portal) -> None:
    now = [1_800_000_000.0]
    portal.wall_clock = lambda: now[0]
    code = (await _code(client, DEMO_DEVELOPER_ID))["code"][0]
    now[0] += 31
    response = await _exchange(client, code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_a_code_needs_its_applications_secret(client: httpx2.AsyncClient) -> None:
    code = (await _code(client, DEMO_DEVELOPER_ID))["code"][0]
    response = await _exchange(client, code, secret="not-the-secret")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_cancel_sends_access_denied_back(client: httpx2.AsyncClient) -> None:
    response = await client.get("/oauth/authorize/", params={**AUTHORIZE, "deny": "1"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query) == {
        "state": ["st-1"],
        "error": ["access_denied"],
    }


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({**AUTHORIZE, "client_id": "local.unknown"}, 400),
        ({**AUTHORIZE, "user_id": "999"}, 400),
        ({"client_id": DEMO_APP_CLIENT_ID, "state": "s"}, 400),  # no handler to return to
    ],
)
async def test_sign_in_refuses_unknown_apps_users_and_handlers(
    client: httpx2.AsyncClient, params: dict[str, str], status: int
) -> None:
    response = await client.get("/oauth/authorize/", params=params)
    assert response.status_code == status
    assert "location" not in response.headers


async def test_an_app_with_a_handler_only_sends_codes_to_its_domain(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    portal.register_app("local.pinned", "pinned-secret", redirect_uri="https://app.example.com/cb")
    params = {"client_id": "local.pinned", "state": "s", "user_id": str(DEMO_DEVELOPER_ID)}
    elsewhere = await client.get(
        "/oauth/authorize/", params={**params, "redirect_uri": "https://evil.example.com/cb"}
    )
    assert elsewhere.status_code == 400
    default = await client.get("/oauth/authorize/", params=params)
    assert default.headers["location"].startswith("https://app.example.com/cb?code=")


async def test_revoked_pairs_answer_invalid_token_and_invalid_grant(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    code = (await _code(client, DEMO_DEVELOPER_ID))["code"][0]
    pair = (await _exchange(client, code)).json()
    assert portal.revoke_oauth_tokens(DEMO_DEVELOPER_ID, DEMO_APP_CLIENT_ID) == 1
    call = await client.post("/rest/user.current", json={"auth": pair["access_token"]})
    assert call.status_code == 401 and call.json()["error"] == "invalid_token"
    refresh = await client.get(
        "/oauth/token/",
        params={
            "grant_type": "refresh_token",
            "client_id": DEMO_APP_CLIENT_ID,
            "client_secret": DEMO_APP_CLIENT_SECRET,
            "refresh_token": pair["refresh_token"],
        },
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


async def test_tokens_expire_after_the_portals_ttl_and_refresh_renews_them(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    portal.oauth_access_ttl_s = 60
    code = (await _code(client, DEMO_DEVELOPER_ID))["code"][0]
    pair = (await _exchange(client, code)).json()
    assert pair["expires_in"] == 60
    portal.expire_oauth_tokens(DEMO_DEVELOPER_ID)
    call = await client.post("/rest/user.current", json={"auth": pair["access_token"]})
    assert call.status_code == 401 and call.json()["error"] == "expired_token"
    renewed = await client.post(
        "/oauth/token/",
        data={
            "grant_type": "refresh_token",
            "client_id": DEMO_APP_CLIENT_ID,
            "client_secret": DEMO_APP_CLIENT_SECRET,
            "refresh_token": pair["refresh_token"],
        },
    )
    assert renewed.status_code == 200
    call = await client.post("/rest/user.current", json={"auth": renewed.json()["access_token"]})
    assert call.status_code == 200


async def test_an_unknown_grant_type_is_invalid_request(client: httpx2.AsyncClient) -> None:
    response = await client.post("/oauth/token/", data={"grant_type": "password"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
