# pyright: strict
"""tasks.api.scrum.backlog.*: one backlog per group, looked up by group id in `get`.

portal: `Bitrix\\Tasks\\Rest\\Controllers\\Scrum\\Backlog`. `add` and `update` answer the
form they built, not the row as stored: `add` stores `MODIFIED_BY = createdBy` but
answers the `modifiedBy` sent (or 0); `update` answers the `createdBy` sent although it
never stores it, and `modifiedBy` 0 when none was sent (0 is not stored).
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Fields
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.handlers.fields import AUTHORS, collect, described, number
from bitrix24_scrum_mcp.sandbox.handlers.steps import create, found, require, require_access
from bitrix24_scrum_mcp.sandbox.php import to_int
from bitrix24_scrum_mcp.sandbox.records import (
    BACKLOG,
    get_backlog,
    get_backlog_by_group,
    item_ids_of_entity,
)
from bitrix24_scrum_mcp.sandbox.views import backlog_view

get_fields = described(groupId="integer", createdBy="integer", modifiedBy="integer")


def add(call: Call, fields: Fields) -> Any:  # Backlog::addAction(array $fields)
    group_id = to_int(fields.get("groupId"))
    require(call, group_id, "Group id not found")
    require_access(call, group_id)
    require(call, get_backlog_by_group(call.store, group_id) is None, "Backlog already added")
    authors = collect(call, fields, AUTHORS)
    created_by = authors.get("created_by", 0)
    # portal: `$createdBy = 0; ... $createdBy ?? getUserId()` keeps 0, and
    # EntityForm::getFieldsToCreateBacklog throws for it (ArgumentNullException).
    require(call, created_by, "Unable to add backlog")
    values = {"group_id": group_id, "entity_type": BACKLOG, "created_by": created_by}
    backlog = create(call, "entities", {**values, "modified_by": created_by})
    return {
        "id": backlog["id"],
        "groupId": group_id,
        "createdBy": created_by,
        "modifiedBy": authors.get("modified_by", 0),
    }


def update(call: Call, id: int, fields: Fields) -> Any:  # updateAction(int $id, array $fields)
    require(call, id, "Backlog id not found")
    backlog = found(call, get_backlog(call.store, id), "Backlog not found")
    require_access(call, backlog["group_id"])
    form = backlog_view(backlog)
    group_id = number(call, fields, "groupId")
    if group_id is not None:
        if group_id != backlog["group_id"]:
            require(
                call,
                not item_ids_of_entity(call.store, id),
                "It is forbidden move a backlog with items",
            )
            require(
                call,
                get_backlog_by_group(call.store, group_id) is None,
                "The target group already has a backlog",
            )
        form["groupId"] = group_id
    authors = collect(call, fields, AUTHORS)
    form["createdBy"] = authors.get("created_by", form["createdBy"])
    form["modifiedBy"] = authors.get("modified_by", 0)
    # EntityForm::getFieldsToUpdateEntity: no CREATED_BY; a 0 group or editor is not written.
    changes = {"group_id": form["groupId"], "modified_by": form["modifiedBy"]}
    call.store.update("entities", id, {k: v for k, v in changes.items() if v})
    return form


def get(call: Call, id: int) -> Any:  # getAction(int $id): `id` is the GROUP id
    require(call, id, "Group id not found")
    backlog = found(call, get_backlog_by_group(call.store, id), "Backlog not found")
    require_access(call, backlog["group_id"])
    return backlog_view(backlog)


def delete(call: Call, id: int) -> Any:  # deleteAction(int $id)
    require(call, id, "Backlog id not found")
    backlog = found(call, get_backlog(call.store, id), "Backlog not found")
    require_access(call, backlog["group_id"])
    require(
        call, not item_ids_of_entity(call.store, id), "It is forbidden remove a backlog with items"
    )
    call.store.run("DELETE FROM entities WHERE id = ?", (id,))
    return []


METHODS = (
    Method("tasks.api.scrum.backlog.add", add),
    Method("tasks.api.scrum.backlog.update", update),
    Method("tasks.api.scrum.backlog.get", get),
    # portal: "Backlog not deleted" is recorded, then `return []` sends a success.
    Method("tasks.api.scrum.backlog.delete", delete, drops={"Backlog not deleted": []}),
    Method("tasks.api.scrum.backlog.getFields", get_fields),
)
