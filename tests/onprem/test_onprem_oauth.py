"""OAuth with an on-premise portal: the OAuth server is configurable
(`BITRIX24_OAUTH_SERVER`, `portal` for the portal's own, the deprecated `BITRIX24_OAUTH_URL`
still read), a token refresh goes there over the same trust, and `oauth_endpoints` gives a
sign-in flow the portal's authorize endpoint and the server's token endpoint.

The portal and the OAuth server are the sandbox over TLS (it serves `/oauth/token/`); a
separate OAuth server is a second app on the same emulated portal, so it can trade the
portal's refresh tokens.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bitrix24_scrum_mcp.config import DEFAULT_OAUTH_SERVER, OAuth, Settings
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.oauth import OAuthEndpoints, TokenKeeper, oauth_endpoints
from bitrix24_scrum_mcp.sandbox import DEMO_SPRINT_ID, DEMO_USER_ID, Portal
from tests.onprem.support import Certificates, TlsPortal, session, settings, structured, tls_sandbox

pytestmark = pytest.mark.anyio
EXPIRED, REFRESH = "acc3ssExp1red0ne", "r3fr3shT0kenOnPrem"
CLIENT_ID, CLIENT_SECRET = "local.onprem.app", "cl13ntS3cretOnPrem"
PORTAL = {"BITRIX24_PORTAL_URL": "https://intranet.example.com", "BITRIX24_ACCESS_TOKEN": "t0ken"}


def test_the_cloud_oauth_server_is_the_default() -> None:
    config = Settings.from_env(PORTAL)
    assert isinstance(config.portal, OAuth)
    assert config.portal.oauth_server == DEFAULT_OAUTH_SERVER == "https://oauth.bitrix.info"
    assert config.warnings == ()


@pytest.mark.parametrize(
    ("value", "server"),
    [
        ("portal", "https://intranet.example.com"),
        ("PORTAL", "https://intranet.example.com"),
        ("https://sso.example.com/", "https://sso.example.com"),
        ("https://gateway.example.com/bitrix", "https://gateway.example.com/bitrix"),
    ],
)
def test_oauth_server_names_the_server_or_the_portal_itself(value: str, server: str) -> None:
    config = Settings.from_env({**PORTAL, "BITRIX24_OAUTH_SERVER": value})
    assert isinstance(config.portal, OAuth)
    assert config.portal.oauth_server == server
    assert config.redacted()["oauth_server"] == server


def test_the_old_name_still_works_with_a_deprecation_warning() -> None:
    config = Settings.from_env({**PORTAL, "BITRIX24_OAUTH_URL": "https://sso.example.com"})
    assert isinstance(config.portal, OAuth)
    assert config.portal.oauth_server == "https://sso.example.com"
    assert config.warnings == ("BITRIX24_OAUTH_URL is deprecated: rename it BITRIX24_OAUTH_SERVER",)
    both = Settings.from_env(
        {
            **PORTAL,
            "BITRIX24_OAUTH_URL": "https://old.example.com",
            "BITRIX24_OAUTH_SERVER": "portal",
        }
    )
    assert (
        isinstance(both.portal, OAuth)
        and both.portal.oauth_server == "https://intranet.example.com"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("https://oauth.bitrix.info/oauth/token/", "without /oauth/token/ (it is added)"),
        ("http://sso.example.com", "BITRIX24_OAUTH_SERVER must use https://"),
        ("sso.example.com", "BITRIX24_OAUTH_SERVER must start with https://"),
    ],
)
def test_an_oauth_server_that_cannot_work_is_refused(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Settings.from_env({**PORTAL, "BITRIX24_OAUTH_SERVER": value})


def test_the_endpoints_for_a_sign_in_flow() -> None:
    assert oauth_endpoints("https://team.bitrix24.com") == OAuthEndpoints(
        authorize="https://team.bitrix24.com/oauth/authorize/",
        token="https://oauth.bitrix.info/oauth/token/",
    )
    assert oauth_endpoints(
        "https://intranet.example.com", "https://intranet.example.com"
    ) == OAuthEndpoints(
        authorize="https://intranet.example.com/oauth/authorize/",
        token="https://intranet.example.com/oauth/token/",
    )


def _expired_tokens(portal: Portal) -> None:
    portal.issue_oauth_tokens(
        DEMO_USER_ID,
        EXPIRED,
        REFRESH,
        expires_in=0,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )


def _env(live: TlsPortal, oauth_server: str) -> dict[str, str]:
    return {
        "BITRIX24_PORTAL_URL": live.origin(),
        "BITRIX24_ACCESS_TOKEN": EXPIRED,
        "BITRIX24_REFRESH_TOKEN": REFRESH,
        "BITRIX24_CLIENT_ID": CLIENT_ID,
        "BITRIX24_CLIENT_SECRET": CLIENT_SECRET,
        "BITRIX24_OAUTH_SERVER": oauth_server,
        "BITRIX24_CA_BUNDLE": str(live.ca_file),
    }


async def _sprint_get_after_refresh(env: dict[str, str]) -> int:
    async with session(settings(**env)) as (mcp, client):
        result = await mcp.call_tool("sprint_get", {"id": DEMO_SPRINT_ID})
        assert not result.is_error, structured(result)
        assert structured(result)["id"] == DEMO_SPRINT_ID
        assert isinstance(client.tokens, TokenKeeper)
        return client.tokens.refreshes


async def test_an_expired_token_is_refreshed_at_the_portals_own_oauth_server(
    tmp_path: Path,
) -> None:
    with tls_sandbox(Certificates(tmp_path)) as live:
        _expired_tokens(live.portal)
        assert await _sprint_get_after_refresh(_env(live, "portal")) == 1
        assert live.paths == [
            "/rest/tasks.api.scrum.sprint.get",  # expired_token
            "/oauth/token/",
            "/rest/tasks.api.scrum.sprint.get",
        ]


async def test_an_expired_token_is_refreshed_at_the_configured_oauth_server(tmp_path: Path) -> None:
    certificates = Certificates(tmp_path)
    with tls_sandbox(certificates) as live:
        _expired_tokens(live.portal)
        with tls_sandbox(certificates, portal=live.portal) as oauth_server:
            env = _env(live, oauth_server.origin("localhost"))
            assert await _sprint_get_after_refresh(env) == 1
        assert oauth_server.paths == ["/oauth/token/"]
        assert "/oauth/token/" not in live.paths


async def test_a_refresh_refused_for_its_certificate_says_which_check_failed(
    tmp_path: Path,
) -> None:
    certificates = Certificates(tmp_path)
    with tls_sandbox(certificates) as live:
        _expired_tokens(live.portal)
        with tls_sandbox(Certificates(tmp_path / "other-ca"), portal=live.portal) as foreign:
            env = _env(live, foreign.origin())
            async with session(settings(**env)) as (mcp, _):
                result = await mcp.call_tool("sprint_get", {"id": DEMO_SPRINT_ID})
    answer = structured(result)
    assert answer["error"] == "expired_token"
    assert "refreshing it failed (the TLS certificate of " in answer["error_description"]
    assert "(unknown issuer)" in answer["error_description"]
    for secret in (EXPIRED, REFRESH, CLIENT_SECRET):
        assert secret not in str(answer)
