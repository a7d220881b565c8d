"""`bitrix24-scrum-mcp doctor`: check the configuration against the portal, in plain words.

Shows the configuration with secrets hidden and what start-up would warn about (plain http,
a deprecated variable), then the way to the portal (proxy, certificate: `doctor_network`),
calls `server.time` (reachability, credentials, one timed round trip), `scope` (the `task`
scope is granted) and one read-only Scrum method (the portal offers `tasks.api.scrum.*`),
and weighs the pacing against the portal's answers (limit). Each failure says what to fix.
Exit code 0 only when every check passed; warnings (an optional scope missing) do not
change it.

doctor is not an MCP transport, so its report goes to stdout; every line is scrubbed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, TextIO, cast

import anyio

from bitrix24_scrum_mcp import doctor_network
from bitrix24_scrum_mcp.certificates import CertificateError
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Flags, OAuth, Sandbox, Settings, Team
from bitrix24_scrum_mcp.doctor_report import Check, Report
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.envelope import RestResult
from bitrix24_scrum_mcp.errors import (
    AuthError,
    BadResponseError,
    Bitrix24Error,
    ConnectFailedError,
    RateLimitedError,
    RemoteError,
    TransportError,
)
from bitrix24_scrum_mcp.portal import open_client

WEBHOOK_HELP = (
    "create a new one in Bitrix24 > Developer resources > Other > Inbound webhook, "
    "tick the Tasks (task) scope, and set BITRIX24_WEBHOOK_URL to the URL it shows"
)
SLOW_MS = 2000.0
SCRUM_PROBE = "tasks.api.scrum.sprint.getFields"
OPTIONAL_SCOPES: dict[str, tuple[frozenset[str], str]] = {
    # toolset -> (any of these scopes, what it is for); mirrors the portal's method table
    "groups": (frozenset({"sonet_group", "socialnetwork", "sonet"}), "Workgroups (sonet_group)"),
    "users": (frozenset({"user", "user_brief", "user_basic"}), "Users (user)"),
}


def _config(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    shown = settings.redacted()
    shown["log_level"] = settings.log_level
    shown["http_token"] = "set" if environ.get("MCP_HTTP_TOKEN", "").strip() else "not set"
    return shown


def _where(settings: Settings) -> str:
    if isinstance(settings.portal, Sandbox):
        return "the embedded sandbox"
    return settings.portal.origin or "each person's portal"


def _explain(exc: Bitrix24Error, settings: Settings) -> tuple[str, str]:
    """(what happened, what to do) for a failed call, in plain words."""
    where = _where(settings)
    oauth = isinstance(settings.portal, OAuth)
    code = exc.error
    if isinstance(exc, ConnectFailedError):
        return (
            f"cannot reach {where}",
            "check the portal address in the configuration and the network "
            "(DNS, proxy, firewall, VPN)",
        )
    if isinstance(exc, TransportError):
        return (
            f"{where} did not answer properly ({exc.description})",
            "check the network, or raise BITRIX24_TIMEOUT_READ if the portal is just slow",
        )
    if isinstance(exc, BadResponseError):
        return (
            f"{where} answered, but not as a Bitrix24 REST API ({exc.description})",
            "check the portal address: it must be the portal itself, e.g. https://yours.bitrix24.com",
        )
    if isinstance(exc, RateLimitedError):
        return doctor_network.explain_limited(exc, settings.limits)
    if isinstance(exc, AuthError):
        if code in ("NO_AUTH_FOUND", "INVALID_CREDENTIALS") and not oauth:
            return (
                f"the portal refused the webhook ({code})",
                f"the webhook code is wrong or the webhook was deleted; {WEBHOOK_HELP}",
            )
        if code == "expired_token":
            return (
                "the access token has expired and could not be refreshed",
                "set BITRIX24_REFRESH_TOKEN, BITRIX24_CLIENT_ID and BITRIX24_CLIENT_SECRET so the "
                "server can refresh it, or put a fresh BITRIX24_ACCESS_TOKEN",
            )
        if code == "insufficient_scope":
            return (
                "the credentials lack a scope this call needs",
                _scope_fix(settings),
            )
        if oauth:
            return (
                f"the portal refused the access token ({code})",
                "put a valid BITRIX24_ACCESS_TOKEN (reinstall the app or redo the OAuth flow)",
            )
        return (f"the portal refused the credentials ({code})", WEBHOOK_HELP)
    if isinstance(exc, RemoteError):
        return (
            f"the portal answered with an error: {code}: {exc.description}",
            "check the portal address and the credentials",
        )
    return (exc.description, "run with --log-level DEBUG for details")


def _scope_fix(settings: Settings, scope: str = "Tasks (task)") -> str:
    if isinstance(settings.portal, OAuth):
        return f"add the {scope} scope to the application's permissions and reinstall it"
    return (
        f"add the {scope} scope to the webhook (Bitrix24 > Developer resources > "
        "Other > Inbound webhook > edit > Permissions), or create a new webhook with it"
    )


def _is_portal_time(value: object) -> bool:
    """docs (server.time): `result` is the portal's clock, ISO 8601 with an offset."""
    if not isinstance(value, str) or not 19 <= len(value) <= 40:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _describe(value: object) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    return f"a {type(value).__name__} value"


