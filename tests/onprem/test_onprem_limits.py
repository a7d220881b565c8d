"""Request limits: `BITRIX24_RATE_LIMIT=off` for a portal without the leaky bucket, or any
explicit value; and the sandbox CLI limits like a cloud portal by default, with
`--rate-limit` and `--no-rate-limit` to change it.
"""

from __future__ import annotations

import httpx2
import pytest

from bitrix24_scrum_mcp.config import Limits, Settings
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.errors import RateLimitedError
from bitrix24_scrum_mcp.sandbox import FaultConfig
from tests.live_sandbox import running_sandbox
from tests.onprem.support import sandbox_command, session

pytestmark = pytest.mark.anyio
SANDBOX = {"BITRIX24_SANDBOX": "1"}


@pytest.mark.parametrize("value", ["off", "OFF", " off "])
def test_rate_limit_off_turns_pacing_off(value: str) -> None:
    limits = Settings.from_env({**SANDBOX, "BITRIX24_RATE_LIMIT": value}).limits
    assert (limits.rate_per_s, limits.burst, limits.paced) == (0.0, 0, False)
    assert limits.shown == "off (no client-side pacing)"


def test_an_explicit_rate_limit_is_taken_as_given() -> None:
    limits = Settings.from_env({**SANDBOX, "BITRIX24_RATE_LIMIT": "5/100"}).limits
    assert (limits.rate_per_s, limits.burst, limits.shown) == (5.0, 100, "5/s, burst 100")
    assert Limits().shown == "2/s, burst 50"  # the cloud's standard plan, by default


def test_a_rate_limit_that_is_neither_a_value_nor_off_names_both_forms() -> None:
    with pytest.raises(ConfigError, match=r"must look like 2/50 .* or be off"):
        Settings.from_env({**SANDBOX, "BITRIX24_RATE_LIMIT": "none"})


async def _burst(env: dict[str, str], calls: int) -> tuple[int, int]:
    """(calls that succeeded, calls refused for rate) for `calls` reads in a row."""
    ok = limited = 0
    async with session(Settings.from_env(env)) as (_, client):
        for _ in range(calls):
            try:
                await client.call("server.time", write=False)
                ok += 1
            except RateLimitedError:
                limited += 1
    return ok, limited


async def test_with_pacing_off_the_client_sends_at_once_and_a_limiting_portal_refuses() -> None:
    faults = FaultConfig(rate_limit_drain_per_s=1.0, rate_limit_threshold=5)
    with running_sandbox(faults=faults) as live:
        env = {"BITRIX24_WEBHOOK_URL": live.webhook_url, "BITRIX24_MAX_RETRIES": "0"}
        ok, limited = await _burst({**env, "BITRIX24_RATE_LIMIT": "off"}, 15)
    assert ok >= 5 and limited > 0  # unless 15 calls took over 10 s


async def test_pacing_at_the_portals_explicit_limit_is_never_refused() -> None:
    faults = FaultConfig(rate_limit_drain_per_s=10.0, rate_limit_threshold=10)
    with running_sandbox(faults=faults) as live:
        env = {"BITRIX24_WEBHOOK_URL": live.webhook_url, "BITRIX24_MAX_RETRIES": "0"}
        ok, limited = await _burst({**env, "BITRIX24_RATE_LIMIT": "10/10"}, 20)
        assert (ok, limited) == (20, 0)
        assert live.portal.request_count == 20


async def test_pacing_off_against_a_portal_without_a_limit_loses_nothing() -> None:
    with running_sandbox() as live:
        env = {"BITRIX24_WEBHOOK_URL": live.webhook_url, "BITRIX24_RATE_LIMIT": "off"}
        assert await _burst(env, 60) == (60, 0)


def _statuses(webhook_url: str, requests: int) -> list[int]:
    with httpx2.Client() as http:
        return [http.post(f"{webhook_url}server.time").status_code for _ in range(requests)]


def test_the_sandbox_command_limits_like_a_cloud_portal_by_default() -> None:
    with sandbox_command() as sandbox:
        statuses = _statuses(sandbox.webhook_url, 60)
    assert statuses[:50] == [200] * 50  # docs: blocked above 50, drained 2 a second
    assert 503 in statuses[50:]


@pytest.mark.parametrize(
    ("flags", "refused"),
    [
        (("--no-rate-limit",), False),
        (("--rate-limit", "off"), False),
        (("--rate-limit", "1/3"), True),
    ],
)
def test_the_sandbox_command_takes_its_limit_from_the_flags(
    flags: tuple[str, ...], refused: bool
) -> None:
    with sandbox_command(*flags) as sandbox:
        statuses = _statuses(sandbox.webhook_url, 60 if not refused else 5)
    assert (503 in statuses) is refused
    if refused:
        assert statuses[:3] == [200, 200, 200]
