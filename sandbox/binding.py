"""Action-parameter binding: the code-100 errors a Bitrix24 controller raises before it runs.

A controller action declares typed parameters (`updateAction(int $id, array $fields)`);
the portal's binder reads the signature and binds request values to the parameters in
order, before the action runs, failing with `Could not find value for parameter {id}` or
`Invalid value abc to match with parameter {id}. Should be value of type int`. Our actions
declare the same signature in Python (`def update(call: Call, id: int, fields: Fields)`)
and `bind_action` binds it the same way, so no action binds anything by hand.
docs: the pages disagree on a trailing period after `int`/`array`; each method uses the
wording its own page shows (`_PERIOD_AFTER_INT`), undocumented ones the period form.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, NewType, get_type_hints

from bitrix24_scrum_mcp.sandbox.context import Call
from bitrix24_scrum_mcp.sandbox.errors import BindingError
from bitrix24_scrum_mcp.sandbox.php import as_items, to_str

Fields = NewType("Fields", dict[str, Any])
"""An `array` action parameter (`array $fields`), bound: a JSON list becomes an index-keyed map."""

Params = NewType("Params", dict[str, Any])
"""Every request parameter, unbound: for actions whose optional parameters (`filter`,
`order`, `select`, `start`) the portal does not type, or that bind in their own way."""

Handler = Callable[[Call, dict[str, Any]], Any]
_Binder = Callable[[Call, dict[str, Any]], Any]

_INT_RE = re.compile(r"^\s*[+-]?\d+\s*$")

# docs: pages whose int-binding message ends in "int" without a period.
_NO_PERIOD_AFTER_INT = frozenset(
    {
        "tasks.api.scrum.sprint.start",
        "tasks.api.scrum.sprint.complete",
        "tasks.api.scrum.sprint.get",
        "tasks.api.scrum.sprint.delete",
    }
)


def _missing(name: str, status: int) -> BindingError:
    return BindingError(f"Could not find value for parameter {{{name}}}", status)


def bind_int(params: dict[str, Any], name: str, method: str, status: int = 400) -> int:
    """Bind a required `int` action parameter the way the portal's binder does."""
    value = params.get(name)
    if value is None:
        raise _missing(name, status)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value):
        return int(value)
    period = "" if method in _NO_PERIOD_AFTER_INT else "."
    raise BindingError(
        f"Invalid value {to_str(value)} to match with parameter {{{name}}}. "
        f"Should be value of type int{period}",
        status,
    )


def bind_array(params: dict[str, Any], name: str, status: int = 400) -> dict[str, Any]:
    """Bind a required `array` action parameter; a JSON list becomes an index-keyed map."""
    value = params.get(name)
    if value is None:
        raise _missing(name, status)
    if isinstance(value, dict | list):
        return dict(as_items(value))
    raise BindingError(
        f"Invalid value {to_str(value)} to match with parameter {{{name}}}. "
        "Should be value of type array",
        status,
    )


def bind_action(action: Callable[..., Any]) -> Handler:
    """The handler for an action `(call, p1: T1, p2: T2, ...)`: bind p1, p2, ... then run it.

    A parameter `sprint_id` binds the request's `sprintId`; `int` binds like `int $x`,
    `Fields` like `array $x`, `Params` receives every parameter as sent. The first
    parameter that fails to bind wins, as on a portal.
    """
    hints = get_type_hints(action)
    names = list(inspect.signature(action).parameters)[1:]
    binders = [_binder(name, hints[name]) for name in names]

    def handler(call: Call, params: dict[str, Any]) -> Any:
        return action(call, *[bind(call, params) for bind in binders])

    return handler


def _binder(name: str, hint: object) -> _Binder:
    head, *tail = name.split("_")
    wire_name = head + "".join(part.title() for part in tail)
    if hint is int:
        return lambda call, params: bind_int(params, wire_name, call.method, call.error_status)
    if hint is Fields:
        return lambda call, params: Fields(bind_array(params, wire_name, call.error_status))
    if hint is Params:
        return lambda call, params: Params(params)
    raise TypeError(f"cannot bind parameter {name}: {hint!r}")
