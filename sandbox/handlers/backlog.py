"""tasks.api.scrum.backlog.*: one backlog per group, looked up by group id in `get`."""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import bind_array, bind_int
from bitrix24_scrum_mcp.sandbox.context import Call
from bitrix24_scrum_mcp.sandbox.handlers.common import numeric_field, require_access, user_field
from bitrix24_scrum_mcp.sandbox.php import to_int
from bitrix24_scrum_mcp.sandbox.records import (
    BACKLOG,
    get_backlog_by_group,
    get_entity,
    item_ids_of_entity,
    reread_entity,
)
from bitrix24_scrum_mcp.sandbox.views import backlog_view


def get_fields(call: Call, params: dict[str, Any]) -> Any:
    return {
        "fields": {
            "groupId": {"type": "integer"},
            "createdBy": {"type": "integer"},
            "modifiedBy": {"type": "integer"},
        }
    }


def add(call: Call, params: dict[str, Any]) -> Any:
    fields = bind_array(params, "fields")
    group_id = to_int(fields.get("groupId"))
    if not group_id:
        raise call.error("Group id not found")
    require_access(call, group_id)
    if get_backlog_by_group(call.store, group_id) is not None:
        raise call.error("Backlog already added")
    created_by = user_field(call, fields, "createdBy")
    modified_by = user_field(call, fields, "modifiedBy")
    # docs: the add example answers modifiedBy 0 when it is not sent.
    backlog_id = call.store.insert(
        "entities",
        {
            "group_id": group_id,
            "entity_type": BACKLOG,
            "created_by": call.user_id if created_by is None else created_by,
            "modified_by": modified_by or 0,
        },
    )
    return backlog_view(reread_entity(call.store, backlog_id))


def update(call: Call, params: dict[str, Any]) -> Any:
    backlog_id = bind_int(params, "id", call.method)
    fields = bind_array(params, "fields")
    if not backlog_id:
        raise call.error("Backlog id not found")
    backlog = get_entity(call.store, backlog_id)
    if backlog is None or backlog["entity_type"] != BACKLOG:
        raise call.error("Backlog not found")
    require_access(call, backlog["group_id"])
    changes: dict[str, Any] = {}
    group_id = numeric_field(fields, "groupId")
    if group_id is not None and group_id != backlog["group_id"]:
        if item_ids_of_entity(call.store, backlog_id):
            raise call.error("It is forbidden move a backlog with items")
        if get_backlog_by_group(call.store, group_id) is not None:
            raise call.error("The target group already has a backlog")
        changes["group_id"] = group_id
    created_by = user_field(call, fields, "createdBy")
    if created_by is not None:
        changes["created_by"] = created_by
    modified_by = user_field(call, fields, "modifiedBy")
    changes["modified_by"] = call.user_id if modified_by is None else modified_by
    call.store.update("entities", backlog_id, changes)
    return backlog_view(reread_entity(call.store, backlog_id))


def get(call: Call, params: dict[str, Any]) -> Any:
    # docs: `id` is the GROUP id here, not the backlog id.
    group_id = bind_int(params, "id", call.method)
    if not group_id:
        raise call.error("Group id not found")
    backlog = get_backlog_by_group(call.store, group_id)
    if backlog is None:
        raise call.error("Backlog not found")
    require_access(call, backlog["group_id"])
    return backlog_view(backlog)


def delete(call: Call, params: dict[str, Any]) -> Any:
    backlog_id = bind_int(params, "id", call.method)
    if not backlog_id:
        raise call.error("Backlog id not found")
    backlog = get_entity(call.store, backlog_id)
    if backlog is None or backlog["entity_type"] != BACKLOG:
        raise call.error("Backlog not found")
    require_access(call, backlog["group_id"])
    if item_ids_of_entity(call.store, backlog_id):
        raise call.error("It is forbidden remove a backlog with items")
    call.store.run("DELETE FROM entities WHERE id = ?", (backlog_id,))
    return []


HANDLERS = {
    "tasks.api.scrum.backlog.add": add,
    "tasks.api.scrum.backlog.update": update,
    "tasks.api.scrum.backlog.get": get,
    "tasks.api.scrum.backlog.delete": delete,
    "tasks.api.scrum.backlog.getFields": get_fields,
}
