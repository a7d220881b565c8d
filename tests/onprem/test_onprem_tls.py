"""A portal whose certificate a company CA issued: the sandbox over TLS, the real REST client
built by `build_client` from settings, and a real MCP client on our server.

Trusted with `BITRIX24_CA_BUNDLE` (or `SSL_CERT_FILE`), calls work; without it, and for a
certificate issued for another name, expired or self-signed, the tool answers
`TLS_CERTIFICATE` with the failed check and what to set, and nothing reaches the portal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bitrix24_scrum_mcp.config import Settings
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.sandbox import DEMO_SPRINT_ID, DEMO_WEBHOOK_CODE
from tests.onprem.support import Certificates, TlsPortal, session, settings, structured, tls_sandbox

pytestmark = pytest.mark.anyio


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return Certificates(tmp_path)


async def _sprint_get(env: dict[str, str]) -> dict[str, object]:
    async with session(settings(**env)) as (mcp, _):
        result = await mcp.call_tool("sprint_get", {"id": DEMO_SPRINT_ID})
    return {"is_error": result.is_error, **structured(result)}


async def test_the_ca_bundle_lets_calls_reach_a_portal_with_a_company_certificate(
    certificates: Certificates,
) -> None:
    with tls_sandbox(certificates) as live:
        answer = await _sprint_get(
            {"BITRIX24_WEBHOOK_URL": live.webhook_url(), "BITRIX24_CA_BUNDLE": str(live.ca_file)}
        )
        assert answer["is_error"] is False
        assert answer["id"] == DEMO_SPRINT_ID
        assert live.portal.request_count == 1


async def test_ssl_cert_file_instead_of_the_system_store_works_too(
    certificates: Certificates,
) -> None:
    with tls_sandbox(certificates) as live:
        answer = await _sprint_get(
            {"BITRIX24_WEBHOOK_URL": live.webhook_url(), "SSL_CERT_FILE": str(live.ca_file)}
        )
        assert answer["is_error"] is False


def _refused(answer: dict[str, object], check: str, live: TlsPortal) -> str:
    assert answer["is_error"] is True
    assert answer["error"] == "TLS_CERTIFICATE"
    assert answer["retryable"] is False
    assert answer["method"] == "tasks.api.scrum.sprint.get"
    description = str(answer["error_description"])
    assert f"the TLS certificate of {live.origin()} was refused ({check})" in description
    assert DEMO_WEBHOOK_CODE not in description and "/rest/" not in description
    assert live.portal.request_count == 0  # the handshake failed: nothing was sent
    return description


async def test_without_the_ca_bundle_the_error_says_unknown_issuer_and_what_to_set(
    certificates: Certificates,
) -> None:
    with tls_sandbox(certificates) as live:
        answer = await _sprint_get({"BITRIX24_WEBHOOK_URL": live.webhook_url()})
        description = _refused(answer, "unknown issuer", live)
        assert "issued by a certificate authority this computer does not trust" in description
        assert "set BITRIX24_CA_BUNDLE to that CA's certificate (a PEM file)" in description


async def test_a_certificate_for_another_name_is_a_name_mismatch(
    certificates: Certificates,
) -> None:
    other = certificates.leaf("other", "intranet.example.test")
    with tls_sandbox(certificates, other) as live:
        answer = await _sprint_get(
            {"BITRIX24_WEBHOOK_URL": live.webhook_url(), "BITRIX24_CA_BUNDLE": str(live.ca_file)}
        )
        description = _refused(answer, "name mismatch", live)
        assert "it is not issued for 127.0.0.1" in description
        assert "use the portal address the certificate names" in description


async def test_an_expired_certificate_says_expired(certificates: Certificates) -> None:
    expired = certificates.leaf("expired", "127.0.0.1", days_left=-35)
    with tls_sandbox(certificates, expired) as live:
        answer = await _sprint_get(
            {"BITRIX24_WEBHOOK_URL": live.webhook_url(), "BITRIX24_CA_BUNDLE": str(live.ca_file)}
        )
        description = _refused(answer, "expired", live)
        assert "the portal's administrator must renew it" in description


async def test_a_self_signed_certificate_says_self_signed(certificates: Certificates) -> None:
    with tls_sandbox(certificates, certificates.self_signed()) as live:
        answer = await _sprint_get({"BITRIX24_WEBHOOK_URL": live.webhook_url()})
        description = _refused(answer, "self-signed", live)
        assert "BITRIX24_CA_BUNDLE" in description


async def test_https_to_a_plain_http_port_says_the_handshake_failed() -> None:
    from tests.live_sandbox import running_sandbox

    with running_sandbox() as live:
        url = live.webhook_url.replace("http://", "https://")
        answer = await _sprint_get({"BITRIX24_WEBHOOK_URL": url})
    assert answer["error"] == "CONNECT_FAILED"
    assert "the TLS handshake failed" in str(answer["error_description"])
    assert DEMO_WEBHOOK_CODE not in str(answer["error_description"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "BITRIX24_CA_BUNDLE names a file that does not exist"),
        (b"not a certificate\n", "BITRIX24_CA_BUNDLE must be a file of PEM certificates"),
    ],
)
def test_a_ca_bundle_that_cannot_be_used_stops_start_up_naming_it(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    bundle = tmp_path / "ca.pem"
    if content is not None:
        bundle.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(
            {"BITRIX24_WEBHOOK_URL": "https://portal.example.com/rest/1/abcd1234/",
             "BITRIX24_CA_BUNDLE": str(bundle)}
        )  # fmt: skip


def test_the_sandbox_ignores_certificate_settings_it_does_not_use(tmp_path: Path) -> None:
    config = Settings.from_env(
        {"BITRIX24_SANDBOX": "1", "BITRIX24_CA_BUNDLE": str(tmp_path / "missing.pem")}
    )
    assert config.network.ca_bundle is None
