"""tasks.api.scrum.task.*: a task's Scrum attributes (backlog/sprint, story points, epic, sort).

task.update answers `true` under `result`: the `{status, data, errors}` body on the doc
page is the AJAX-controller shape, which the REST gateway wraps as a plain result.
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Fields
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.handlers.fields import (
    AUDIT_ON_UPDATE,
    Field,
    collect,
    described,
    number,
    reference,
    text,
)
from bitrix24_scrum_mcp.sandbox.handlers.steps import (
    ACCESS_DENIED,
    accessible,
    create,
    found,
    require,
    require_access,
    save,
)
from bitrix24_scrum_mcp.sandbox.php import to_int
from bitrix24_scrum_mcp.sandbox.records import (
    get_backlog_by_group,
    get_entity,
    get_epic,
    get_task,
    item_by_task,
    move_item,
)
from bitrix24_scrum_mcp.sandbox.views import scrum_task_view

get_fields = described(
    entityId="integer",
    storyPoints="string",
    epicId="integer",
    sort="integer",
    createdBy="integer",
    modifiedBy="integer",
)


ITEM_FIELDS = (
    Field("storyPoints", text),
    Field("epicId", reference(get_epic, "Epic not found")),
    Field("sort", number),
    *AUDIT_ON_UPDATE,
)


def get(call: Call, id: int) -> Any:
    item = found(call, item_by_task(call.store, id), "Task not found")
    accessible(call, get_entity(call.store, int(item["entity_id"])))
    return scrum_task_view(item)


def update(call: Call, id: int, fields: Fields) -> Any:
    require(call, id, "Task not found")
    entity_id = to_int(fields.get("entityId"))
    if entity_id:
        accessible(call, get_entity(call.store, entity_id))
    item = item_by_task(call.store, id)
    if item is None:
        item_id = _create_item(call, id, entity_id)
    else:
        current = accessible(call, get_entity(call.store, int(item["entity_id"])))
        target = get_entity(call.store, entity_id) if entity_id else None
        # An item stays within its Scrum.
        require(call, target is None or target["group_id"] == current["group_id"], ACCESS_DENIED)
        item_id = int(item["id"])
    row = save(call, "items", item_id, collect(call, fields, ITEM_FIELDS))
    if entity_id and row["entity_id"] != entity_id:
        move_item(call.store, row, entity_id)
    return True


def _create_item(call: Call, task_id: int, entity_id: int) -> int:
    """Attach a task to Scrum for the first time (the named entity, else its group's backlog)."""
    task = found(call, get_task(call.store, task_id), "Task not found")
    require_access(call, task["group_id"])
    if not entity_id:
        # docs: without entityId the task goes to its Scrum's backlog, if there is one.
        backlog = get_backlog_by_group(call.store, task["group_id"])
        entity_id = int(found(call, backlog, "Item not created")["id"])
    entity = get_entity(call.store, entity_id)
    require(call, entity is not None and entity["group_id"] == task["group_id"], ACCESS_DENIED)
    values = {"entity_id": 0, "task_id": task_id, "sort": 1, "created_by": call.user_id}
    item = create(call, "items", values)
    move_item(call.store, item, entity_id)
    return int(item["id"])


METHODS = (
    Method("tasks.api.scrum.task.update", update),
    # docs: task.get labels its errors, binding errors included, HTTP 200.
    Method("tasks.api.scrum.task.get", get, error_status=200),
    Method("tasks.api.scrum.task.getFields", get_fields),
)
