"""Client-side pacing: a burst of calls waits instead of tripping QUERY_LIMIT_EXCEEDED.

The unit tests drive `server.pacing.Pacer` with an injected clock and sleep. The end-to-end
tests put the pacer and the sandbox's leaky bucket on one fake clock, so "waiting" costs no
real time and the outcome is exact; one more runs on the real clock at a high rate.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx2
import pytest

from bitrix24_scrum_mcp.pacing import Pacer
from bitrix24_scrum_mcp.sandbox import (
    DEMO_USER_ID,
    DEMO_WEBHOOK_CODE,
    FaultConfig,
    Portal,
    create_app,
)
from tests.helpers import limits, mcp_session

pytestmark = pytest.mark.anyio

SANDBOX_URL = f"http://127.0.0.1/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.sleep(0)


async def test_the_first_burst_passes_then_calls_wait_for_the_drain() -> None:
    fake = FakeTime()
    pacer = Pacer(2.0, 50, clock=fake.clock, sleep=fake.sleep, headroom=0)
    for _ in range(50):
        await pacer.acquire()
    assert fake.sleeps == []
    await pacer.acquire()
    assert fake.sleeps == [pytest.approx(0.5)]  # one slot drains in 1/rate seconds
    await pacer.acquire()
    assert fake.sleeps == [pytest.approx(0.5)] * 2


async def test_idle_time_drains_the_bucket() -> None:
    fake = FakeTime()
    pacer = Pacer(5.0, 250, clock=fake.clock, sleep=fake.sleep, headroom=0)  # Enterprise plan
    for _ in range(250):
        await pacer.acquire()
    fake.now += 10  # 50 requests' worth of drain
    for _ in range(50):
        await pacer.acquire()
    assert fake.sleeps == []
    await pacer.acquire()
    assert fake.sleeps == [pytest.approx(0.2)]


async def test_a_rate_limit_answer_fills_the_bucket() -> None:
    fake = FakeTime()
    pacer = Pacer(2.0, 50, clock=fake.clock, sleep=fake.sleep, headroom=0)
    await pacer.acquire()
    pacer.saturated()  # the portal knows better: another client used the budget
    assert pacer.level == 50
    await pacer.acquire()
    assert fake.sleeps == [pytest.approx(0.5)]


async def test_by_default_two_slots_are_kept_free_for_network_jitter() -> None:
    fake = FakeTime()
    pacer = Pacer(2.0, 50, clock=fake.clock, sleep=fake.sleep)  # the documented 2/50
    for _ in range(48):
        await pacer.acquire()
    assert fake.sleeps == []
    await pacer.acquire()
    assert fake.sleeps == [pytest.approx(0.5)]
    assert Pacer(2.0, 5).headroom == 0  # tiny buckets keep every slot


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 50), (2.0, 0)])
async def test_pacing_off(rate: float, burst: int) -> None:
    fake = FakeTime()
    pacer = Pacer(rate, burst, clock=fake.clock, sleep=fake.sleep)
    for _ in range(500):
        await pacer.acquire()
    assert fake.sleeps == [] and not pacer.enabled


async def test_concurrent_callers_are_spaced_in_order() -> None:
    fake = FakeTime()
    pacer = Pacer(2.0, 50, clock=fake.clock, sleep=fake.sleep, headroom=0)
    order: list[int] = []

    async def one(i: int) -> None:
        await pacer.acquire()
        order.append(i)

    async with anyio.create_task_group() as tg:
        for i in range(60):
            tg.start_soon(one, i)
    assert sorted(order) == list(range(60))
    assert sum(fake.sleeps) == pytest.approx(10 * 0.5)
    assert len(fake.sleeps) == 10


async def burst(session: Any, count: int) -> list[Any]:
    results: list[Any] = []

    async def one() -> None:
        results.append(await session.call_tool("sprint_get", {"id": 23}))

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for _ in range(count):
                tg.start_soon(one)
    return results


@pytest.mark.parametrize("paced", [True, False], ids=["paced", "unpaced-control"])
async def test_a_burst_of_60_against_the_sandbox_bucket(paced: bool) -> None:
    """Same fake clock for our pacer and the sandbox's limiter (2/s, threshold 50)."""
    fake = FakeTime()
    faults = FaultConfig(rate_limit_drain_per_s=2.0, rate_limit_threshold=50, clock=fake.clock)
    portal = Portal()
    transport = httpx2.ASGITransport(app=create_app(portal, faults=faults))
    no_retries = limits(max_retries=0, rate_per_s=2.0, burst=50)
    async with mcp_session(SANDBOX_URL, transport=transport, limits=no_retries) as (s, client):
        client.pacer = Pacer(
            2.0, 50 if paced else 0, clock=fake.clock, sleep=fake.sleep, headroom=0
        )
        results = await burst(s, 60)
    refused = [r for r in results if r.is_error]
    if paced:
        assert refused == []
        assert all(r.structured_content["id"] == 23 for r in results)
        assert sum(fake.sleeps) == pytest.approx(5.0)  # 10 over the burst, 0.5 s each
    else:  # without pacing the portal really does refuse the overflow
        assert len(refused) == 10
        assert {r.structured_content["error"] for r in refused} == {"QUERY_LIMIT_EXCEEDED"}


async def test_a_real_clock_burst_waits_milliseconds_and_is_never_refused() -> None:
    faults = FaultConfig(rate_limit_drain_per_s=100.0, rate_limit_threshold=20)
    portal = Portal()
    transport = httpx2.ASGITransport(app=create_app(portal, faults=faults))
    paced = limits(max_retries=0, rate_per_s=100.0, burst=20)  # ~0.4 s of waits in all
    async with mcp_session(SANDBOX_URL, transport=transport, limits=paced) as (session, _):
        results = await burst(session, 60)
    assert [r for r in results if r.is_error] == []
    assert portal.request_count == 60
