"""`doctor`'s checks of the way to the portal: the proxy, the certificate and the limit.

- proxy: whether calls go through a proxy, and which variable said so (or bypassed it).
- certificate: who issued the portal's certificate and until when it is valid, read from a
  handshake that does not verify it, so a refused certificate can be described too; and,
  from the real call, whether it is trusted and why not.
- limit: the pacing set against what the portal is and what its answers report (a limit
  error, `time.operating`), with the value to set.

A portal is taken for the cloud when its host is `*.bitrix24.<tld>`; anything else is an
on-premise portal, whose administrator may have turned the request limit off.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx2

from bitrix24_scrum_mcp.certificates import CertificateError
from bitrix24_scrum_mcp.config import Limits, OAuth, Settings, Webhook
from bitrix24_scrum_mcp.connections import PortalTransport
from bitrix24_scrum_mcp.doctor_report import Report
from bitrix24_scrum_mcp.envelope import RestResult
from bitrix24_scrum_mcp.errors import RateLimitedError

CLOUD_HOST = re.compile(r"(^|\.)bitrix24\.[a-z]{2,3}(\.[a-z]{2})?$")
RENEW_SOON_DAYS = 21
ON_PREMISE_HINT = (
    "an on-premise portal limits requests only if its administrator set a limit: with none, "
    "BITRIX24_RATE_LIMIT=off lets calls go at full speed; with one, set it to that value "
    "(RATE/BURST, e.g. 5/250)"
)
CLOUD_LIMITS = "2/50 (2 requests a second after a burst of 50; Enterprise plan: 5/250)"


def is_cloud(origin: str) -> bool:
    return bool(CLOUD_HOST.search((urlsplit(origin).hostname or "").lower()))


def check_proxy(report: Report, settings: Settings, origin: str) -> None:
    route = settings.network.route(origin)
    report.add("proxy", "ok", f"calls to {origin} go {route.shown}")
    if isinstance(settings.portal, OAuth) and settings.portal.oauth_server != origin:
        server = settings.portal.oauth_server
        route = settings.network.route(server)
        report.add("proxy", "ok", f"token refreshes at {server} go {route.shown}")


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    names: tuple[str, ...]
    subject: str
    issuer: str
    not_after: datetime

    def shown(self) -> str:
        names = ", ".join(self.names) or self.subject
        return f"issued for {names} by {self.issuer}, valid until {self.not_after:%Y-%m-%d}"


def describe(der: bytes) -> CertificateInfo:
    """Read a DER certificate, as `SSLObject.getpeercert(binary_form=True)` returns it."""
    from cryptography import x509  # doctor only: not worth its import time at start-up

    cert = x509.load_der_x509_certificate(der)
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(
            str(entry.value) for entry in alt if isinstance(entry, (x509.DNSName, x509.IPAddress))
        )
    except x509.ExtensionNotFound:
        names = ()

    def readable(name: x509.Name) -> str:
        """The common name, else organization and unit: what a person recognises."""
        common = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        parts = common or [
            *name.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME),
            *name.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME),
        ]
        return ", ".join(str(part.value) for part in parts) or name.rfc4514_string()

    return CertificateInfo(
        names=names,
        subject=readable(cert.subject),
        issuer=readable(cert.issuer),
        not_after=cert.not_valid_after_utc,
    )


async def presented_certificate(settings: Settings, origin: str) -> CertificateInfo | None:
    """The certificate `origin` presents, by the same route as the calls, not verified.

    A `HEAD /` with no credentials is the request that carries the handshake; its answer is
    not read. None when no TLS connection could be made at all.
    """
    limits = settings.limits
    timeout = httpx2.Timeout(limits.read_timeout_s, connect=limits.connect_timeout_s)
    transport = PortalTransport(settings.network, verify=False)
    async with httpx2.AsyncClient(transport=transport, timeout=timeout) as http:
        try:
            async with http.stream("HEAD", f"{origin}/") as response:
                stream = response.extensions.get("network_stream")
                tls = stream.get_extra_info("ssl_object") if stream is not None else None
                der = tls.getpeercert(binary_form=True) if isinstance(tls, ssl.SSLObject) else None
        except httpx2.HTTPError:
            return None
    return describe(der) if der else None


def certificate_refused(
    report: Report, settings: Settings, error: CertificateError, info: CertificateInfo | None
) -> None:
    refusal = error.refusal
    presented = f"; the portal presents a certificate {info.shown()}" if info else ""
    host = urlsplit(error.origin).hostname or error.origin
    report.add(
        "certificate",
        "fail",
        f"{error.origin}: {refusal.check}: {refusal.why.format(host=host)}{presented}",
        f"{refusal.fix}\n(trusted now: {settings.network.trust})",
    )


def certificate_trusted(report: Report, settings: Settings, info: CertificateInfo | None) -> None:
    if info is None:
        report.add("certificate", "warn", "trusted, but could not be read again to show it")
        return
    days = (info.not_after - datetime.now(UTC)).days
    detail = f"{info.shown()} ({days} days left); trusted through {settings.network.trust}"
    if days < RENEW_SOON_DAYS:
        report.add(
            "certificate",
            "warn",
            detail,
            f"it expires in {days} days: the portal's administrator should renew it",
        )
    else:
        report.add("certificate", "ok", detail)


def check_limit(report: Report, settings: Settings, answers: Sequence[RestResult]) -> None:
    """The pacing against the portal's kind and what its answers' `time` blocks report."""
    assert isinstance(settings.portal, (Webhook, OAuth))
    limits = settings.limits
    cloud = is_cloud(settings.portal.origin)
    operating = [
        (float(used), answer.time.get("operating_reset_at"))
        for answer in answers
        if isinstance(used := answer.time.get("operating"), (int, float))
    ]
    budget = ""
    if operating:
        used, reset_at = max(operating, key=lambda pair: pair[0])
        resets = (
            f", window moves on at {datetime.fromtimestamp(reset_at, UTC):%H:%M:%S} UTC"
            if isinstance(reset_at, (int, float)) and used > 0
            else ""
        )
        budget = (
            f"; time.operating {used:g} s (a method's execution time in the portal's "
            f"10-minute window{resets}; docs: blocked past 480 s in the cloud)"
        )
    pacing = f"pacing {limits.shown}"
    if cloud and not limits.paced:
        report.add(
            "limit",
            "warn",
            f"{pacing}, but a cloud portal refuses requests past {CLOUD_LIMITS}{budget}",
            "unset BITRIX24_RATE_LIMIT (the default is 2/50), or set 5/250 on Enterprise",
        )
    elif cloud:
        report.add("limit", "ok", f"{pacing}: the cloud's limit is {CLOUD_LIMITS}{budget}")
    elif limits.paced and _is_default(limits):
        report.add(
            "limit",
            "ok",
            f"{pacing} (the cloud's standard limit); the portal answered without a limit "
            f"error{budget}",
            ON_PREMISE_HINT,
        )
    else:
        report.add("limit", "ok", f"{pacing}; the portal answered without a limit error{budget}")


def explain_limited(error: RateLimitedError, limits: Limits) -> tuple[str, str]:
    """(what happened, what to set) for a call the portal refused for its limits."""
    if error.error == "OPERATION_TIME_LIMIT":
        return (
            "a method used up its execution-time budget on the portal (OPERATION_TIME_LIMIT)",
            "it is unblocked when the portal's 10-minute window moves on "
            "(time.operating_reset_at); calls of other methods still work",
        )
    if not limits.paced:
        return (
            f"the portal refused a request for rate ({error.error}): it has a request limit",
            "set BITRIX24_RATE_LIMIT to the portal's limit: 2/50 for the cloud's standard "
            "plan, 5/250 for Enterprise, or the value the portal's administrator set",
        )
    half = f"{limits.rate_per_s / 2:g}/{max(1, limits.burst // 2)}"
    return (
        f"the portal is limiting requests ({error.error}) although calls are paced at "
        f"{limits.shown}",
        "another client may share the portal's budget: wait a minute and run doctor again; "
        f"if it keeps happening, set BITRIX24_RATE_LIMIT lower, e.g. {half}",
    )


def _is_default(limits: Limits) -> bool:
    default = Limits()
    return (limits.rate_per_s, limits.burst) == (default.rate_per_s, default.burst)
