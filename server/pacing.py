# pyright: strict
"""The portal's request budget: wait for a slot before sending, fairly, within a deadline.

The portal counts requests per portal (per webhook or app), drains the counter by `rate`
per second and rejects with QUERY_LIMIT_EXCEEDED once it would pass `burst` (docs:
limits.md). Every request we send goes through a `PortalBudget` first:

    slot = await budget.acquire(caller, deadline)   # wait for room, at most until deadline
    ...send the request...                          # the slot is spent
    budget.release(slot)                            # or: not sent after all, give it back
    budget.saturated()                              # the portal said the bucket is full

- **Deadline.** `acquire` gives up with `DeadlinePassed` when no slot comes before
  `deadline` (on `time.monotonic()`), so a call's total timeout covers its wait here.
- **Cancel.** A caller cancelled while waiting (its MCP client went away, or sent
  `notifications/cancelled`) leaves the queue and takes nothing: anyio cancellation is the
  cancel operation. A slot acquired and then not used goes back with `release`.
- **Fairness.** Waiting requests are queued per caller (an opaque key: one MCP client or
  person, see `callers.py`), and slots go round-robin over the callers that are waiting,
  so a client with 200 queued calls delays another client's call by one slot, not 200.
  A caller with nothing queued joins the rotation at its head: without a person's
  identity every HTTP connection is a caller of its own, and a fresh call then still goes
  before a burst of calls that have been waiting (whose clients have often given up).
  Under sustained overload the oldest waiters are the ones that reach their deadline.

`Pacer` is the one implementation today: a copy of the portal's leaky bucket in this
process. A team server whose replicas share one portal needs the counter in shared state
(Redis); such an implementation keeps this interface, with the same meaning for the deadline,
cancellation, release and fairness (the queue may stay per replica).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import anyio


class DeadlinePassed(Exception):
    """No slot could be had before the caller's deadline; nothing was counted."""


class Slot:
    """The right to send one request; `release` it if the request was not sent."""

    __slots__ = ("counted",)

    def __init__(self, counted: bool) -> None:
        self.counted = counted


class PortalBudget(Protocol):
    """What the REST client needs from whoever keeps the portal's request budget."""

    async def acquire(self, caller: str, deadline: float) -> Slot:
        """Wait for room for one request, in fair turn with other callers.

        Raises:
            DeadlinePassed: no room before `deadline` (a `time.monotonic()` value).
        """
        ...

    def release(self, slot: Slot) -> None:
        """The request of `slot` was never sent: give its room back (idempotent)."""
        ...

    def saturated(self) -> None:
        """The portal refused a request for rate: its bucket is fuller than we thought."""
        ...


@dataclass(eq=False)
class _Waiter:
    caller: str
    wake: anyio.Event = field(default_factory=anyio.Event)
    granted: bool = False


class Pacer:
    """The portal's leaky bucket, mirrored in process, with a fair queue in front of it.

    Keeping our own copy of the counter and waiting before it overflows (less a small
    headroom for network jitter) means a burst of tool calls is slowed down instead of
    refused. One waiter at a time sleeps until the bucket has drained enough (the timer);
    a slot that frees up goes to the next caller in the rotation, which wakes by its event.
    """

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
        self._reserved = 0  # granted to waiters that have not resumed yet
        self._stamp = clock()
        self._queues: OrderedDict[str, deque[_Waiter]] = OrderedDict()  # the rotation
        self._timer: _Waiter | None = None

    @property
    def enabled(self) -> bool:
        return self.rate > 0 and self.burst > 0 and math.isfinite(self.rate)

    @property
    def level(self) -> float:
        """Requests the portal's counter is estimated to hold now."""
        self._drain()
        return self._level

    @property
    def waiting(self) -> int:
        """Requests queued for a slot now."""
        return sum(len(queue) for queue in self._queues.values())

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._stamp) * self.rate)
        self._stamp = now

    def _room(self) -> bool:
        return self._level + self._reserved + 1 <= self.burst - self.headroom

    def _until_room(self) -> float:
        self._drain()
        overflow = self._level + self._reserved + 1 - (self.burst - self.headroom)
        return max(0.0, overflow / self.rate)

    async def acquire(self, caller: str = "", deadline: float = math.inf) -> Slot:
        if not self.enabled:
            return Slot(counted=False)
        if time.monotonic() >= deadline:
            raise DeadlinePassed
        self._drain()
        if not self._queues and self._room():  # nobody waits: no turn to respect
            self._level += 1
            return Slot(counted=True)
        waiter = _Waiter(caller)
        if caller not in self._queues:
            self._queues[caller] = deque()
            self._queues.move_to_end(caller, last=False)  # a new caller goes first
        self._queues[caller].append(waiter)
        try:
            await self._wait(waiter, deadline)
        except BaseException:
            self._leave(waiter)
            raise
        # Counted now, as it leaves, not when its turn came: under load a woken task can
        # run a while later, and the portal counts the request when it arrives.
        self._reserved -= 1
        self._drain()
        self._level += 1
        return Slot(counted=True)

    async def _wait(self, waiter: _Waiter, deadline: float) -> None:
        while True:
            self._dispatch()
            if waiter.granted:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlinePassed
            if self._timer is None:
                self._timer = waiter
            if self._timer is waiter and (pause := self._until_room()) <= remaining:
                await self._sleep(pause)
                continue
            with anyio.move_on_after(remaining):
                await waiter.wake.wait()
            waiter.wake = anyio.Event()

    def _dispatch(self) -> None:
        """Hand out every slot the bucket has room for, one caller after another."""
        self._drain()
        while self._queues and self._room():
            caller, queue = next(iter(self._queues.items()))
            waiter = queue.popleft()
            del self._queues[caller]
            if queue:
                self._queues[caller] = queue  # to the back of the rotation
            waiter.granted = True
            self._reserved += 1
            waiter.wake.set()
        if self._timer is not None and self._timer.granted:
            self._timer = None
        if self._timer is None and self._queues:  # someone must watch the clock
            next(iter(self._queues.values()))[0].wake.set()

    def _leave(self, waiter: _Waiter) -> None:
        """A waiter gave up (deadline or cancellation): out of the queue, slot back if any."""
        if waiter.granted:
            self._reserved -= 1
            self._dispatch()
        else:
            queue = self._queues.get(waiter.caller)
            if queue is not None and waiter in queue:
                queue.remove(waiter)
                if not queue:
                    del self._queues[waiter.caller]
        if self._timer is waiter:
            self._timer = None
            self._dispatch()

    def release(self, slot: Slot) -> None:
        if not slot.counted or not self.enabled:
            return
        slot.counted = False
        self._drain()
        self._level = max(0.0, self._level - 1)
        self._dispatch()

    def saturated(self) -> None:
        """The portal said the bucket is full: believe it over our estimate."""
        self._drain()
        self._level = max(self._level, float(self.burst))
