# pyright: strict
"""PHP value semantics the portal applies to request data.

Bitrix24 is PHP: form and query values arrive as strings, nested keys such as
`fields[groupId]=1` become arrays, and controllers test values with `is_numeric`
and cast with `(int)`. Reproducing those rules here keeps the emulator's answers
to odd input (`"12abc"`, `true`, `[]`) the same as a portal's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

_NUMERIC_RE = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_LEADING_INT_RE = re.compile(r"^\s*([+-]?\d+)")
_KEY_RE = re.compile(r"^([^\[]*)((?:\[[^\]]*\])*)")
_SEGMENT_RE = re.compile(r"\[([^\]]*)\]")


def is_numeric(value: Any) -> bool:
    """PHP `is_numeric`: ints, floats and numeric strings (not bools)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_NUMERIC_RE.match(value))


def to_int(value: Any) -> int:
    """PHP `(int)` cast: `"12abc"` → 12, `"abc"` → 0, `None` → 0, `[1]` → 1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        if _NUMERIC_RE.match(value):
            return int(float(value))
        match = _LEADING_INT_RE.match(value)
        return int(match.group(1)) if match else 0
    if isinstance(value, dict | list):
        return 1 if value else 0
    return 0


def to_str(value: Any) -> str:
    """PHP `(string)` cast for scalars."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return "Array"
    return str(value)


def truthy(value: Any) -> bool:
    """PHP truthiness (`if ($value)`), as batch `halt` and `scope?full` test it: `""`,
    `"0"`, 0, 0.0, false, null and an empty array are false; `"false"` and `"N"` are true."""
    if isinstance(value, str):
        return value not in ("", "0")
    return bool(value)


def php_round(value: float) -> int:
    """PHP `round()`: halves go away from zero (Python's `round` goes to even)."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nest `a[b][]=v` pairs the way PHP fills `$_REQUEST`.

    Maps whose keys are exactly 0..n-1 become lists, which is how PHP's
    `json_encode` would show the same array.
    """
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY_RE.match(raw_key)
        base = match.group(1) if match else raw_key
        if not base:
            continue
        # PHP's parse_str turns `.` and ` ` in a top-level name into `_` (`a.b=1` → `a_b`).
        base = base.replace(".", "_").replace(" ", "_")
        segments = _SEGMENT_RE.findall(match.group(2)) if match else []
        _assign(root, [base, *segments], value)
    return _listify(root)


def _assign(node: dict[str, Any], path: list[str], value: str) -> None:
    for index, segment in enumerate(path):
        last = index == len(path) - 1
        key = segment if segment != "" else str(_next_index(node))
        if last:
            node[key] = value
            return
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = cast("dict[str, Any]", child)


def _next_index(node: Mapping[str, Any]) -> int:
    numbers = [int(k) for k in node if k.lstrip("-").isdigit()]
    return max(numbers) + 1 if numbers else 0


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in cast("dict[str, Any]", node).items()}
    if converted and list(converted) == [str(i) for i in range(len(converted))]:
        return list(converted.values())
    return converted


def php_array(items: Mapping[str, Any]) -> dict[str, Any] | list[Any]:
    """What `json_encode` gives for a PHP array: `[]` when empty, a list when keys are 0..n-1."""
    if not items:
        return []
    if list(items) == [str(i) for i in range(len(items))]:
        return list(items.values())
    return dict(items)


def as_items(value: Any) -> list[tuple[str, Any]]:
    """Iterate a PHP array that may have arrived as a JSON object or a JSON list."""
    if isinstance(value, dict):
        return [(str(k), v) for k, v in cast("dict[Any, Any]", value).items()]
    if isinstance(value, list):
        return [(str(i), v) for i, v in enumerate(cast("list[Any]", value))]
    return []
