"""tasks.api.scrum.epic.*: epics of a Scrum group, with a filterable list."""

from __future__ import annotations

import json
from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import bind_array, bind_int
from bitrix24_scrum_mcp.sandbox.context import Call, Page
from bitrix24_scrum_mcp.sandbox.handlers.common import (
    numeric_field,
    require_access,
    string_field,
    user_field,
)
from bitrix24_scrum_mcp.sandbox.listing import Column, ListError, build, fetch_page
from bitrix24_scrum_mcp.sandbox.php import as_items, to_int, to_str
from bitrix24_scrum_mcp.sandbox.records import get_epic, get_group, readable_group_ids
from bitrix24_scrum_mcp.sandbox.store import Row
from bitrix24_scrum_mcp.sandbox.views import epic_files_view, epic_view

DEFAULT_COLOR = "#69dafc"

COLUMNS = {
    "ID": Column("id"),
    "GROUP_ID": Column("group_id"),
    "NAME": Column("name", "str"),
    "DESCRIPTION": Column("description", "str"),
    "CREATED_BY": Column("created_by"),
    "MODIFIED_BY": Column("modified_by"),
    "COLOR": Column("color", "str"),
}


def get_fields(call: Call, params: dict[str, Any]) -> Any:
    return {
        "fields": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "groupId": {"type": "integer"},
            "color": {"type": "string"},
            "files": {"type": "array"},
            "createdBy": {"type": "integer"},
            "modifiedBy": {"type": "integer"},
        }
    }


def _files(value: Any) -> str:
    return json.dumps([to_str(v) for _, v in as_items(value)])


def add(call: Call, params: dict[str, Any]) -> Any:
    fields = bind_array(params, "fields")
    group_id = to_int(fields.get("groupId"))
    if not group_id or get_group(call.store, group_id) is None:
        raise call.error("Group is not found")
    name = to_str(fields.get("name"))
    if not name:
        raise call.error("Name is not found")
    require_access(call, group_id)
    created_by = user_field(call, fields, "createdBy")
    modified_by = user_field(call, fields, "modifiedBy")
    epic_id = call.store.insert(
        "epics",
        {
            "group_id": group_id,
            "name": name,
            "description": string_field(fields, "description") or "",
            "created_by": call.user_id if created_by is None else created_by,
            "modified_by": call.user_id if modified_by is None else modified_by,
            "color": string_field(fields, "color") or DEFAULT_COLOR,
            "files": _files(fields.get("files")),
        },
    )
    return epic_view(_epic(call, epic_id))


def update(call: Call, params: dict[str, Any]) -> Any:
    epic_id = bind_int(params, "id", call.method)
    fields = bind_array(params, "fields")
    epic = get_epic(call.store, epic_id) if epic_id else None
    if epic is None:
        raise call.error("Epic not found")
    require_access(call, epic["group_id"])
    changes: dict[str, Any] = {}
    group_id = numeric_field(fields, "groupId")
    if group_id is not None:
        require_access(call, group_id)
        changes["group_id"] = group_id
    for key, column in (("name", "name"), ("description", "description"), ("color", "color")):
        value = string_field(fields, key)
        if value is not None:
            changes[column] = value
    created_by = user_field(call, fields, "createdBy")
    if created_by is not None:
        changes["created_by"] = created_by
    modified_by = user_field(call, fields, "modifiedBy")
    changes["modified_by"] = call.user_id if modified_by is None else modified_by
    if "files" in fields:
        # docs: an empty array removes every attached file.
        changes["files"] = _files(fields["files"])
    call.store.update("epics", epic_id, changes)
    return epic_view(_epic(call, epic_id))


def get(call: Call, params: dict[str, Any]) -> Any:
    epic_id = bind_int(params, "id", call.method)
    epic = get_epic(call.store, epic_id) if epic_id else None
    if epic is None:
        raise call.error("Epic not found")
    require_access(call, epic["group_id"])
    return {**epic_view(epic), "files": epic_files_view(epic)}


def delete(call: Call, params: dict[str, Any]) -> Any:
    epic_id = bind_int(params, "id", call.method)
    epic = get_epic(call.store, epic_id) if epic_id else None
    if epic is None:
        raise call.error("Epic not found")
    require_access(call, epic["group_id"])
    call.store.run("UPDATE items SET epic_id = 0 WHERE epic_id = ?", (epic_id,))
    call.store.run("DELETE FROM epics WHERE id = ?", (epic_id,))
    return []


def list_(call: Call, params: dict[str, Any]) -> Any:
    try:
        query = build(COLUMNS, params.get("filter"), params.get("order"), params.get("select"))
    except ListError:
        raise call.error("Could not load list") from None
    groups = readable_group_ids(call.store, call.user_id)
    marks = ", ".join("?" for _ in groups) or "NULL"
    rows, total, next_offset = fetch_page(
        call.store, "epics", query, params.get("start"), [f"group_id IN ({marks})"], groups
    )
    # `select` is validated like the ORM does, but each item is the full `toArray()` shape.
    return Page([epic_view(row) for row in rows], total, next_offset)


def _epic(call: Call, epic_id: int) -> Row:
    row = get_epic(call.store, epic_id)
    assert row is not None
    return row


HANDLERS = {
    "tasks.api.scrum.epic.add": add,
    "tasks.api.scrum.epic.update": update,
    "tasks.api.scrum.epic.get": get,
    "tasks.api.scrum.epic.list": list_,
    "tasks.api.scrum.epic.delete": delete,
    "tasks.api.scrum.epic.getFields": get_fields,
}
