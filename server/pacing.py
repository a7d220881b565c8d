"""Client-side pacing that mirrors the portal's leaky bucket (docs: limits.md).

The portal counts requests per portal, drains the counter by `rate` per second and rejects
with QUERY_LIMIT_EXCEEDED once it would pass `burst`. Keeping our own copy of that counter
and waiting before it overflows (less a small headroom for network jitter) means a burst of
tool calls is slowed down instead of refused. The counter is per process: replicas behind a
load balancer share the portal's budget, so each should get a share of it (see README,
"Running replicas").
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

import anyio


class Pacer:
    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        headroom: int | None = None,
    ) -> None:
        self.rate = rate_per_s
        self.burst = burst
        # Requests reach the portal a little after we count them, and a late request finds
        # the portal's bucket less drained than ours: keep a couple of slots free for that
        # jitter (2 slots = 1 s of delay at the default 2/s).
        self.headroom = min(2, burst // 10) if headroom is None else headroom
        self._clock = clock
        self._sleep = sleep
        self._level = 0.0
        self._stamp = clock()
        self._lock = anyio.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0 and self.burst > 0 and math.isfinite(self.rate)

    @property
    def level(self) -> float:
        """Requests the portal's counter is estimated to hold now."""
        self._drain()
        return self._level

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self) -> None:
        """Wait until one more request fits under the portal's threshold, then count it."""
        if not self.enabled:
            return
        async with self._lock:  # FIFO: waiting callers keep their order
            self._drain()
            overflow = self._level + 1 - (self.burst - self.headroom)
            if overflow > 0:
                await self._sleep(overflow / self.rate)
                self._drain()
            self._level += 1

    def saturated(self) -> None:
        """The portal said the bucket is full: believe it over our estimate."""
        self._drain()
        self._level = max(self._level, float(self.burst))
