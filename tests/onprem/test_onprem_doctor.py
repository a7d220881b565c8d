"""`doctor` on the way to an on-premise portal: the certificate (issuer, expiry, why it is
refused), the proxy (which route, which variable), the limit (what to set), and the start-up
warnings, against the sandbox over TLS, through proxy.py on loopback, and the stand-in
portal for answers the sandbox never gives.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bitrix24_scrum_mcp.config import Settings
from bitrix24_scrum_mcp.doctor import run_doctor
from bitrix24_scrum_mcp.doctor_network import check_limit
from bitrix24_scrum_mcp.doctor_report import Report
from bitrix24_scrum_mcp.envelope import RestResult
from bitrix24_scrum_mcp.sandbox import DEMO_WEBHOOK_CODE, FaultConfig
from tests.live_sandbox import running_sandbox
from tests.onprem.support import Certificates, LoopbackProxy, TlsPortal, loopback_proxy, tls_sandbox
from tests.standin import Recorded, Reply, StandIn

CA = "Example Corp Root CA, Testing CA #"


def _doctor(**env: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run_doctor(env, out=out)
    text = out.getvalue()
    assert DEMO_WEBHOOK_CODE not in text
    return code, text


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return Certificates(tmp_path)


@pytest.fixture
def portal(certificates: Certificates) -> Iterator[TlsPortal]:
    with tls_sandbox(certificates) as live:
        yield live


def _until(days: int) -> str:
    return f"{datetime.now(UTC) + timedelta(days=days, hours=1):%Y-%m-%d}"


def test_a_trusted_certificate_is_shown_with_its_issuer_and_expiry(portal: TlsPortal) -> None:
    code, out = _doctor(
        BITRIX24_WEBHOOK_URL=portal.webhook_url(), BITRIX24_CA_BUNDLE=str(portal.ca_file)
    )
    assert code == 0, out
    assert (
        f"  trust       the system's certificate store + BITRIX24_CA_BUNDLE ({portal.ca_file})"
        in out
    )
    line = next(line for line in out.splitlines() if "certificate:" in line)
    assert line.startswith("  [  OK] certificate: issued for 127.0.0.1, localhost, portal.test")
    assert f"by {CA}" in line and f"valid until {_until(365)} (365 days left)" in line
    assert "trusted through the system's certificate store + BITRIX24_CA_BUNDLE" in line
    assert "[  OK] portal:" in out and "All checks passed" in out


def test_a_certificate_about_to_expire_is_a_warning(certificates: Certificates) -> None:
    soon = certificates.leaf("soon", "127.0.0.1", days_left=9)
    with tls_sandbox(certificates, soon) as live:
        code, out = _doctor(
            BITRIX24_WEBHOOK_URL=live.webhook_url(), BITRIX24_CA_BUNDLE=str(live.ca_file)
        )
    assert code == 0, out
    assert "[WARN] certificate: issued for 127.0.0.1" in out and "(9 days left)" in out
    assert "fix: it expires in 9 days: the portal's administrator should renew it" in out


def test_an_untrusted_certificate_fails_naming_its_issuer_and_what_to_set(
    portal: TlsPortal,
) -> None:
    code, out = _doctor(BITRIX24_WEBHOOK_URL=portal.webhook_url())
    assert code == 1
    assert (
        f"  [FAIL] certificate: {portal.origin()}: unknown issuer: it is issued by a certificate "
        "authority this computer does not trust; the portal presents a certificate issued for "
        f"127.0.0.1, localhost, portal.test, oauth.test by {CA}"
    ) in out
    assert (
        "fix: if the portal uses a company CA, set BITRIX24_CA_BUNDLE to that CA's certificate"
        in out
    )
    assert "(trusted now: the system's certificate store)" in out
    assert "[  OK] portal" not in out and "[FAIL] portal" not in out


def test_an_expired_certificate_fails_with_its_date(certificates: Certificates) -> None:
    expired = certificates.leaf("expired", "127.0.0.1", days_left=-35)
    with tls_sandbox(certificates, expired) as live:
        code, out = _doctor(
            BITRIX24_WEBHOOK_URL=live.webhook_url(), BITRIX24_CA_BUNDLE=str(live.ca_file)
        )
    assert code == 1
    assert f"[FAIL] certificate: {live.origin()}: expired: it has expired" in out
    assert f"valid until {_until(-35)}" in out
    assert "fix: the portal's administrator must renew it" in out


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackProxy]:
    with loopback_proxy(tmp_path_factory.mktemp("proxy")) as running:
        yield running


def test_doctor_through_the_proxy_shows_the_route_and_reads_the_certificate_through_it(
    portal: TlsPortal, proxy: LoopbackProxy
) -> None:
    proxy.forget()
    code, out = _doctor(
        BITRIX24_WEBHOOK_URL=portal.webhook_url("portal.test"),
        BITRIX24_CA_BUNDLE=str(portal.ca_file),
        HTTPS_PROXY=proxy.url,
    )
    assert code == 0, out
    assert f"  proxy       through the proxy {proxy.url} (HTTPS_PROXY)" in out
    assert (
        f"[  OK] proxy: calls to {portal.origin('portal.test')} go through the proxy "
        f"{proxy.url} (HTTPS_PROXY)"
    ) in out
    assert "[  OK] certificate: issued for" in out
    assert set(proxy.passed()) == {f"CONNECT portal.test:{portal.port}"}
    assert portal.portal.request_count == 3  # server.time, scope, sprint.getFields


def test_doctor_on_a_loopback_portal_says_the_proxy_is_not_used(portal: TlsPortal) -> None:
    code, out = _doctor(
        BITRIX24_WEBHOOK_URL=portal.webhook_url(),
        BITRIX24_CA_BUNDLE=str(portal.ca_file),
        HTTPS_PROXY="http://127.0.0.1:9",
    )
    assert code == 0, out
    assert f"[  OK] proxy: calls to {portal.origin()} go direct (loopback is never proxied)" in out


def test_doctor_warns_about_plain_http_and_shows_the_opt_in(proxy: LoopbackProxy) -> None:
    with running_sandbox() as live:
        url = live.webhook_url.replace("127.0.0.1", "intranet.test")
        code, out = _doctor(BITRIX24_WEBHOOK_URL=url, BITRIX24_ALLOW_HTTP="1", HTTP_PROXY=proxy.url)
    assert code == 0, out
    assert "  plain_http  allowed (BITRIX24_ALLOW_HTTP=1)" in out
    assert "[WARN] settings: plain http to http://intranet.test:" in out
    assert "the webhook code travels in clear" in out
    assert "certificate" not in out.split("Checks:")[1]  # no TLS, nothing to check


def test_on_premise_pacing_at_the_cloud_default_gets_the_hint_to_turn_it_off() -> None:
    with running_sandbox() as live:
        code, out = _doctor(BITRIX24_WEBHOOK_URL=live.webhook_url)
        _, off = _doctor(BITRIX24_WEBHOOK_URL=live.webhook_url, BITRIX24_RATE_LIMIT="off")
        _, explicit = _doctor(BITRIX24_WEBHOOK_URL=live.webhook_url, BITRIX24_RATE_LIMIT="5/100")
    assert code == 0, out
    assert (
        "[  OK] limit: pacing 2/s, burst 50 (the cloud's standard limit); the portal answered "
        "without a limit error; time.operating 0 s"
    ) in out
    assert "hint: an on-premise portal limits requests only if its administrator set a limit" in out
    assert "BITRIX24_RATE_LIMIT=off lets calls go at full speed" in out
    assert (
        "[  OK] limit: pacing off (no client-side pacing); the portal answered without a limit error"
        in off
    )
    assert "hint:" not in off
    assert "[  OK] limit: pacing 5/s, burst 100; the portal answered" in explicit


@pytest.mark.parametrize(
    ("rate", "what", "fix"),
    [
        ("off", "the portal refused a request for rate (QUERY_LIMIT_EXCEEDED): it has a request limit",
         "set BITRIX24_RATE_LIMIT to the portal's limit: 2/50 for the cloud's standard plan, 5/250 for Enterprise"),
        ("4/40", "the portal is limiting requests (QUERY_LIMIT_EXCEEDED) although calls are paced at 4/s, burst 40",
         "set BITRIX24_RATE_LIMIT lower, e.g. 2/20"),
    ],
)  # fmt: skip
def test_a_limit_error_says_what_to_set(rate: str, what: str, fix: str) -> None:
    with running_sandbox(
        faults=FaultConfig(rate_limit_drain_per_s=1.0, rate_limit_threshold=0)
    ) as live:
        code, out = _doctor(BITRIX24_WEBHOOK_URL=live.webhook_url, BITRIX24_RATE_LIMIT=rate)
    assert code == 1
    assert f"[FAIL] portal: {what}" in out
    assert fix in out


def test_time_operating_from_the_answers_is_reported(standin: StandIn) -> None:
    def answer(request: Recorded) -> Reply:
        result = ["task"] if request.method == "scope" else {"ok": True}
        return Reply(
            body={"result": result, "time": {"operating": 37.5, "operating_reset_at": 1725260400}}
        )

    standin.reply_with(answer)
    code, out = _doctor(BITRIX24_WEBHOOK_URL=standin.webhook_url, BITRIX24_TOOLSETS="sprint")
    assert code == 0, out
    assert (
        "time.operating 37.5 s (a method's execution time in the portal's 10-minute window, "
        "window moves on at 07:00:00 UTC; docs: blocked past 480 s in the cloud)" in out
    )


@pytest.mark.parametrize(
    ("rate", "status", "says"),
    [
        (None, "ok", "pacing 2/s, burst 50: the cloud's limit is 2/50"),
        (
            "off",
            "warn",
            "pacing off (no client-side pacing), but a cloud portal refuses requests past 2/50",
        ),
    ],
)
def test_a_cloud_portal_is_told_its_documented_limit(
    rate: str | None, status: str, says: str
) -> None:
    env = {"BITRIX24_WEBHOOK_URL": "https://team.bitrix24.com/rest/1/abcd1234/"}
    if rate:
        env["BITRIX24_RATE_LIMIT"] = rate
    report = Report({})
    check_limit(report, Settings.from_env(env), [RestResult(True, time={"operating": 2})])
    (check,) = report.checks
    assert (check.name, check.status) == ("limit", status)
    assert check.detail.startswith(says) and "time.operating 2 s" in check.detail
    if status == "warn":
        assert (
            check.fix
            == "unset BITRIX24_RATE_LIMIT (the default is 2/50), or set 5/250 on Enterprise"
        )
