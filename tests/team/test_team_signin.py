"""People sign in through their portal and act as themselves (MCP authorization, 2025-11-25).

The whole flow with real parts: the SDK's OAuth-capable MCP client (`OAuthClientProvider`),
a headless browser that follows the redirects and picks who signs in on the sandbox portal's
sign-in page, the team server over loopback HTTP, and the sandbox playing the portal and its
OAuth server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from bitrix24_scrum_mcp.config import Secret
from bitrix24_scrum_mcp.json_types import is_object
from bitrix24_scrum_mcp.sandbox import DEMO_SCRUM_GROUP_ID, DEMO_USER_ID, Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID
from bitrix24_scrum_mcp.team.signin import SCOPE
from bitrix24_scrum_mcp.team.signin import SignInServer as Provider
from bitrix24_scrum_mcp.team.state import LocalState
from bitrix24_scrum_mcp.team.vault import Vault, sealer
from tests.team.support import (
    STATE_KEY,
    Browser,
    Person,
    SignInServer,
    sandbox_portal,
    sign_in_server,
)

pytestmark = pytest.mark.anyio
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with sandbox_portal() as (portal, origin), sign_in_server(tmp_path, portal, origin) as served:
        yield served


@pytest.fixture
async def maria(server: SignInServer) -> Any:
    person = Person(server.mcp_url, Browser(DEMO_USER_ID))
    yield person
    await person.aclose()


@pytest.fixture
async def dmitry(server: SignInServer) -> Any:
    person = Person(server.mcp_url, Browser(DEMO_DEVELOPER_ID))
    yield person
    await person.aclose()


def _pairs(portal: Portal, user_id: int) -> int:
    return int(
        portal.store.scalar("SELECT COUNT(*) FROM oauth_tokens WHERE user_id = ?", (user_id,))
    )


async def _post_mcp(url: str, token: str | None = None) -> httpx2.Response:
    headers = dict(MCP_HEADERS)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx2.AsyncClient(timeout=10) as http:
        return await http.post(url, json=LIST, headers=headers)


async def test_without_a_token_the_server_answers_401_naming_its_protected_resource_metadata(
    server: SignInServer,
) -> None:
    response = await _post_mcp(server.mcp_url)
    assert response.status_code == 401
    prm_url = f"{server.base}/.well-known/oauth-protected-resource/mcp"
    assert f'resource_metadata="{prm_url}"' in response.headers["www-authenticate"]
    async with httpx2.AsyncClient(timeout=10) as http:
        prm = (await http.get(prm_url)).json()
        metadata = (await http.get(f"{server.base}/.well-known/oauth-authorization-server")).json()
    assert prm["resource"] == server.mcp_url and prm["scopes_supported"] == [SCOPE]
    assert [a.rstrip("/") for a in prm["authorization_servers"]] == [server.base]
    assert metadata["registration_endpoint"] == f"{server.base}/register"
    assert metadata["revocation_endpoint"] == f"{server.base}/revoke"
    assert metadata["code_challenge_methods_supported"] == ["S256"]


async def test_two_people_sign_in_at_once_and_each_acts_as_themselves(
    server: SignInServer, maria: Person, dmitry: Person
) -> None:
    answers: dict[str, Any] = {}

    async def work(label: str, person: Person) -> None:
        async with person.session() as client:
            me = await client.call_tool("user_current", {})
            added = await client.call_tool(
                "epic_add", {"fields": {"groupId": DEMO_SCRUM_GROUP_ID, "name": f"{label}'s epic"}}
            )
            assert is_object(added.structured_content), added.content
            epic = await client.call_tool("epic_get", {"id": added.structured_content["id"]})
        answers[label] = (me.structured_content, epic.structured_content)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            tg.start_soon(work, "maria", maria)
            tg.start_soon(work, "dmitry", dmitry)
    assert answers["maria"][0]["NAME"] == "Maria" and answers["dmitry"][0]["NAME"] == "Dmitry"
    assert answers["maria"][1]["createdBy"] == DEMO_USER_ID
    assert answers["dmitry"][1]["createdBy"] == DEMO_DEVELOPER_ID
    # Each went through the portal's sign-in page and the server's callback, once.
    assert maria.browser.sign_ins == dmitry.browser.sign_ins == 1
    assert "/oauth/authorize/ 302" in dmitry.browser.hops
    assert "/oauth/callback 302" in dmitry.browser.hops


async def test_assistants_hold_only_the_servers_tokens_and_the_state_holds_none_in_clear(
    server: SignInServer, dmitry: Person, tmp_path: Path
) -> None:
    await dmitry.call("user_current")
    mcp_tokens = dmitry.storage.tokens
    assert mcp_tokens is not None and mcp_tokens.refresh_token
    rows = server.portal.store.all("SELECT access_token, refresh_token FROM oauth_tokens")
    portal_tokens = {t for row in rows for t in row if t}
    assert mcp_tokens.access_token not in portal_tokens
    stored = (tmp_path / "state.sqlite3").read_bytes()
    wal = tmp_path / "state.sqlite3-wal"
    stored += wal.read_bytes() if wal.exists() else b""
    for secret in [*portal_tokens, mcp_tokens.access_token, mcp_tokens.refresh_token]:
        assert secret.encode() not in stored


async def test_an_expired_mcp_token_is_renewed_with_the_refresh_grant_not_a_new_sign_in(
    tmp_path: Path,
) -> None:
    with (
        sandbox_portal() as (portal, origin),
        sign_in_server(tmp_path, portal, origin, MCP_ACCESS_TOKEN_TTL="1") as server,
    ):
        person = Person(server.mcp_url, Browser(DEMO_DEVELOPER_ID))
        try:
            await person.call("user_current")
            first = person.storage.tokens
            assert first is not None and first.expires_in == 1
            await anyio.sleep(1.5)  # the token's lifetime passing is what is tested
            result = await person.call("user_current")
        finally:
            await person.aclose()
    assert not result.is_error and result.structured_content["NAME"] == "Dmitry"
    assert person.browser.sign_ins == 1
    assert person.storage.tokens is not None
    assert person.storage.tokens.access_token != first.access_token


async def test_an_expired_bitrix24_token_is_renewed_once_for_many_calls(
    server: SignInServer, dmitry: Person
) -> None:
    await dmitry.call("user_current")
    before = _pairs(server.portal, DEMO_DEVELOPER_ID)
    server.portal.expire_oauth_tokens(DEMO_DEVELOPER_ID)
    results: list[Any] = []
    async with dmitry.session() as client:

        async def one() -> None:
            results.append(await client.call_tool("user_current", {}))

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for _ in range(6):
                    tg.start_soon(one)
    assert all(not r.is_error for r in results), [r.content for r in results if r.is_error]
    assert _pairs(server.portal, DEMO_DEVELOPER_ID) == before + 1  # one renewal for six calls
    assert dmitry.browser.sign_ins == 1


async def test_a_revoked_token_is_refused_and_the_assistant_signs_in_again(
    server: SignInServer, dmitry: Person
) -> None:
    await dmitry.call("user_current")
    tokens, client_info = dmitry.storage.tokens, dmitry.storage.client_info
    assert tokens is not None and client_info is not None
    async with httpx2.AsyncClient(timeout=10) as http:
        revoked = await http.post(
            f"{server.base}/revoke",
            data={
                "token": tokens.access_token,
                "client_id": client_info.client_id or "",
                "client_secret": client_info.client_secret or "",
            },
        )
    assert revoked.status_code == 200
    assert (await _post_mcp(server.mcp_url, tokens.access_token)).status_code == 401
    result = await dmitry.call("user_current")
    assert not result.is_error and dmitry.browser.sign_ins == 2


async def test_a_used_refresh_token_presented_again_ends_its_grant(
    server: SignInServer, dmitry: Person
) -> None:
    await dmitry.call("user_current")
    tokens, client_info = dmitry.storage.tokens, dmitry.storage.client_info
    assert tokens is not None and client_info is not None
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token or "",
        "client_id": client_info.client_id or "",
        "client_secret": client_info.client_secret or "",
    }
    async with httpx2.AsyncClient(timeout=10) as http:
        renewed = await http.post(f"{server.base}/token", data=form)
        assert renewed.status_code == 200
        replayed = await http.post(f"{server.base}/token", data=form)
        assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    assert (await _post_mcp(server.mcp_url, renewed.json()["access_token"])).status_code == 401


async def test_a_token_of_another_server_sharing_the_state_is_refused(tmp_path: Path) -> None:
    """Wrong audience: staging and production share a state store, not their tokens."""
    with sandbox_portal() as (portal, origin):
        with sign_in_server(tmp_path, portal, origin) as staging:
            person = Person(staging.mcp_url, Browser(DEMO_DEVELOPER_ID))
            try:
                await person.call("user_current")
            finally:
                await person.aclose()
            assert person.storage.tokens is not None
            token = person.storage.tokens.access_token
            assert (await _post_mcp(staging.mcp_url, token)).status_code == 200
            with sign_in_server(tmp_path, portal, origin) as production:
                assert production.mcp_url != staging.mcp_url
                assert (await _post_mcp(production.mcp_url, token)).status_code == 401


async def test_authorizing_for_another_resource_is_refused(
    server: SignInServer, dmitry: Person
) -> None:
    await dmitry.call("user_current")
    client_info = dmitry.storage.client_info
    assert client_info is not None
    params = {
        "response_type": "code",
        "client_id": client_info.client_id or "",
        "redirect_uri": "http://127.0.0.1:1/callback",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
        "state": "s1",
        "resource": "https://other.example.com/mcp",
    }
    async with httpx2.AsyncClient(timeout=10) as http:
        response = await http.get(f"{server.base}/authorize", params=params)
    assert response.status_code == 302
    assert "error=invalid_target" in response.headers["location"]


async def test_a_token_without_the_scrum_scope_gets_403(
    server: SignInServer, dmitry: Person, tmp_path: Path
) -> None:
    await dmitry.call("user_current")
    assert dmitry.storage.client_info is not None
    state = LocalState(tmp_path / "state.sqlite3")
    try:
        provider = Provider(
            _sign_in_of(server), Vault(state, sealer([Secret(STATE_KEY)])), httpx2.AsyncClient()
        )
        minted = await provider.issue(
            client_id=dmitry.storage.client_info.client_id or "",
            scopes=["other"],
            resource=server.mcp_url,
            subject=f"{DEMO_DEVELOPER_ID}@127.0.0.1",
            grant="g-no-scope",
        )
    finally:
        await state.aclose()
    response = await _post_mcp(server.mcp_url, minted.access_token)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_a_person_the_portal_stops_renewing_is_signed_out_and_signs_in_again(
    server: SignInServer, dmitry: Person
) -> None:
    await dmitry.call("user_current")
    server.portal.revoke_oauth_tokens(DEMO_DEVELOPER_ID)  # e.g. an administrator removed the app
    refused = await dmitry.call("user_current")
    assert refused.is_error
    assert "sign in again" in refused.structured_content["error_description"]
    again = await dmitry.call("user_current")
    assert not again.is_error and again.structured_content["NAME"] == "Dmitry"
    assert dmitry.browser.sign_ins == 2


async def test_declining_at_the_portal_sends_access_denied_back_to_the_assistant(
    server: SignInServer,
) -> None:
    person = Person(server.mcp_url, Browser(DEMO_DEVELOPER_ID, deny=True))
    try:
        with pytest.raises(BaseException) as failure:  # the SDK wraps it in a task group
            await person.call("user_current")
    finally:
        await person.aclose()
    # The browser reached the assistant's redirect URI with error=access_denied.
    assert failure.group_contains(PermissionError, match="access_denied")


async def test_an_unknown_sign_in_link_gets_a_page_saying_to_start_again(
    server: SignInServer,
) -> None:
    async with httpx2.AsyncClient(timeout=10) as http:
        response = await http.get(
            f"{server.base}/oauth/callback", params={"state": "x", "code": "y"}
        )
    assert response.status_code == 400 and "Start again" in response.text


async def test_sign_ins_survive_a_restart_of_the_server(tmp_path: Path) -> None:
    with sandbox_portal() as (portal, origin):
        with sign_in_server(tmp_path, portal, origin) as first:
            person = Person(first.mcp_url, Browser(DEMO_DEVELOPER_ID))
            try:
                await person.call("user_current")
            finally:
                await person.aclose()
        port = int(first.base.rsplit(":", 1)[1])
        with sign_in_server(tmp_path, portal, origin, port=port) as second:
            assert second.mcp_url == first.mcp_url  # the address the token is bound to
            person = Person(second.mcp_url, Browser(DEMO_DEVELOPER_ID), storage=person.storage)
            try:
                result = await person.call("user_current")
            finally:
                await person.aclose()
    assert not result.is_error and result.structured_content["NAME"] == "Dmitry"
    assert person.browser.sign_ins == 0  # the stored token still works: no new sign-in


def _sign_in_of(server: SignInServer) -> Any:
    from bitrix24_scrum_mcp.config import Settings
    from bitrix24_scrum_mcp.team.settings import TeamSettings

    return TeamSettings.from_env(server.env, Settings.from_env(server.env)).sign_in


async def test_no_token_code_or_secret_reaches_the_log(
    server: SignInServer, dmitry: Person
) -> None:
    """What an operator sees at DEBUG, through the server's redacting log handler."""
    import io
    import logging

    from bitrix24_scrum_mcp.redact import RedactingFilter
    from bitrix24_scrum_mcp.sandbox import DEMO_APP_CLIENT_SECRET

    seen = io.StringIO()
    handler = logging.StreamHandler(seen)
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        await dmitry.call("user_current")
        server.portal.expire_oauth_tokens(DEMO_DEVELOPER_ID)
        await dmitry.call("user_current")  # a renewal: the refresh token goes over the wire
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    text = seen.getvalue()
    assert "oauth/token" in text  # the requests were logged, with their secrets masked
    rows = server.portal.store.all("SELECT access_token, refresh_token FROM oauth_tokens")
    secrets_ = {t for row in rows for t in row if t} | {DEMO_APP_CLIENT_SECRET}
    assert dmitry.storage.tokens is not None
    secrets_ |= {dmitry.storage.tokens.access_token, dmitry.storage.tokens.refresh_token or ""}
    leaked = [s for s in secrets_ if s and s in text]
    assert leaked == []


