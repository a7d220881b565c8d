# pyright: strict
"""What a controller action receives for one REST call, what a list action returns, and the
row that declares a method.

Actions are plain functions `(call, <bound parameters>) -> payload` (see `binding.py`);
everything they may touch (the store, the calling user, the clock) arrives in `Call`, so
the same action serves a direct request and a batch sub-call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

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

    def error(self, message: str) -> MethodError:
        """A controller error (`$this->errorCollection->add(new Error($message))`)."""
        return MethodError(message)


@dataclass
class Page:
    """A paged list answer (`Engine\\Response\\DataType\\Page`, or a legacy list with
    `setNavData`): the envelope adds `total` and `next` around `result`.

    portal: only such results get `total`/`next`; an action returning a plain array (the
    Scrum `epic.list`, `sprint.list`) gets neither, whatever its length.
    """

    result: Any
    total: int | None = None
    next: int | None = None


class _Reported:
    def __repr__(self) -> str:
        return "REPORTED"


REPORTED: Final = _Reported()
"""An action that records an error and returns null: the gateway sends the first error."""


@dataclass(frozen=True)
class Method:
    """One REST method as a handler module declares it: its name, the action that serves
    it, and what a portal puts on the wire when the action records an error.

    portal: `RestManager::processMethodRequest` reports the controller's errors only when
    the action returns null; any other return value goes out as a success and the errors
    are dropped. So:
    - `on_error`: what the action returns after *any* error it records. `REPORTED` (the
      default) for `return null`; the kanban writes return `false`, the Scrum lists `[]`.
    - `drops`: message → what the action returns after recording *that* error, for the
      ones whose branch does not return null: the deletes' "X not deleted" (`[]`), and
      `sprint.complete`'s service failure (`None`: `{"result": null}`, no error). These
      are internal failures, reached through `FaultConfig.force_errors`.
    """

    name: str
    action: Callable[..., Any]
    on_error: Any = REPORTED
    drops: Mapping[str, Any] = field(default_factory=dict[str, Any])
