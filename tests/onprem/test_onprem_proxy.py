"""The standard proxy variables, through a real proxy (proxy.py) on loopback that records what
it forwards: the portal's calls go through it, loopback never does, NO_PROXY and lower-case
variables are read as curl and urllib read them, and a proxy's password is never shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bitrix24_scrum_mcp.config import Settings
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.sandbox import DEMO_SPRINT_ID, DEMO_USER_ID
from tests.live_sandbox import running_sandbox
from tests.onprem.support import (
    Certificates,
    LoopbackProxy,
    TlsPortal,
    loopback_proxy,
    session,
    settings,
    structured,
    tls_sandbox,
)

pytestmark = pytest.mark.anyio
CLOSED = "http://127.0.0.1:9"  # a proxy address nothing listens on


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackProxy]:
    with loopback_proxy(tmp_path_factory.mktemp("proxy")) as running:
        yield running


@pytest.fixture
def portal(tmp_path: Path, proxy: LoopbackProxy) -> Iterator[TlsPortal]:
    proxy.forget()
    with tls_sandbox(Certificates(tmp_path)) as live:
        yield live


async def _sprint_get(**env: str) -> dict[str, object]:
    async with session(settings(**env)) as (mcp, _):
        result = await mcp.call_tool("sprint_get", {"id": DEMO_SPRINT_ID})
    return {"is_error": result.is_error, **structured(result)}


async def test_calls_to_a_named_portal_go_through_https_proxy(
    portal: TlsPortal, proxy: LoopbackProxy
) -> None:
    answer = await _sprint_get(
        BITRIX24_WEBHOOK_URL=portal.webhook_url("portal.test"),
        BITRIX24_CA_BUNDLE=str(portal.ca_file),
        HTTPS_PROXY=proxy.url,
    )
    assert answer["is_error"] is False, answer
    assert proxy.passed() == [f"CONNECT portal.test:{portal.port}"]
    assert portal.portal.request_count == 1


async def test_loopback_is_never_proxied(portal: TlsPortal, proxy: LoopbackProxy) -> None:
    for host in ("127.0.0.1", "localhost"):
        answer = await _sprint_get(
            BITRIX24_WEBHOOK_URL=portal.webhook_url(host),
            BITRIX24_CA_BUNDLE=str(portal.ca_file),
            HTTPS_PROXY=proxy.url,
            ALL_PROXY=proxy.url,
        )
        assert answer["is_error"] is False, answer
    assert proxy.passed() == []
    assert portal.portal.request_count == 2


async def test_the_lower_case_variable_wins_over_the_upper_case_one(
    portal: TlsPortal, proxy: LoopbackProxy
) -> None:
    answer = await _sprint_get(
        BITRIX24_WEBHOOK_URL=portal.webhook_url("portal.test"),
        BITRIX24_CA_BUNDLE=str(portal.ca_file),
        https_proxy=proxy.url,
        HTTPS_PROXY=CLOSED,
    )
    assert answer["is_error"] is False, answer
    assert proxy.passed() == [f"CONNECT portal.test:{portal.port}"]


async def test_all_proxy_serves_when_no_scheme_proxy_is_set(
    portal: TlsPortal, proxy: LoopbackProxy
) -> None:
    answer = await _sprint_get(
        BITRIX24_WEBHOOK_URL=portal.webhook_url("portal.test"),
        BITRIX24_CA_BUNDLE=str(portal.ca_file),
        ALL_PROXY=proxy.url,
        HTTP_PROXY=CLOSED,  # for http:// destinations only
    )
    assert answer["is_error"] is False, answer
    assert proxy.passed() == [f"CONNECT portal.test:{portal.port}"]


async def test_plain_http_by_opt_in_goes_through_http_proxy(proxy: LoopbackProxy) -> None:
    proxy.forget()
    with running_sandbox() as live:
        url = live.webhook_url.replace("127.0.0.1", "intranet.test")
        port = url.split(":")[2].split("/")[0]
        answer = await _sprint_get(
            BITRIX24_WEBHOOK_URL=url, BITRIX24_ALLOW_HTTP="1", HTTP_PROXY=proxy.url
        )
        assert answer["is_error"] is False, answer
        assert live.portal.request_count == 1
    assert proxy.passed() == [f"POST intranet.test:{port}"]


async def test_a_token_refresh_goes_through_the_proxy_while_the_loopback_portal_does_not(
    tmp_path: Path, portal: TlsPortal, proxy: LoopbackProxy
) -> None:
    portal.portal.issue_oauth_tokens(
        DEMO_USER_ID,
        "acc3ssExp1red",
        "r3fr3shT0ken",
        expires_in=0,
        client_id="app",
        client_secret="s3cret",
    )
    with tls_sandbox(Certificates(tmp_path / "oauth"), portal=portal.portal) as oauth_server:
        env = {
            "BITRIX24_PORTAL_URL": portal.origin(),
            "BITRIX24_ACCESS_TOKEN": "acc3ssExp1red",
            "BITRIX24_REFRESH_TOKEN": "r3fr3shT0ken",
            "BITRIX24_CLIENT_ID": "app",
            "BITRIX24_CLIENT_SECRET": "s3cret",
            "BITRIX24_OAUTH_SERVER": oauth_server.origin("oauth.test"),
            "SSL_CERT_FILE": str(portal.ca_file),
            "BITRIX24_CA_BUNDLE": str(oauth_server.ca_file),
            "HTTPS_PROXY": proxy.url,
        }
        answer = await _sprint_get(**env)
    assert answer["is_error"] is False, answer
    assert proxy.passed() == [f"CONNECT oauth.test:{oauth_server.port}"]
    assert oauth_server.paths == ["/oauth/token/"]


def test_the_proxy_decision_is_shown_with_the_variable_that_made_it() -> None:
    url = "https://portal.example.com/rest/1/abcd1234/"
    shown = {
        "HTTPS_PROXY": "through the proxy http://proxy.corp:3128 (HTTPS_PROXY)",
        "https_proxy": "through the proxy http://proxy.corp:3128 (https_proxy)",
    }
    for name, expected in shown.items():
        assert Settings.from_env({"BITRIX24_WEBHOOK_URL": url, name: "proxy.corp:3128"}).redacted()[
            "proxy"
        ] == expected  # fmt: skip
    for no_proxy in ("example.com", ".example.com", "portal.example.com:443", "*"):
        config = Settings.from_env(
            {
                "BITRIX24_WEBHOOK_URL": url,
                "HTTPS_PROXY": "http://proxy.corp:3128",
                "no_proxy": no_proxy,
            }
        )
        assert config.redacted()["proxy"] == "direct (no_proxy names this host)", no_proxy
    kept = Settings.from_env(
        {
            "BITRIX24_WEBHOOK_URL": url,
            "HTTPS_PROXY": "http://proxy.corp:3128",
            "NO_PROXY": "ample.com,portal.example.com:8443",
        }
    )
    assert kept.redacted()["proxy"].startswith("through the proxy")
    assert (
        Settings.from_env({"BITRIX24_WEBHOOK_URL": url}).redacted()["proxy"]
        == "direct (no proxy is set)"
    )


def test_a_proxy_password_is_never_shown() -> None:
    config = Settings.from_env(
        {"BITRIX24_WEBHOOK_URL": "https://portal.example.com/rest/1/abcd1234/",
         "HTTPS_PROXY": "http://alice:Pr0xyS3cret@proxy.corp:3128"}
    )  # fmt: skip
    assert (
        config.redacted()["proxy"] == "through the proxy http://***@proxy.corp:3128 (HTTPS_PROXY)"
    )
    assert "Pr0xyS3cret" not in repr(config)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("socks5://proxy.corp:1080", "HTTPS_PROXY must be an http:// or https:// proxy"),
        ("http://proxy.corp:port", "HTTPS_PROXY is not a valid proxy URL"),
        ("http://:3128", "HTTPS_PROXY has no host name"),
    ],
)
def test_a_proxy_variable_that_cannot_work_stops_start_up_naming_it(
    value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(
            {
                "BITRIX24_WEBHOOK_URL": "https://portal.example.com/rest/1/abcd1234/",
                "HTTPS_PROXY": value,
            }
        )
