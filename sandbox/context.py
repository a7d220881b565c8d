"""What a handler receives for one REST call, and what a list handler returns.

Handlers are plain functions `(call, params) -> payload`; everything they may touch
(the store, the calling user, the clock) arrives in `Call`, so the same handler serves
a direct request and a batch sub-call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bitrix24_scrum_mcp.sandbox.errors import MethodError
from bitrix24_scrum_mcp.sandbox.store import Store


@dataclass
class Call:
    """One REST call as seen by a handler."""

    store: Store
    method: str
    user_id: int
    scopes: frozenset[str]
    now: float
    base_url: str
    error_status: int = 400
    portal: Any = field(default=None, repr=False)

    def error(self, message: str) -> MethodError:
        """A documented controller error with this method's documented HTTP status."""
        return MethodError(message, self.error_status)


@dataclass
class Page:
    """A list answer: the envelope adds `total` and `next` around `result`."""

    result: Any
    total: int | None = None
    next: int | None = None
