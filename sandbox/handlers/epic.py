"""tasks.api.scrum.epic.*: epics of a Scrum group, with a filterable list."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Fields, Params
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.handlers.fields import (
    AUDIT_ON_ADD,
    AUDIT_ON_UPDATE,
    Field,
    collect,
    described,
    readable_group,
    text,
)
from bitrix24_scrum_mcp.sandbox.handlers.steps import (
    create,
    found,
    group_list,
    require,
    require_access,
    save,
)
from bitrix24_scrum_mcp.sandbox.listing import Column
from bitrix24_scrum_mcp.sandbox.php import as_items, to_int, to_str
from bitrix24_scrum_mcp.sandbox.records import get_epic, get_group
from bitrix24_scrum_mcp.sandbox.views import epic_files_view, epic_view

get_fields = described(
    name="string",
    description="string",
    groupId="integer",
    color="string",
    files="array",
    createdBy="integer",
    modifiedBy="integer",
)

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


def _files(call: Call, fields: Mapping[str, Any], key: str) -> str | None:
    """The attached file ids, when the key is sent. docs: an empty array removes them all."""
    return json.dumps([to_str(v) for _, v in as_items(fields[key])]) if key in fields else None


def _color(call: Call, fields: Mapping[str, Any], key: str) -> str | None:
    """A new epic's colour: a non-empty string, else the default."""
    return text(call, fields, key) or None


ADD_FIELDS = (
    Field("description", text, ""),
    Field("color", _color, DEFAULT_COLOR),
    *AUDIT_ON_ADD,
    Field("files", _files, "[]"),
)
UPDATE_FIELDS = (
    Field("groupId", readable_group),
    Field("name", text),
    Field("description", text),
    Field("color", text),
    *AUDIT_ON_UPDATE,
    Field("files", _files),
)


def add(call: Call, fields: Fields) -> Any:
    group_id = to_int(fields.get("groupId"))
    require(call, group_id and get_group(call.store, group_id) is not None, "Group is not found")
    name = to_str(fields.get("name"))
    require(call, name, "Name is not found")
    require_access(call, group_id)
    values = collect(call, fields, ADD_FIELDS)
    return epic_view(create(call, "epics", {"group_id": group_id, "name": name, **values}))


def update(call: Call, id: int, fields: Fields) -> Any:
    epic = found(call, get_epic(call.store, id), "Epic not found")
    require_access(call, epic["group_id"])
    return epic_view(save(call, "epics", id, collect(call, fields, UPDATE_FIELDS)))


def get(call: Call, id: int) -> Any:
    epic = found(call, get_epic(call.store, id), "Epic not found")
    require_access(call, epic["group_id"])
    return {**epic_view(epic), "files": epic_files_view(epic)}


def delete(call: Call, id: int) -> Any:
    epic = found(call, get_epic(call.store, id), "Epic not found")
    require_access(call, epic["group_id"])
    call.store.run("UPDATE items SET epic_id = 0 WHERE epic_id = ?", (id,))
    call.store.run("DELETE FROM epics WHERE id = ?", (id,))
    return []


def list_(call: Call, params: Params) -> Any:
    return group_list(call, params, "epics", COLUMNS, epic_view)


METHODS = (
    Method("tasks.api.scrum.epic.add", add),
    Method("tasks.api.scrum.epic.update", update),
    Method("tasks.api.scrum.epic.get", get),
    Method("tasks.api.scrum.epic.list", list_),
    Method("tasks.api.scrum.epic.delete", delete),
    Method("tasks.api.scrum.epic.getFields", get_fields),
)
