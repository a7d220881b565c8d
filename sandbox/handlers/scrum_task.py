"""tasks.api.scrum.task.*: a task's Scrum attributes (backlog/sprint, story points, epic, sort).

task.update answers `true` under `result`: the `{status, data, errors}` body on the doc
page is the AJAX-controller shape, which the REST gateway wraps as a plain result.
docs: task.get labels its errors HTTP 200; the registry gives this method status 200.
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import bind_array, bind_int
from bitrix24_scrum_mcp.sandbox.context import Call
from bitrix24_scrum_mcp.sandbox.handlers.common import numeric_field, user_field
from bitrix24_scrum_mcp.sandbox.php import to_int
from bitrix24_scrum_mcp.sandbox.records import (
    can_read_group,
    get_backlog_by_group,
    get_entity,
    get_epic,
    get_task,
    item_by_task,
    move_item,
)
from bitrix24_scrum_mcp.sandbox.views import scrum_task_view


def get_fields(call: Call, params: dict[str, Any]) -> Any:
    return {
        "fields": {
            "entityId": {"type": "integer"},
            "storyPoints": {"type": "string"},
            "epicId": {"type": "integer"},
            "sort": {"type": "integer"},
            "createdBy": {"type": "integer"},
            "modifiedBy": {"type": "integer"},
        }
    }


def get(call: Call, params: dict[str, Any]) -> Any:
    task_id = bind_int(params, "id", call.method, call.error_status)
    item = item_by_task(call.store, task_id) if task_id else None
    if item is None:
        raise call.error("Task not found")
    entity = get_entity(call.store, int(item["entity_id"]))
    if entity is None or not can_read_group(call.store, call.user_id, entity["group_id"]):
        raise call.error("Access denied")
    return scrum_task_view(item)


def update(call: Call, params: dict[str, Any]) -> Any:
    task_id = bind_int(params, "id", call.method)
    fields = bind_array(params, "fields")
    if not task_id:
        raise call.error("Task not found")
    entity_id = to_int(fields.get("entityId"))
    if entity_id:
        target = get_entity(call.store, entity_id)
        if target is None or not can_read_group(call.store, call.user_id, target["group_id"]):
            raise call.error("Access denied")
    item = item_by_task(call.store, task_id)
    if item is None:
        item_id = _create_item(call, task_id, entity_id, fields)
    else:
        current = get_entity(call.store, int(item["entity_id"]))
        if current is None or not can_read_group(call.store, call.user_id, current["group_id"]):
            raise call.error("Access denied")
        target = get_entity(call.store, entity_id) if entity_id else None
        if target is not None and target["group_id"] != current["group_id"]:
            raise call.error("Access denied")  # an item stays within its Scrum
        item_id = int(item["id"])
    changes: dict[str, Any] = {}
    points = fields.get("storyPoints")
    if isinstance(points, str):
        changes["story_points"] = points
    epic_id = numeric_field(fields, "epicId")
    if epic_id is not None:
        if get_epic(call.store, epic_id) is None:
            raise call.error("Epic not found")
        changes["epic_id"] = epic_id
    sort = numeric_field(fields, "sort")
    if sort is not None:
        changes["sort"] = sort
    created_by = user_field(call, fields, "createdBy")
    if created_by is not None:
        changes["created_by"] = created_by
    modified_by = user_field(call, fields, "modifiedBy")
    changes["modified_by"] = call.user_id if modified_by is None else modified_by
    call.store.update("items", item_id, changes)
    row = call.store.one("SELECT * FROM items WHERE id = ?", (item_id,))
    if entity_id and row is not None and row["entity_id"] != entity_id:
        move_item(call.store, row, entity_id)
    return True


def _create_item(call: Call, task_id: int, entity_id: int, fields: dict[str, Any]) -> int:
    """Attach a task to Scrum for the first time (the named entity, else its group's backlog)."""
    task = get_task(call.store, task_id)
    if task is None:
        raise call.error("Task not found")
    if not can_read_group(call.store, call.user_id, task["group_id"]):
        raise call.error("Access denied")
    if not entity_id:
        # docs: without entityId the task goes to its Scrum's backlog, if there is one.
        backlog = get_backlog_by_group(call.store, task["group_id"])
        if backlog is None:
            raise call.error("Item not created")
        entity_id = int(backlog["id"])
    entity = get_entity(call.store, entity_id)
    if entity is None or entity["group_id"] != task["group_id"]:
        raise call.error("Access denied")
    item_id = call.store.insert(
        "items",
        {"entity_id": 0, "task_id": task_id, "sort": 1, "created_by": call.user_id},
    )
    row = call.store.one("SELECT * FROM items WHERE id = ?", (item_id,))
    assert row is not None
    move_item(call.store, row, entity_id)
    return item_id


HANDLERS = {
    "tasks.api.scrum.task.update": update,
    "tasks.api.scrum.task.get": get,
    "tasks.api.scrum.task.getFields": get_fields,
}
