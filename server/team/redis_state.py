# pyright: strict
"""`State` on Redis (`BITRIX24_STATE_URL=redis://...`): what every replica must see the same.

Records are Redis strings with a TTL (`SET PX`, `GETDEL` for single use); locks are
redis-py's `Lock` (a key with a token and an expiry, released only by its holder). Every key
starts with `PREFIX`, so the server can share a Redis database with other programs.

When Redis cannot be reached the call fails at once with `STATE_UNAVAILABLE` (nothing is
sent to the portal): connections time out after a couple of seconds and are retried once,
so a Redis restart costs one failed call at most, not a hung server.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager

from redis.asyncio import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import LockError, RedisError
from redis.retry import Retry

from bitrix24_scrum_mcp.team.state import StateUnavailableError

PREFIX = "bitrix24-scrum-mcp:"
SOCKET_TIMEOUT_S = 2.0


@contextmanager
def reachable(what: str) -> Generator[None]:
    """Turn any Redis failure into `STATE_UNAVAILABLE`, naming what could not be done."""
    try:
        yield
    except LockError:
        raise StateUnavailableError(
            f"timed out waiting for another replica to finish {what}; try again"
        ) from None
    except RedisError as exc:
        raise StateUnavailableError(
            f"the shared state (Redis) is unreachable ({type(exc).__name__}) while {what}; "
            "nothing was sent to the portal, try again when Redis is back"
        ) from None


def connect(url: str) -> Redis:
    """A client for `url`; it opens no connection until its first command."""
    return Redis.from_url(  # pyright: ignore[reportUnknownMemberType]
        url,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1),
        health_check_interval=30,
    )


def _bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


class RedisState:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def get(self, key: str) -> bytes | None:
        with reachable("reading a record"):
            value = await self.redis.get(PREFIX + key)
        return _bytes(value)

    async def put(self, key: str, value: bytes, ttl_s: float) -> None:
        with reachable("saving a record"):
            await self.redis.set(PREFIX + key, value, px=max(1, int(ttl_s * 1000)))

    async def take(self, key: str) -> bytes | None:
        with reachable("reading a record"):
            value = await self.redis.getdel(PREFIX + key)
        return _bytes(value)

    async def delete(self, key: str) -> None:
        with reachable("deleting a record"):
            await self.redis.delete(PREFIX + key)

    @asynccontextmanager
    async def _held(self, name: str, hold_s: float) -> AsyncGenerator[None]:
        lock = self.redis.lock(
            f"{PREFIX}lock:{name}", timeout=hold_s, blocking_timeout=hold_s, sleep=0.05
        )
        with reachable(f"taking the lock {name}"):
            if not await lock.acquire():
                raise LockError("not acquired")
        try:
            yield
        finally:
            try:
                await lock.release()
            except (LockError, RedisError):
                pass  # expired or Redis gone: the lock frees itself after hold_s

    def lock(self, name: str, *, hold_s: float) -> AbstractAsyncContextManager[None]:
        return self._held(name, hold_s)

    async def aclose(self) -> None:
        await self.redis.aclose()
