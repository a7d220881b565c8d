# pyright: strict
"""PHP-style query strings, the encoding `batch` sub-calls need (docs: batch.md).

`{"id": 5, "fields": {"entityId": 2}}` -> `id=5&fields%5BentityId%5D=2`, which PHP decodes
back into the same nested array. Lists become indexed keys (`select[0]=ID`).

A sub-call's values are not data to a portal: `CRestUtil::processBatchElement` rewrites
every decoded string value that contains `$result[..]`, `$error[..]`, `$total[..]`,
`$next[..]` or `$time[..]` (any case; the token runs to the next whitespace) with another
sub-call's answer. Encoding cannot prevent that (`%24` decodes before the substitution), so
`references` finds such values and `sub_call` refuses them; callers send those calls
outside `batch`, where the portal stores them as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from bitrix24_scrum_mcp.errors import InvalidArgumentsError

_PHP_NOT_SPACE = r"[^ \t\n\r\f\v]"  # PCRE's \S without /u: a no-break space is not a space
BATCH_REFERENCE = re.compile(
    rf"\$(?:result|next|total|time|error){_PHP_NOT_SPACE}*?\[(?:(?!\]){_PHP_NOT_SPACE})+\]",
    re.IGNORECASE,
)
"""What a portal's batch substitutes: `$` + a reference map + a `[key]` before any space."""


def references(params: Any, path: str = "") -> list[str]:
    """Where (`fields.name`, `filter.%NAME`, `select.0`) a string value would be rewritten
    inside a batch; empty when the params are safe to send in one."""
    if isinstance(params, Mapping):
        found: list[str] = []
        for key, value in cast(Mapping[str, Any], params).items():
            found += references(value, f"{path}.{key}" if path else str(key))
        return found
    if isinstance(params, (list, tuple)):
        found = []
        for index, value in enumerate(cast("list[Any]", params)):
            found += references(value, f"{path}.{index}")
        return found
    if isinstance(params, str) and BATCH_REFERENCE.search(params):
        return [path]
    return []


def reference_details(params: Mapping[str, Any], prefix: str = "") -> list[dict[str, str]]:
    """`INVALID_ARGUMENTS` details for every value a batch would rewrite."""
    return [
        {
            "field": f"{prefix}{where}",
            "type": "batch_reference",
            "message": "contains a batch reference ($result[..], $error[..], $total[..], "
            "$next[..] or $time[..]) that a portal would replace inside a batch request",
        }
        for where in references(params)
    ]


@dataclass(frozen=True, slots=True)
class Ref:
    """A value our own code takes from an earlier sub-call of the same batch:
    `Ref("sprint", "groupId")` is sent as `$result[sprint][groupId]`.

    Only code builds these (from command keys and field names, never from a model's text),
    and `references` does not flag them, since they are not strings; a text a model sent
    that looks like a reference is still refused or sent outside `batch`.
    """

    key: str
    path: tuple[str, ...]

    def __init__(self, key: str, *path: str) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "path", path)

    def token(self) -> str:
        return f"$result[{self.key}]" + "".join(f"[{p}]" for p in self.path)


def _pairs(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Ref):
        out.append((prefix, value.token()))
    elif isinstance(value, Mapping):
        for key, item in cast(Mapping[str, Any], value).items():
            _pairs(f"{prefix}[{key}]" if prefix else str(key), item, out)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(cast("list[Any]", value)):
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
    """One `cmd` entry of a batch: `method?query`.

    Raises:
        InvalidArgumentsError: a value a portal would rewrite (see the module docstring);
            nothing of the batch is sent.
    """
    details = reference_details(params)
    if details:
        raise InvalidArgumentsError(details, method=method)
    query = encode(params)
    return f"{method}?{query}" if query else method
