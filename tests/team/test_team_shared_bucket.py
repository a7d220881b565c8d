"""The portal's leaky bucket in Redis: replicas together never pass it, a bulk job does not
starve another person's call, deadlines hold, and an outage fails calls at once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

from bitrix24_scrum_mcp.config import Limits
from bitrix24_scrum_mcp.pacing import DeadlinePassed
from bitrix24_scrum_mcp.team.pacing import RedisPacer
from bitrix24_scrum_mcp.team.redis_state import connect
from bitrix24_scrum_mcp.team.state import StateUnavailableError
from tests.team.redis_support import RedisServer, redis_server

pytestmark = pytest.mark.anyio
PORTAL = "https://example.bitrix24.com"
RATE, BURST = 20.0, 10  # fast figures, the same shape as the documented 2/s, burst 50


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


@pytest.fixture
async def clients(redis: RedisServer) -> AsyncIterator[list[Redis]]:
    made = [connect(redis.url) for _ in range(3)]
    yield made
    for client in made:
        await client.aclose()


def _pacer(client: Redis) -> RedisPacer:
    return RedisPacer(client, PORTAL, Limits(rate_per_s=RATE, burst=BURST), headroom=0)


async def test_three_replicas_together_stay_under_the_portals_bucket(clients: list[Redis]) -> None:
    replicas = [_pacer(c) for c in clients]
    stamps: list[float] = []

    async def send(pacer: RedisPacer, caller: str) -> None:
        await pacer.acquire(caller)
        stamps.append(time.monotonic())

    began = time.monotonic()
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for n in range(40):
                tg.start_soon(send, replicas[n % 3], f"person-{n % 4}")
    stamps.sort()
    # The bucket lets BURST through at once, then RATE a second: 30 more take 1.5 s.
    assert stamps[-1] - began >= (40 - BURST) / RATE - 0.1
    for i, start in enumerate(stamps):  # no window ever holds more than the bucket allows
        within = sum(1 for t in stamps[i:] if t - start <= 0.5)
        assert within <= BURST + RATE * 0.5 + 1


async def test_one_persons_bulk_job_delays_anothers_call_by_one_slot(clients: list[Redis]) -> None:
    pacer = _pacer(clients[0])
    for _ in range(BURST):  # the bucket is full: from now on slots come one by one
        await pacer.acquire("warm-up")
    order: list[str] = []

    async def send(caller: str) -> None:
        await pacer.acquire(caller)
        order.append(caller)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for _ in range(15):
                tg.start_soon(send, "bulk")
            await anyio.sleep(0.01)  # the bulk job is queued before the single call
            tg.start_soon(send, "single")
    assert order.index("single") <= 2


async def test_a_call_that_cannot_get_a_slot_before_its_deadline_gives_up_uncounted(
    clients: list[Redis],
) -> None:
    pacer, other = _pacer(clients[0]), _pacer(clients[1])
    for _ in range(BURST):
        await pacer.acquire("a")
    with pytest.raises(DeadlinePassed):
        await pacer.acquire("b", deadline=time.monotonic() + 0.01)
    began = time.monotonic()
    await other.acquire("c")  # the refused call took no room: the next slot is the first
    assert time.monotonic() - began < 1 / RATE + 0.2


async def test_the_portal_refusing_for_rate_fills_the_bucket_for_every_replica(
    clients: list[Redis],
) -> None:
    pacer = _pacer(clients[0])
    # The other replica keeps 5 slots free, so after "full" it waits for 6 to drain (0.3 s),
    # however long the machine takes between the correction and its call.
    other = RedisPacer(clients[1], PORTAL, Limits(rate_per_s=RATE, burst=BURST), headroom=5)
    pacer.saturated()
    with anyio.fail_after(5):
        while await clients[0].hget(f"bitrix24-scrum-mcp:bucket:{PORTAL}", "level") is None:
            await anyio.sleep(0.01)  # the correction runs in the background
    began = time.monotonic()
    await other.acquire("x")
    assert time.monotonic() - began >= 0.15  # it had to wait for a drain


async def test_while_redis_is_down_a_call_fails_at_once_and_sends_nothing(
    redis: RedisServer, clients: list[Redis]
) -> None:
    pacer = _pacer(clients[0])
    await pacer.acquire("x")
    redis.stop()
    began = time.monotonic()
    with pytest.raises(StateUnavailableError):
        await pacer.acquire("x")
    assert time.monotonic() - began < 5
