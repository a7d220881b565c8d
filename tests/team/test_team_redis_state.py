"""State on a real Redis: records every replica sees, single-use reads, locks across replicas,
clear errors while Redis is down, and sign-ins shared by two team servers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID
from bitrix24_scrum_mcp.team.redis_state import RedisState, connect
from bitrix24_scrum_mcp.team.state import StateUnavailableError
from tests.team.redis_support import RedisServer, redis_server
from tests.team.support import Browser, Person, replicated_sign_in, sandbox_portal

pytestmark = pytest.mark.anyio


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


@pytest.fixture
async def replicas(redis: RedisServer) -> AsyncIterator[tuple[RedisState, RedisState]]:
    a, b = RedisState(connect(redis.url)), RedisState(connect(redis.url))
    yield a, b
    await a.aclose()
    await b.aclose()


async def test_what_one_replica_stores_another_reads_until_it_expires(
    replicas: tuple[RedisState, RedisState],
) -> None:
    a, b = replicas
    await a.put("k", b"value", ttl_s=0.3)
    assert await b.get("k") == b"value"
    with anyio.fail_after(5):
        while await b.get("k") is not None:
            await anyio.sleep(0.05)  # bounded poll for the TTL to pass
    await a.put("gone", b"x", ttl_s=60)
    await b.delete("gone")
    assert await a.get("gone") is None


async def test_of_many_replicas_taking_a_record_only_one_gets_it(
    replicas: tuple[RedisState, RedisState],
) -> None:
    a, b = replicas
    await a.put("code", b"single-use", ttl_s=60)
    got: list[bytes | None] = []

    async def take(state: RedisState) -> None:
        got.append(await state.take("code"))

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(take, a if i % 2 else b)
    assert sorted(got, key=lambda v: v is None) == [b"single-use"] + [None] * 19


async def test_a_lock_is_held_by_one_replica_at_a_time(
    replicas: tuple[RedisState, RedisState],
) -> None:
    inside: list[int] = []
    overlaps: list[int] = []

    async def work(state: RedisState, n: int) -> None:
        async with state.lock("refresh:someone", hold_s=10):
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            await anyio.sleep(0.02)
            inside.remove(n)

    a, b = replicas
    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            for n in range(8):
                tg.start_soon(work, a if n % 2 else b, n)
    assert overlaps == []


async def test_while_redis_is_down_calls_fail_at_once_with_a_clear_error(
    redis: RedisServer, replicas: tuple[RedisState, RedisState]
) -> None:
    a, _ = replicas
    await a.put("k", b"v", ttl_s=60)
    redis.stop()
    began = time.monotonic()
    with pytest.raises(StateUnavailableError) as down:
        await a.get("k")
    assert time.monotonic() - began < 5
    assert "Redis" in down.value.description and "nothing was sent" in down.value.description
    assert down.value.retryable
    redis.start()  # an empty Redis again: the client reconnects by itself
    assert await a.get("k") is None
    await a.put("k", b"back", ttl_s=60)
    assert await a.get("k") == b"back"


async def test_replicas_sharing_redis_share_sign_ins_and_renew_a_token_once(
    tmp_path: Path, redis: RedisServer
) -> None:
    """Two replicas behind a round-robin balancer: a sign-in may start on one and finish on
    the other, a person's calls land on both, and their expired Bitrix24 token is renewed
    once however many replicas see it expire."""
    with (
        sandbox_portal() as (portal, origin),
        replicated_sign_in(origin, redis.url) as (mcp_url, _bases),
    ):
        person = Person(mcp_url, Browser(DEMO_DEVELOPER_ID))
        try:
            assert not (await person.call("user_current")).is_error
            before = _pairs(portal)
            portal.expire_oauth_tokens(DEMO_DEVELOPER_ID)
            results: list[Any] = []
            async with person.session() as client:

                async def call() -> None:
                    results.append(await client.call_tool("user_current", {}))

                with anyio.fail_after(60):
                    async with anyio.create_task_group() as tg:
                        for _ in range(8):
                            tg.start_soon(call)
        finally:
            await person.aclose()
        assert all(not r.is_error for r in results), [r.content for r in results]
        assert _pairs(portal) == before + 1
        assert person.browser.sign_ins == 1


def _pairs(portal: Any) -> int:
    query = "SELECT COUNT(*) FROM oauth_tokens WHERE user_id = ?"
    return int(portal.store.scalar(query, (DEMO_DEVELOPER_ID,)))
