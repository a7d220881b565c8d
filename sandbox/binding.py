# pyright: strict
"""Action-parameter binding: the code-100 errors a Bitrix24 controller raises before it runs.

A controller action declares typed parameters (`updateAction(int $id, array $fields)`);
the portal's binder (`Main\\Engine\\AutoWire\\Binder`) reads the signature and binds
request values to the parameters in declaration order, before the action runs. The first
parameter that fails wins:
- key absent: `Could not find value for parameter {id}`;
- present but of the wrong type (JSON `null` is present):
  `Invalid value {abc} to match with parameter {id}. Should be value of type int.`
  (braces around the value, a trailing period, always; an array prints as `{Array}`,
  `true` as `{1}`, `false` and `null` as `{}`).
portal: `TypeDeclarationChecker` accepts for `int` any `is_numeric` value (`"1.5"`,
`"1e3"`, `" 12"`; PHP then truncates) and never a boolean; for `array` only arrays.
docs: the pages disagree on the trailing period; the binder always writes it.

Our actions declare the same signature in Python (`def update(call: Call, id: int,
fields: Fields)`) and `bind_action` binds it the same way, so no action binds anything by hand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NewType, get_type_hints

from bitrix24_scrum_mcp.sandbox.context import Call
from bitrix24_scrum_mcp.sandbox.errors import BindingError
from bitrix24_scrum_mcp.sandbox.listing import page_bounds
from bitrix24_scrum_mcp.sandbox.php import as_items, is_numeric, to_int, to_str

Fields = NewType("Fields", dict[str, Any])
"""An `array` action parameter (`array $fields`), bound: a JSON list becomes an index-keyed map."""

Nav = NewType("Nav", int)
"""`PageNavigation $nav`: the row offset `RestManager` builds from `start` (rounded down
to a multiple of 50); the action never sees `start` itself."""

NO_FIELDS = Fields({})
"""The default of an optional `array $x = []` parameter (never mutated)."""
FIRST_PAGE = Nav(0)

Params = NewType("Params", dict[str, Any])
"""Every request parameter, unbound: for actions whose optional parameters (`filter`,
`order`, `select`, `start`) the portal does not type, or that bind in their own way."""

Handler = Callable[[Call, dict[str, Any]], Any]
_Binder = Callable[[Call, dict[str, Any]], Any]


def _missing(name: str) -> BindingError:
    return BindingError(f"Could not find value for parameter {{{name}}}")


def _invalid(value: Any, name: str, kind: str) -> BindingError:
    return BindingError(
        f"Invalid value {{{to_str(value)}}} to match with parameter {{{name}}}. "
        f"Should be value of type {kind}."
    )


def bind_int(params: dict[str, Any], name: str) -> int:
    """Bind a required `int` action parameter the way the portal's binder does."""
    if name not in params:
        raise _missing(name)
    value = params[name]
    if not is_numeric(value):
        raise _invalid(value, name, "int")
    return to_int(value)


def bind_array(params: dict[str, Any], name: str) -> dict[str, Any]:
    """Bind a required `array` action parameter; a JSON list becomes an index-keyed map."""
    if name not in params:
        raise _missing(name)
    value = params[name]
    if not isinstance(value, dict | list):
        raise _invalid(value, name, "array")
    return dict(as_items(value))


def bind_action(action: Callable[..., Any]) -> Handler:
    """The handler for an action `(call, p1: T1, p2: T2, ...)`: bind p1, p2, ... then run it.

    A parameter `sprint_id` binds the request's `sprintId`; `int` binds like `int $x`,
    `Fields` like `array $x` (with a default, `array $x = []`: absent is empty), `Nav`
    like `PageNavigation $nav`, `Params` receives every parameter as sent, and
    `with_files: bool = True` binds like `bool $withFiles = true` (absent: the default,
    present: PHP truthiness). The first parameter that fails wins.
    """
    hints = get_type_hints(action)
    signature = inspect.signature(action)
    names = list(signature.parameters)[1:]
    binders = [_binder(name, hints[name], signature.parameters[name].default) for name in names]

    def handler(call: Call, params: dict[str, Any]) -> Any:
        return action(call, *[bind(call, params) for bind in binders])

    return handler


def _binder(name: str, hint: object, default: Any) -> _Binder:
    head, *tail = name.split("_")
    wire_name = head + "".join(part.title() for part in tail)
    optional = default is not inspect.Parameter.empty
    if hint is int:
        return lambda call, params: bind_int(params, wire_name)
    if hint is Fields and optional:  # `array $filter = []`
        return lambda call, params: Fields(
            bind_array(params, wire_name) if wire_name in params else {}
        )
    if hint is Fields:
        return lambda call, params: Fields(bind_array(params, wire_name))
    if hint is Nav:
        return lambda call, params: Nav(page_bounds(params.get("start"))[0])
    if hint is Params:
        return lambda call, params: Params(params)
    if hint is bool and optional:
        return lambda call, params: _bind_bool(params, wire_name, bool(default))
    raise TypeError(f"cannot bind parameter {name}: {hint!r}")


def _bind_bool(params: dict[str, Any], name: str, default: bool) -> bool:
    """`bool $x = default`: any scalar is accepted (PHP truthiness: `"false"` is true)."""
    if name not in params:
        return default
    value = params[name]
    if isinstance(value, dict | list) or value is None:
        raise _invalid(value, name, "bool")
    return bool(value) if not isinstance(value, str) else value not in ("", "0")
