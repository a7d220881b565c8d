# pyright: strict
"""`doctor` for a team server: the people, the sign-in application, the state and the audit.

A team server has no one identity to try, so instead of the portal checks `doctor` runs
these: the tokens file can be read and each person's webhook answers `server.time`; or the
sign-in settings are complete, the state key opens, and the portal's sign-in page and the
OAuth server answer; then the shared state answers and the audit log can be written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

import httpx2

from bitrix24_scrum_mcp.config import Settings
from bitrix24_scrum_mcp.connections import PortalTransport
from bitrix24_scrum_mcp.doctor_report import Report
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.errors import Bitrix24Error
from bitrix24_scrum_mcp.oauth import oauth_endpoints
from bitrix24_scrum_mcp.portal import open_client
from bitrix24_scrum_mcp.team.redis_state import RedisState, connect
from bitrix24_scrum_mcp.team.settings import SignIn, TeamSettings
from bitrix24_scrum_mcp.team.tokens_file import read_members
from bitrix24_scrum_mcp.team.vault import sealer


async def check_team(report: Report, settings: Settings, environ: Mapping[str, str]) -> None:
    try:
        team = TeamSettings.from_env(environ, settings)
    except ConfigError as exc:
        report.add("team server", "fail", "the team settings cannot be used", str(exc))
        return
    if team.tokens_file is not None:
        await _check_people(report, settings, team)
    if team.sign_in is not None:
        await _check_sign_in(report, settings, team.sign_in)
    await _check_state(report, team)
    if team.audit_log is not None:
        writable = os.access(team.audit_log.parent, os.W_OK)
        report.add(
            "audit",
            "ok" if writable else "fail",
            f"writes go to {team.audit_log}",
            "" if writable else "make its folder writable for the server's user",
        )


async def _check_people(report: Report, settings: Settings, team: TeamSettings) -> None:
    assert team.tokens_file is not None
    try:
        members = read_members(team.tokens_file)
    except ConfigError as exc:
        report.add("tokens file", "fail", "it cannot be used", str(exc))
        return
    report.add("tokens file", "ok", f"{len(members)} people in {team.tokens_file}")
    quick = replace(settings.limits, max_retries=0)
    for member in members.values():
        async with open_client(member.webhook, quick, settings.network) as client:
            try:
                await client.call("server.time", {}, write=False)
            except Bitrix24Error as exc:
                report.add(
                    f"person {member.name}",
                    "fail",
                    f"{member.webhook.display} refused or did not answer: {exc.description}",
                    "check this person's webhook (Developer resources > Other > Inbound webhook)",
                )
                continue
        report.add(f"person {member.name}", "ok", f"{member.webhook.display} answered")


async def _check_sign_in(report: Report, settings: Settings, sign_in: SignIn) -> None:
    try:
        sealer(sign_in.state_keys)
    except ConfigError as exc:
        report.add("state key", "fail", "stored sign-ins cannot be sealed", str(exc))
    else:
        report.add("state key", "ok", f"{len(sign_in.state_keys)} key(s) to seal sign-ins")
    endpoints = oauth_endpoints(sign_in.portal, sign_in.oauth_server)
    async with httpx2.AsyncClient(
        transport=PortalTransport(settings.network), timeout=settings.limits.connect_timeout_s
    ) as http:
        for name, url in (("sign-in page", endpoints.authorize), ("OAuth server", endpoints.token)):
            try:
                response = await http.get(url)
            except httpx2.HTTPError as exc:
                report.add(
                    name,
                    "fail",
                    f"{url} cannot be reached ({type(exc).__name__})",
                    "check the address, the network and BITRIX24_OAUTH_SERVER",
                )
                continue
            report.add(name, "ok", f"{url} answers (HTTP {response.status_code})")
    report.add(
        "sign-in",
        "ok",
        f"people sign in at {sign_in.portal} with application {sign_in.client_id}; "
        f"its handler must be {sign_in.callback_url}",
    )


async def _check_state(report: Report, team: TeamSettings) -> None:
    if team.redis_url is None:
        folder = team.state_path.parent if team.state_path else None
        report.add(
            "state",
            "ok",
            f"in this process; sign-ins in {team.state_path}" if folder else "in this process",
        )
        return
    state = RedisState(connect(team.redis_url.reveal()))
    try:
        await state.get("doctor")
    except Bitrix24Error as exc:
        report.add("state", "fail", exc.description, "start Redis or fix BITRIX24_STATE_URL")
    else:
        report.add("state", "ok", "Redis answers (shared by the replicas)")
    finally:
        await state.aclose()
