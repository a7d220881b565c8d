"""Action-parameter binding: the code-100 errors a Bitrix24 controller raises before it runs.

A controller action declares typed parameters (`int $id`, `array $fields`); the portal
binds request values to them and fails with `Could not find value for parameter {id}` or
`Invalid value abc to match with parameter {id}. Should be value of type int`.
docs: the pages disagree on a trailing period after `int`/`array`; each method uses the
wording its own page shows (`_PERIOD_AFTER_INT`), undocumented ones the period form.
"""

from __future__ import annotations

import re
from typing import Any

from bitrix24_scrum_mcp.sandbox.errors import BindingError
from bitrix24_scrum_mcp.sandbox.php import to_str

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
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(i): item for i, item in enumerate(value)}
    raise BindingError(
        f"Invalid value {to_str(value)} to match with parameter {{{name}}}. "
        "Should be value of type array",
        status,
    )
