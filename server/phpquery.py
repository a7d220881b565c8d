"""PHP-style query strings, the encoding `batch` sub-calls need (docs: batch.md).

`{"id": 5, "fields": {"entityId": 2}}` -> `id=5&fields%5BentityId%5D=2`, which PHP decodes
back into the same nested array. Lists become indexed keys (`select[0]=ID`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote


def _pairs(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _pairs(f"{prefix}[{key}]" if prefix else str(key), item, out)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _pairs(f"{prefix}[{index}]", item, out)
    elif isinstance(value, bool):
        out.append((prefix, "1" if value else "0"))
    elif value is None:
        out.append((prefix, ""))
    else:
        out.append((prefix, str(value)))


def encode(params: Mapping[str, Any]) -> str:
    """Encode nested params; an empty list or object has no PHP query form and is omitted."""
    out: list[tuple[str, str]] = []
    _pairs("", params, out)
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in out)


def sub_call(method: str, params: Mapping[str, Any]) -> str:
    """One `cmd` entry of a batch: `method?query`."""
    query = encode(params)
    return f"{method}?{query}" if query else method
