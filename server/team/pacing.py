# pyright: strict
"""One rate budget per portal, however many people and replicas call it.

The portal counts requests per portal (docs: limits.md), so everyone who calls the same
portal must draw from one bucket. In one process that is one in-process `Pacer` per portal
origin, shared by every person's client. With `BITRIX24_STATE_URL=redis://...` it is
`RedisPacer`: the bucket's level lives in Redis and a Lua script drains it, checks for room
and counts a request in one atomic step, on Redis's clock, so replicas can neither
overshoot it together nor disagree about time.

In front of the shared bucket each replica keeps a fair queue: waiting requests line up per
caller (the person), and only the head of the rotation asks Redis for room; when it gets
a slot the next caller's request is the head. So one person's bulk job delays another
person's single call by one slot, not by the whole job, and the replica sends Redis one
script call per slot, not one per waiting request.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

import anyio
from redis.asyncio import Redis

from bitrix24_scrum_mcp.config import Limits
from bitrix24_scrum_mcp.pacing import DeadlinePassed, Pacer, PortalBudget, Slot
from bitrix24_scrum_mcp.team.redis_state import PREFIX, reachable
from bitrix24_scrum_mcp.team.state import StateUnavailableError

logger = logging.getLogger(__name__)

# KEYS[1]: the bucket. ARGV: operation (take | give | full), drain per second, room
# (burst less headroom), burst. Answers "0" for a slot taken, else the seconds until room.
_BUCKET = """
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, room, burst = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local stamp = tonumber(redis.call('HGET', KEYS[1], 'stamp') or tostring(now))
level = math.max(0, level - (now - stamp) * rate)
local answer = '0'
if ARGV[1] == 'take' then
  if level + 1 <= room then level = level + 1 else answer = tostring((level + 1 - room) / rate) end
elseif ARGV[1] == 'give' then
  level = math.max(0, level - 1)
else
  level = math.max(level, burst)
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
return answer
"""


@dataclass(eq=False)
class _Waiter:
    caller: str
    wake: anyio.Event = field(default_factory=anyio.Event)


class RedisPacer:
    """The portal's leaky bucket in Redis, shared by every replica, with a fair queue: a
    `pacing.PortalBudget`, with the same meaning for the deadline, release and fairness."""

    def __init__(
        self, redis: Redis, origin: str, limits: Limits, headroom: int | None = None
    ) -> None:
        self.rate = limits.rate_per_s
        self.burst = limits.burst
        # As `Pacer`: a couple of slots kept free for requests still on their way.
        self.headroom = min(2, self.burst // 10) if headroom is None else headroom
        self._redis = redis
        self._key = f"{PREFIX}bucket:{origin}"
        self._script = redis.register_script(_BUCKET)
        self._queues: OrderedDict[str, deque[_Waiter]] = OrderedDict()
        self._corrections: set[asyncio.Task[None]] = set()  # referenced until done

    @property
    def enabled(self) -> bool:
        return self.rate > 0 and self.burst > 0 and math.isfinite(self.rate)

    async def _bucket(self, operation: str) -> float:
        args = [operation, self.rate, self.burst - self.headroom, self.burst]
        with reachable("asking the shared rate bucket for room"):
            answer = await self._script(keys=[self._key], args=args)  # pyright: ignore[reportUnknownVariableType]
        return float(answer.decode() if isinstance(answer, bytes) else answer)  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]

    def _head(self) -> _Waiter | None:
        return next(iter(self._queues.values()))[0] if self._queues else None

    async def acquire(self, caller: str = "", deadline: float = math.inf) -> Slot:
        """Wait for room for one request, in fair turn with this replica's other callers.

        Raises:
            DeadlinePassed: no room before `deadline` (a `time.monotonic()` value).
            StateUnavailableError: Redis cannot be reached (nothing is sent).
        """
        if not self.enabled:
            return Slot(counted=False)
        waiter = _Waiter(caller)
        if caller not in self._queues:
            self._queues[caller] = deque()
            self._queues.move_to_end(caller, last=False)  # a new caller goes first
        self._queues[caller].append(waiter)
        served = False
        try:
            await self._wait_turn(waiter, deadline)
            served = True
        finally:
            self._leave(waiter, served)
        return Slot(counted=True)

    async def _wait_turn(self, waiter: _Waiter, deadline: float) -> None:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlinePassed
            if self._head() is not waiter:
                with anyio.move_on_after(remaining):
                    await waiter.wake.wait()
                waiter.wake = anyio.Event()
                continue
            pause = await self._bucket("take")
            if pause <= 0:
                return
            if pause > deadline - time.monotonic():
                raise DeadlinePassed
            await anyio.sleep(pause)

    def _leave(self, waiter: _Waiter, served: bool) -> None:
        """Out of the queue; a served caller goes to the back of the rotation. Whoever is
        head afterwards is woken to ask Redis for the next slot."""
        queue = self._queues[waiter.caller]
        was_head = self._head() is waiter
        queue.remove(waiter)
        if not queue:
            del self._queues[waiter.caller]
        elif served:
            self._queues.move_to_end(waiter.caller)
        if was_head and (head := self._head()) is not None:
            head.wake.set()

    def release(self, slot: Slot) -> None:
        """The request of `slot` was never sent: give its room back (idempotent)."""
        if slot.counted and self.enabled:
            slot.counted = False
            self._in_background("give")

    def saturated(self) -> None:
        """The portal refused for rate: the shared bucket is full, for every replica."""
        if self.enabled:
            self._in_background("full")

    def _in_background(self, operation: str) -> None:
        """A correction that must not hold up the call that makes it (nor fail it)."""

        async def correct() -> None:
            try:
                await self._bucket(operation)
            except StateUnavailableError:
                logger.warning("could not %s the shared rate bucket: Redis unreachable", operation)

        task = asyncio.get_running_loop().create_task(correct())
        self._corrections.add(task)
        task.add_done_callback(self._corrections.discard)


class PortalPacers:
    """The pacer of each portal, made on first use: in process, or in Redis."""

    def __init__(self, limits: Limits, redis: Redis | None = None) -> None:
        self.limits = limits
        self._redis = redis
        self._pacers: dict[str, PortalBudget] = {}

    def for_portal(self, origin: str) -> PortalBudget:
        pacer = self._pacers.get(origin)
        if pacer is None:
            if self._redis is not None:
                pacer = RedisPacer(self._redis, origin, self.limits)
            else:
                pacer = Pacer(self.limits.rate_per_s, self.limits.burst)
            self._pacers[origin] = pacer
        return pacer
