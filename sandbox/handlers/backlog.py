"""tasks.api.scrum.backlog.*: one backlog per group, looked up by group id in `get`."""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Fields
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.handlers.fields import (
    AUDIT_ON_UPDATE,
    CALLER,
    Field,
    collect,
    described,
    number,
    user,
)
from bitrix24_scrum_mcp.sandbox.handlers.steps import create, found, require, require_access, save
from bitrix24_scrum_mcp.sandbox.php import to_int
from bitrix24_scrum_mcp.sandbox.records import (
    BACKLOG,
    get_backlog,
    get_backlog_by_group,
    item_ids_of_entity,
)
from bitrix24_scrum_mcp.sandbox.views import backlog_view

# docs: the add example answers modifiedBy 0 when it is not sent.
get_fields = described(groupId="integer", createdBy="integer", modifiedBy="integer")

ADD_FIELDS = (Field("createdBy", user, CALLER), Field("modifiedBy", user, 0))


def add(call: Call, fields: Fields) -> Any:
    group_id = to_int(fields.get("groupId"))
    require(call, group_id, "Group id not found")
    require_access(call, group_id)
    require(call, get_backlog_by_group(call.store, group_id) is None, "Backlog already added")
    values = collect(call, fields, ADD_FIELDS)
    backlog = create(call, "entities", {"group_id": group_id, "entity_type": BACKLOG, **values})
    return backlog_view(backlog)


def update(call: Call, id: int, fields: Fields) -> Any:
    require(call, id, "Backlog id not found")
    backlog = found(call, get_backlog(call.store, id), "Backlog not found")
    require_access(call, backlog["group_id"])
    changes: dict[str, Any] = {}
    group_id = number(call, fields, "groupId")
    if group_id is not None and group_id != backlog["group_id"]:
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
        changes["group_id"] = group_id
    changes |= collect(call, fields, AUDIT_ON_UPDATE)
    return backlog_view(save(call, "entities", id, changes))


def get(call: Call, id: int) -> Any:
    # docs: `id` is the GROUP id here, not the backlog id.
    require(call, id, "Group id not found")
    backlog = found(call, get_backlog_by_group(call.store, id), "Backlog not found")
    require_access(call, backlog["group_id"])
    return backlog_view(backlog)


def delete(call: Call, id: int) -> Any:
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
    Method("tasks.api.scrum.backlog.delete", delete),
    Method("tasks.api.scrum.backlog.getFields", get_fields),
)
