"""JSON values as the type checker sees them: `json.loads` and `.json()` give `Any`, and
`isinstance(x, dict)` narrows that to `dict[Unknown, Unknown]`. These guards narrow to what a
decoded JSON value really is: an object has string keys, and its values are any JSON."""

from __future__ import annotations

from typing import Any, TypeGuard


def is_object(value: object) -> TypeGuard[dict[str, Any]]:
    """`isinstance(value, dict)`, narrowed to a JSON object."""
    return isinstance(value, dict)


def is_array(value: object) -> TypeGuard[list[Any]]:
    """`isinstance(value, list)`, narrowed to a JSON array."""
    return isinstance(value, list)
