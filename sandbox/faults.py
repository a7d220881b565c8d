# pyright: strict
"""Fault injection: the rate limiter, added latency and broken answers, set per app.

`FaultConfig` is a plain mutable dataclass kept on `app.state.faults`, so a test can
change it between two calls. The clock is injectable so rate-limit tests need no sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

FailKind = Literal["500", "html502", "empty", "drop_after_write"]


@dataclass
class FaultConfig:
    """Faults the app applies to REST requests; all off by default.

    - `rate_limit_drain_per_s` / `rate_limit_threshold`: the documented leaky bucket (Y, X);
      None disables it. Over the threshold → HTTP 503 `QUERY_LIMIT_EXCEEDED`.
    - `latency_s`: extra delay before each REST answer.
    - `fail_next` / `fail_kind`: answer the next N REST requests with a JSON 500, an HTML 502,
      an empty 200 body, or apply the call and then break the response (`drop_after_write`).
    - `force_errors`: method name → one of its documented catch-all messages
      ("Unknown error", "Sprint not created", ...). The call runs, then fails with that
      message and is rolled back, as a portal's internal failure would.
    - `clock`: monotonic seconds used by the limiter.
    """

    rate_limit_drain_per_s: float | None = None
    rate_limit_threshold: int = 50
    latency_s: float = 0.0
    fail_next: int = 0
    fail_kind: FailKind = "500"
    force_errors: dict[str, str] = field(default_factory=dict[str, str])
    clock: Callable[[], float] = time.monotonic

    def take_failure(self) -> FailKind | None:
        """Consume one injected failure, if any is pending."""
        if self.fail_next <= 0:
            return None
        self.fail_next -= 1
        return self.fail_kind


@dataclass
class LeakyBucket:
    """The portal's request counter: +1 a request, drains `drain_per_s` a second.

    A request that would lift the level above the threshold is refused and not counted,
    so a client that backs off drains the bucket and gets through again.
    """

    level: float = 0.0
    last: float | None = None
    refused: int = 0  # requests answered QUERY_LIMIT_EXCEEDED so far

    def admit(self, faults: FaultConfig) -> bool:
        if faults.rate_limit_drain_per_s is None:
            return True
        now = faults.clock()
        if self.last is not None:
            self.level = max(0.0, self.level - (now - self.last) * faults.rate_limit_drain_per_s)
        self.last = now
        if self.level + 1 > faults.rate_limit_threshold:
            self.refused += 1
            return False
        self.level += 1
        return True
