"""What a controller action receives for one REST call, what a list action returns, and the
row that declares a method.

Actions are plain functions `(call, <bound parameters>) -> payload` (see `binding.py`);
everything they may touch (the store, the calling user, the clock) arrives in `Call`, so
the same action serves a direct request and a batch sub-call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bitrix24_scrum_mcp.sandbox.errors import MethodError
from bitrix24_scrum_mcp.sandbox.store import Store


@dataclass
class Call:
    """One REST call as seen by an action."""

    store: Store
    method: str
    user_id: int
    scopes: frozenset[str]
    now: float
    base_url: str
    error_status: int = 400

    def error(self, message: str) -> MethodError:
        """A documented controller error with this method's documented HTTP status."""
        return MethodError(message, self.error_status)


@dataclass
class Page:
    """A list answer: the envelope adds `total` and `next` around `result`."""

    result: Any
    total: int | None = None
    next: int | None = None


@dataclass(frozen=True)
class Method:
    """One REST method as a handler module declares it: its name, the action that serves
    it, and what the method's errors look like on the wire.

    Per-method wire facts belong here, next to the action, rather than in the registry.
    """

    name: str
    action: Callable[..., Any]
    error_status: int = 400