async def test_the_person_is_asked_before_an_assistant_may_act_as_them(
    server: SignInServer, dmitry: Person
) -> None:
    await dmitry.call("user_current")
    page = dmitry.browser.consent_pages[0]
    assert "assistant of user 2" in page and "http://127.0.0.1:1" in page
    assert dmitry.browser.hops[:3] == [
        "/authorize 302",
        "/oauth/consent 200",
        "/oauth/consent POST 303",
    ]


async def test_denying_on_the_consent_page_sends_access_denied_back(server: SignInServer) -> None:
    person = Person(server.mcp_url, Browser(DEMO_DEVELOPER_ID, refuse_consent=True))
    try:
        with pytest.raises(BaseException) as failure:
            await person.call("user_current")
    finally:
        await person.aclose()
    assert failure.group_contains(PermissionError, match="access_denied")
    assert not any("/oauth/authorize/" in hop for hop in person.browser.hops)  # never sent on


async def test_a_consent_forged_by_another_site_is_refused_and_the_page_cannot_be_framed(
    server: SignInServer,
) -> None:
    """Another site can make a browser POST the form, but not carry the page's cookie."""
    from urllib.parse import parse_qs, urlsplit

    async with httpx2.AsyncClient(timeout=10) as http:
        registered = await http.post(
            f"{server.base}/register",
            json={"redirect_uris": ["http://127.0.0.1:1/callback"], "client_name": "evil"},
        )
        client_id = registered.json()["client_id"]
        authorize = await http.get(
            f"{server.base}/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": "http://127.0.0.1:1/callback",
                "code_challenge": "x" * 43,
                "code_challenge_method": "S256",
                "state": "s",
            },
        )
        consent_url = authorize.headers["location"]
        page = await http.get(consent_url)
    assert page.headers["x-frame-options"] == "DENY" and "evil" in page.text
    state = parse_qs(urlsplit(consent_url).query)["state"][0]
    token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    async with httpx2.AsyncClient(timeout=10) as elsewhere:  # no cookie of the page
        forged = await elsewhere.post(
            f"{server.base}/oauth/consent",
            data={"state": state, "token": token, "decision": "allow"},
        )
    assert forged.status_code == 400 and "location" not in forged.headers
