"""Checks several Scrum controllers repeat: user fields, group access, numeric ids."""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.context import Call
from bitrix24_scrum_mcp.sandbox.php import is_numeric, to_int
from bitrix24_scrum_mcp.sandbox.records import can_read_group, user_exists


def user_field(call: Call, fields: dict[str, Any], key: str) -> int | None:
    """`createdBy` / `modifiedBy`: used only when numeric, and the user must exist."""
    if key not in fields or not is_numeric(fields[key]):
        return None
    user_id = to_int(fields[key])
    if not user_exists(call.store, user_id):
        raise call.error(f"{key} user not found")
    return user_id


def require_access(call: Call, group_id: int, message: str = "Access denied") -> None:
    if not can_read_group(call.store, call.user_id, group_id):
        raise call.error(message)


def numeric_field(fields: dict[str, Any], key: str) -> int | None:
    """A field the controllers only apply when `is_numeric` holds."""
    if key in fields and is_numeric(fields[key]):
        return to_int(fields[key])
    return None


def string_field(fields: dict[str, Any], key: str) -> str | None:
    """A field the controllers only apply when `is_string` holds."""
    value = fields.get(key)
    return value if isinstance(value, str) else None
