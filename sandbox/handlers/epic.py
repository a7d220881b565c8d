# pyright: strict
"""tasks.api.scrum.epic.*: epics of a Scrum group, with a filterable list.

portal: `Bitrix\\Tasks\\Rest\\Controllers\\Scrum\\Epic` with `EpicForm` / `EpicService`.
The description is stored as sent: a portal sanitises it and converts BBCode to HTML
(`TaskService::convertDescription`), whose exact output is not emulated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import FIRST_PAGE, NO_FIELDS, Fields, Nav
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.handlers.fields import (
    CALLER,
    Field,
    collect,
    described,
    readable_group,
    text,
    user,
)
from bitrix24_scrum_mcp.sandbox.handlers.steps import (
    create,
    found,
    group_list,
    require,
    require_access,
)
from bitrix24_scrum_mcp.sandbox.listing import Column, build
from bitrix24_scrum_mcp.sandbox.php import as_items, is_numeric, to_int, to_str
from bitrix24_scrum_mcp.sandbox.records import get_epic
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

MAX_NAME, MAX_COLOR = 255, 18  # portal: EpicTable validators (NAME 1..255, COLOR <= 18)
COLUMNS = {
    "ID": Column("id"),
    "GROUP_ID": Column("group_id"),
    "NAME": Column("name", "str"),
    "DESCRIPTION": Column("description", "str"),
    "CREATED_BY": Column("created_by"),
    "MODIFIED_BY": Column("modified_by"),
    "COLOR": Column("color", "str"),
}


def _string(call: Call, fields: Mapping[str, Any], key: str) -> str:
    """`EpicForm::setName` / `setColor`: the value when it is a string, else ''."""
    return text(call, fields, key) or ""


ADD_FIELDS = (
    Field("description", text, ""),
    Field("createdBy", user, CALLER),
    Field("color", _string),
)
UPDATE_FIELDS = (
    Field("groupId", readable_group),
    Field("name", text),
    Field("description", text),
    Field("createdBy", user),
    Field("modifiedBy", user, CALLER),
    Field("color", text),
)


def add(call: Call, fields: Fields) -> Any:  # Epic::addAction(array $fields)
    group_id = to_int(fields["groupId"]) if is_numeric(fields.get("groupId")) else 0
    name = _string(call, fields, "name")
    values = collect(call, fields, ADD_FIELDS)  # createdBy is checked before group and name
    files = _file_ids(fields.get("files"))
    require(call, group_id, "Group id not found")
    require(call, name not in ("", "0"), "Name not found")  # `!$epic->getName()`
    require_access(call, group_id)
    require(call, _fits(name, values["color"]), "Epic not created")
    # portal: modifiedBy is neither read nor stored on add; the answer is the form.
    epic = create(
        call, "epics", {"group_id": group_id, "name": name, **values, "files": json.dumps(files)}
    )
    return epic_view(epic)


def update(call: Call, id: int, fields: Fields) -> Any:  # updateAction(int $id, array $fields)
    epic = found(call, get_epic(call.store, id), "Epic not found")
    require_access(call, epic["group_id"])
    # EpicForm::getFieldsToUpdate writes only non-empty values: nothing can be cleared.
    changes = {k: v for k, v in collect(call, fields, UPDATE_FIELDS).items() if v}
    require(call, _fits(changes.get("name", "x"), changes.get("color", "")), "Epic not updated")
    if "files" in fields:
        # EpicService::attachFiles appends to the attached files; an empty array clears them.
        added = _file_ids(fields["files"])
        kept: list[str] = json.loads(epic["files"]) if added else []
        changes["files"] = json.dumps([*kept, *added])
    call.store.update("epics", id, changes)
    return epic_view(call.store.fetch("epics", id))


def get(call: Call, id: int, with_files: bool = True) -> Any:  # getAction(int $id, bool $withFiles)
    epic = found(call, get_epic(call.store, id), "Epic not found")
    require_access(call, epic["group_id"])
    if not with_files:
        return epic_view(epic)
    return {**epic_view(epic), "files": epic_files_view(epic)}


def delete(call: Call, id: int) -> Any:  # deleteAction(int $id)
    epic = found(call, get_epic(call.store, id), "Epic not found")
    require_access(call, epic["group_id"])
    # portal: the items keep their EPIC_ID (task.get still shows the deleted epic's id).
    call.store.run("DELETE FROM epics WHERE id = ?", (id,))
    return []


def list_(
    call: Call,
    filter: Fields = NO_FIELDS,
    select: Fields = NO_FIELDS,
    order: Fields = NO_FIELDS,
    nav: Nav = FIRST_PAGE,
) -> Any:  # listAction(array $filter = [], array $select = [], array $order = [], $nav)
    return group_list(call, lambda: build(COLUMNS, filter, order, select), nav, "epics", epic_view)


def _file_ids(value: Any) -> list[str]:
    return [to_str(v) for _, v in as_items(value)] if isinstance(value, dict | list) else []


def _fits(name: str, color: str) -> bool:
    return 0 < len(name) <= MAX_NAME and len(color) <= MAX_COLOR


METHODS = (
    Method("tasks.api.scrum.epic.add", add),
    Method("tasks.api.scrum.epic.update", update),
    Method("tasks.api.scrum.epic.get", get),
    # portal: "Could not load list" is recorded, then `return []` sends a success.
    Method("tasks.api.scrum.epic.list", list_, on_error=[]),
    # portal: "Epic not deleted" is recorded, then `return []` sends a success.
    Method("tasks.api.scrum.epic.delete", delete, drops={"Epic not deleted": []}),
    Method("tasks.api.scrum.epic.getFields", get_fields),
)
