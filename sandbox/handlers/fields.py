# pyright: strict
"""How a controller reads `fields`: one `Field` rule a key, applied in order by `collect`.

The Scrum forms (EntityForm, ItemForm, EpicForm) take a key only when its value passes a
PHP type test (`is_string`, `is_numeric`), validate some (a user must exist), and fall
back to a default for others. A rule says exactly that: the key, how its value is read,
the default when the key is not applied, and the column it lands in. `collect` applies a
method's rules in their order, which is the order of their checks (the first failing
one wins), and returns the columns to write.

    SPRINT_UPDATE = (Field("name", text), Field("sort", number), *AUDIT_ON_UPDATE)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bitrix24_scrum_mcp.sandbox.context import Call
from bitrix24_scrum_mcp.sandbox.dates import php_date_field
from bitrix24_scrum_mcp.sandbox.handlers.steps import found, require_access
from bitrix24_scrum_mcp.sandbox.php import is_numeric, to_int, to_str
from bitrix24_scrum_mcp.sandbox.records import user_exists
from bitrix24_scrum_mcp.sandbox.store import Row, Store

Reader = Callable[[Call, Mapping[str, Any], str], Any]
"""Reads one key of `fields`: the value to store, or None when the key is not applied."""

_CAMEL_HUMP = re.compile(r"(?<!^)(?=[A-Z])")


class _Caller:
    def __repr__(self) -> str:
        return "CALLER"


CALLER: Final = _Caller()
"""A default meaning the calling user's id."""


@dataclass(frozen=True)
class Field:
    """One key of `fields`: read by `read`; `default` when not applied (None: left out)."""

    key: str
    read: Reader
    default: Any = None
    column: str = ""

    @property
    def target(self) -> str:
        """The column: `column`, or the key in snake_case (`createdBy` → `created_by`)."""
        return self.column or _CAMEL_HUMP.sub("_", self.key).lower()


def collect(call: Call, fields: Mapping[str, Any], rules: Sequence[Field]) -> dict[str, Any]:
    """Apply the rules in order; the columns and values to write."""
    values: dict[str, Any] = {}
    for rule in rules:
        value = rule.read(call, fields, rule.key)
        if value is None:
            value = call.user_id if rule.default is CALLER else rule.default
        if value is not None:
            values[rule.target] = value
    return values


def text(call: Call, fields: Mapping[str, Any], key: str) -> str | None:
    """Applied only when `is_string`."""
    value = fields.get(key)
    return value if isinstance(value, str) else None


def number(call: Call, fields: Mapping[str, Any], key: str) -> int | None:
    """Applied only when `is_numeric`, as `(int)`."""
    return to_int(fields[key]) if key in fields and is_numeric(fields[key]) else None


def cast_text(call: Call, fields: Mapping[str, Any], key: str) -> str | None:
    """Any value present, as `(string)`."""
    return to_str(fields[key]) if key in fields else None


def cast_int(call: Call, fields: Mapping[str, Any], key: str) -> int | None:
    """Any value present, as `(int)`."""
    return to_int(fields[key]) if key in fields else None


def user(call: Call, fields: Mapping[str, Any], key: str) -> int | None:
    """`createdBy` / `modifiedBy`: applied only when numeric, and the user must exist."""
    user_id = number(call, fields, key)
    if user_id is not None and not user_exists(call.store, user_id):
        raise call.error(f"{key} user not found")
    return user_id


def date(call: Call, fields: Mapping[str, Any], key: str) -> int | None:
    """A date, when present (`Sprint::formatDateField`): a timestamp or what `strtotime`
    reads; portal: an unreadable one is 0 (1970-01-01), with no error."""
    return php_date_field(fields[key], call.now) if key in fields else None


def required_date(call: Call, fields: Mapping[str, Any], key: str) -> int:
    """sprint.add's dates: absent is "Incorrect <key> format"; present, as `date`."""
    if key not in fields:
        raise call.error(f"Incorrect {key} format")
    return php_date_field(fields[key], call.now)


def readable_group(call: Call, fields: Mapping[str, Any], key: str) -> int | None:
    """A numeric group id the caller may read, else "Access denied"."""
    group_id = number(call, fields, key)
    if group_id is not None:
        require_access(call, group_id)
    return group_id


def reference(
    load: Callable[[Store, int], Row | None],
    message: str,
    check: Callable[[Call, Row | None, str], Row] = found,
) -> Reader:
    """A numeric id naming a row `load` finds (`found`), or one of a group the caller may
    read (`accessible`); else `message`."""

    def read(call: Call, fields: Mapping[str, Any], key: str) -> int | None:
        row_id = number(call, fields, key)
        if row_id is not None:
            check(call, load(call.store, row_id), message)
        return row_id

    return read


def described(**types: str) -> Callable[[Call], Any]:
    """A `getFields` action: each field of `fields` with its type, in the controller's order."""

    def get_fields(call: Call) -> Any:
        return {"fields": {name: {"type": kind} for name, kind in types.items()}}

    return get_fields


AUTHORS = (Field("createdBy", user), Field("modifiedBy", user))
"""`createdBy` / `modifiedBy`, in the controllers' order: each validated when numeric (the
user must exist), neither defaulted. What a method then stores differs (see each action):
portal: `backlog.add`/`sprint.add` leave an absent creator at 0 and the save fails;
`epic.add` takes the caller; updates store an absent `modifiedBy` as "no change"."""