async def _timed(client: Bitrix24Client, method: str) -> tuple[RestResult, float]:
    start = time.perf_counter()
    answer = await client.call(method, {}, write=False)
    return answer, (time.perf_counter() - start) * 1000


async def diagnose(settings: Settings, environ: Mapping[str, str]) -> Report:
    """Run every check; never raises for a portal problem (it becomes a failed check)."""
    report = Report(_config(settings, environ))
    specs = settings.tools()
    report.add("toolsets", "ok", f"{len(specs)} tools offered")
    for warning in settings.warnings:
        report.add("settings", "warn", warning)
    if isinstance(settings.portal, Team):  # no one identity: the people, state and audit
        from bitrix24_scrum_mcp.team.doctor import check_team

        await check_team(report, settings, environ)
        return report
    # One attempt per check: doctor reports problems, it does not wait them out.
    quick = replace(settings.limits, max_retries=0)
    async with open_client(settings.portal, quick, settings.network) as client:
        answers: list[RestResult] = []
        if await _check_portal(report, client, settings, {s.toolset for s in specs}, answers):
            doctor_network.check_limit(report, settings, answers)
    return report


async def _check_portal(
    report: Report,
    client: Bitrix24Client,
    settings: Settings,
    toolsets: set[str],
    answers: list[RestResult],
) -> bool:
    """The checks that call the portal, in order, up to the first failure; True if none."""
    origin = None if isinstance(settings.portal, Sandbox) else settings.portal.origin
    if origin is not None:
        doctor_network.check_proxy(report, settings, origin)
    try:
        now, elapsed = await _timed(client, "server.time")
    except CertificateError as exc:
        presented = await doctor_network.presented_certificate(settings, exc.origin)
        doctor_network.certificate_refused(report, settings, exc, presented)
        return False
    except Bitrix24Error as exc:
        what, fix = _explain(exc, settings)
        report.add("portal", "fail", what, fix)
        return False
    answers.append(now)
    if not _is_portal_time(now.result):
        report.add(
            "portal",
            "fail",
            f"{_where(settings)} answered server.time, but not with the portal's time "
            f"(got {_describe(now.result)})",
            "check the portal address: it must be the Bitrix24 portal itself (e.g. "
            "https://yours.bitrix24.com), not a proxy, login page or another API",
        )
        return False
    if origin is not None and origin.startswith("https://"):
        presented = await doctor_network.presented_certificate(settings, origin)
        doctor_network.certificate_trusted(report, settings, presented)
    report.add("portal", "ok", f"{_where(settings)} answered server.time ({now.result})")
    if elapsed > SLOW_MS:
        report.add(
            "round trip",
            "warn",
            f"{elapsed:.0f} ms for one call",
            "the server works but will feel slow; check the network path to the portal",
        )
    else:
        report.add("round trip", "ok", f"{elapsed:.0f} ms for one call")

    try:
        scope, _ = await _timed(client, "scope")
    except Bitrix24Error as exc:
        what, fix = _explain(exc, settings)
        report.add("scope", "fail", f"could not list the granted scopes: {what}", fix)
        return False
    answers.append(scope)
    granted_raw: Any = scope.result
    listed = cast("list[object]", granted_raw) if isinstance(granted_raw, list) else []
    granted = {str(s) for s in listed}
    shown = ", ".join(sorted(granted)) or "none"
    if "task" not in granted:
        report.add(
            "scope",
            "fail",
            f"the 'task' scope is not granted (granted: {shown})",
            _scope_fix(settings),
        )
        return False
    report.add("scope", "ok", f"'task' granted (granted: {shown})")
    for toolset, (scopes, label) in OPTIONAL_SCOPES.items():
        if toolset in toolsets and not scopes & granted:
            report.add(
                f"scope for {toolset}",
                "warn",
                f"no {label} scope: the {toolset} tools will be refused",
                f"{_scope_fix(settings, label)}; or leave the toolset out with --toolsets",
            )

    try:
        answers.append(await client.call(SCRUM_PROBE, {}, write=False))
    except Bitrix24Error as exc:
        if exc.error == "ERROR_METHOD_NOT_FOUND":
            report.add(
                "scrum api",
                "fail",
                f"the portal does not offer {SCRUM_PROBE}",
                "Scrum needs a current Bitrix24 (cloud, or on-premise with the tasks module "
                "updated); check that Scrum is available on the portal's plan",
            )
        else:
            what, fix = _explain(exc, settings)
            report.add("scrum api", "fail", what, fix)
        return False
    report.add("scrum api", "ok", f"{SCRUM_PROBE} answered")
    return origin is not None  # the limit check is for a real portal


def run_doctor(
    environ: Mapping[str, str], flags: Flags | None = None, out: TextIO | None = None
) -> int:
    """Read the settings, check them, print the report; 0 when every check passed, else 1.

    Settings that cannot be read are a failed check like any other, with the message that
    `serve` would exit with.
    """
    try:
        settings = Settings.from_env(environ, flags)
    except ConfigError as exc:
        report = Report({})
        report.add("configuration", "fail", "the settings cannot be used", str(exc))
    else:
        report = anyio.run(diagnose, settings, environ)
    (out or sys.stdout).write(report.render())
    return 0 if report.ok else 1


__all__ = ["Check", "Report", "diagnose", "run_doctor"]
