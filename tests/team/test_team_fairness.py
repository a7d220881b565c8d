"""One person's many calls run a few at a time (MCP_PERSON_CONCURRENCY), so another person's
single call is not stuck behind them."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client

from bitrix24_scrum_mcp.sandbox import DEMO_PERSON_WEBHOOK_CODES, FaultConfig
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID, DEMO_SCRUM_MASTER_ID
from tests.team.support import (
    bearer_session,
    sandbox_portal,
    tokens_server,
    tokens_toml,
    write_private,
)

pytestmark = pytest.mark.anyio
BULK, SINGLE = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
LATENCY_S = 0.5


async def test_a_bulk_job_runs_two_at_a_time_and_another_persons_call_goes_first(
    tmp_path: Path,
) -> None:
    faults = FaultConfig()
    with sandbox_portal(faults=faults) as (_portal, origin):
        people = {
            "bulk": (
                BULK,
                f"{origin}/rest/{DEMO_DEVELOPER_ID}/{DEMO_PERSON_WEBHOOK_CODES[DEMO_DEVELOPER_ID]}/",
            ),
            "single": (
                SINGLE,
                f"{origin}/rest/{DEMO_SCRUM_MASTER_ID}/{DEMO_PERSON_WEBHOOK_CODES[DEMO_SCRUM_MASTER_ID]}/",
            ),
        }
        path = tmp_path / "people.toml"
        write_private(path, tokens_toml(people))
        with tokens_server(path, MCP_PERSON_CONCURRENCY="2") as url:
            async with bearer_session(url, BULK) as bulk, bearer_session(url, SINGLE) as single:
                await bulk.call_tool("user_current", {})  # warm both paths up
                await single.call_tool("user_current", {})
                faults.latency_s = LATENCY_S  # every portal answer takes this long now
                done: dict[str, float] = {}
                began = time.monotonic()

                async def one(label: str, client: Client) -> None:
                    await client.call_tool("user_current", {})
                    done[label] = time.monotonic() - began

                with anyio.fail_after(60):
                    async with anyio.create_task_group() as tg:
                        for n in range(8):
                            tg.start_soon(one, f"bulk-{n}", bulk)
                        await anyio.sleep(0.05)  # the bulk job is in before the single call
                        tg.start_soon(one, "single", single)
    bulk_times = sorted(v for k, v in done.items() if k.startswith("bulk"))
    assert bulk_times[-1] >= 4 * LATENCY_S  # 8 calls, 2 at a time: four rounds at least
    assert done["single"] < bulk_times[-1]
    assert done["single"] < 3 * LATENCY_S


async def test_the_portal_budget_takes_turns_person_by_person(tmp_path: Path) -> None:
    """Pacing on (10/s, burst 3): one person's 12 calls queue for the budget; another
    person's call, queued after them, goes in its turn, not thirteenth."""
    from dataclasses import replace

    from tests.helpers import FAST

    with sandbox_portal() as (_portal, origin):
        people = {
            "bulk": (
                BULK,
                f"{origin}/rest/{DEMO_DEVELOPER_ID}/{DEMO_PERSON_WEBHOOK_CODES[DEMO_DEVELOPER_ID]}/",
            ),
            "single": (
                SINGLE,
                f"{origin}/rest/{DEMO_SCRUM_MASTER_ID}/{DEMO_PERSON_WEBHOOK_CODES[DEMO_SCRUM_MASTER_ID]}/",
            ),
        }
        path = tmp_path / "people.toml"
        write_private(path, tokens_toml(people))
        paced = replace(FAST, rate_per_s=10.0, burst=3)
        with tokens_server(path, paced, MCP_PERSON_CONCURRENCY="50") as url:
            async with bearer_session(url, BULK) as bulk, bearer_session(url, SINGLE) as single:
                order: list[str] = []

                async def one(label: str, client: Client) -> None:
                    await client.call_tool("user_current", {})
                    order.append(label)

                with anyio.fail_after(60):
                    async with anyio.create_task_group() as tg:
                        for _ in range(12):
                            tg.start_soon(one, "bulk", bulk)
                        await anyio.sleep(0.1)  # the bulk calls are queued for the budget
                        tg.start_soon(one, "single", single)
    assert order.index("single") <= 8  # in turn after the burst, not 13th behind the job
    assert order[-1] == "bulk"
