# pyright: strict
"""tasks.api.scrum.task.*: a task's Scrum attributes (backlog/sprint, story points, epic, sort).

portal: `Bitrix\\Tasks\\Rest\\Controllers\\Scrum\\Task`. `update` answers `true` under
`result` (the `{status, data, errors}` body on the doc page is the AJAX-controller
shape), changes the item row only (never the kanban: moving a task into an active
sprint does not put it on the board), and creates the item of a task not yet in Scrum
only when `entityId` names where it goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Fields
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.handlers.fields import AUTHORS, collect, described, text
from bitrix24_scrum_mcp.sandbox.handlers.steps import (
    ACCESS_DENIED,
    accessible,
    create,
    found,
    require,
)
from bitrix24_scrum_mcp.sandbox.php import is_numeric, to_int
from bitrix24_scrum_mcp.sandbox.records import (
    DEFAULT_SORT,
    can_read_group,
    first_item_sort,
    get_entity,
    get_epic,
    get_task,
    is_admin,
    item_by_task,
)
from bitrix24_scrum_mcp.sandbox.store import Row
from bitrix24_scrum_mcp.sandbox.views import scrum_task_view

get_fields = described(
    entityId="integer",
    storyPoints="string",
    epicId="integer",
    sort="integer",
    sortFloat="float",
    createdBy="integer",
    modifiedBy="integer",
)


def get(call: Call, id: int) -> Any:  # Task::getAction(int $id)
    require(call, id, "Task id not found")
    item = found(call, item_by_task(call.store, id), "Task not found")
    entity = get_entity(call.store, int(item["entity_id"]))
    # portal: `checkAccess($groupId, $taskId)`: the group's tasks, or this task itself.
    readable = entity is not None and (
        can_read_group(call.store, call.user_id, entity["group_id"])
        or _task_readable(call, get_task(call.store, id))
    )
    require(call, readable, ACCESS_DENIED)
    return scrum_task_view(item)


def update(call: Call, id: int, fields: Fields) -> Any:  # updateAction(int $id, array $fields)
    require(call, id, "Task id not found")
    entity_id = to_int(fields["entityId"]) if "entityId" in fields else 0
    group_id = 0
    if entity_id:
        group_id = accessible(call, get_entity(call.store, entity_id))["group_id"]
    item = item_by_task(call.store, id)
    if item is None:
        require(call, entity_id, "Entity id not found")
        item = _create_item(call, id, entity_id, fields)
    else:
        group_id = accessible(call, get_entity(call.store, int(item["entity_id"])))["group_id"]
        # portal: the target entity may be of another group; only its readability counts.
    changes: dict[str, Any] = {"entity_id": entity_id} if entity_id else {}
    story_points = text(call, fields, "storyPoints")
    if story_points is not None:
        changes["story_points"] = story_points
    if is_numeric(fields.get("epicId")):
        epic = get_epic(call.store, to_int(fields["epicId"]))
        # portal: an epic of another group is refused; one that does not exist clears it.
        require(call, epic is None or epic["group_id"] == group_id, "Epic not found")
        changes["epic_id"] = 0 if epic is None else epic["id"]
    sort = _sort(fields)
    if sort is not None:
        changes["sort_float"] = sort
    authors = collect(call, fields, AUTHORS)  # both written only when sent
    changes |= authors
    call.store.update("items", int(item["id"]), changes)
    return True


def _create_item(call: Call, task_id: int, entity_id: int, fields: Mapping[str, Any]) -> Row:
    """`createScrumTask`: attach a task to Scrum for the first time, in `entityId`."""
    task = get_task(call.store, task_id)
    visible = task if task is not None and _task_readable(call, task) else None
    task = found(call, visible, "Task not found.")  # `CTaskItem::getData()` failed
    entity = get_entity(call.store, entity_id)
    same_group = entity is not None and task["group_id"] == entity["group_id"]
    readable = can_read_group(call.store, call.user_id, task["group_id"])
    require(call, readable and same_group, ACCESS_DENIED)
    created_by = collect(call, fields, AUTHORS[:1]).get("created_by", 0)
    # portal: an absent createdBy stays 0 and ItemForm refuses it (ArgumentNullException).
    require(call, created_by, "Item not created")
    sort = _sort(fields)
    values = {
        "entity_id": entity_id,
        "task_id": task_id,
        "sort_float": first_item_sort(call.store) / 2 if sort is None else sort,
        "created_by": created_by,
        "modified_by": created_by,
    }
    return create(call, "items", values)


def _sort(fields: Mapping[str, Any]) -> float | None:
    """`sortFloat`, else `sort`, as a float; 0 means the default 1024 (`setSortFloat`)."""
    for key in ("sortFloat", "sort"):
        if is_numeric(fields.get(key)):
            return float(fields[key]) or DEFAULT_SORT
    return None


def _task_readable(call: Call, task: Row | None) -> bool:
    """The right to read the task itself: its creator, its responsible person, an admin,
    or a member of its group."""
    if task is None:
        return False
    return (
        call.user_id in (task["created_by"], task["responsible_id"])
        or is_admin(call.store, call.user_id)
        or can_read_group(call.store, call.user_id, task["group_id"])
    )


METHODS = (
    Method("tasks.api.scrum.task.update", update),
    # docs: the page labels task.get's errors HTTP 200; the gateway sends 400 like any other.
    Method("tasks.api.scrum.task.get", get),
    Method("tasks.api.scrum.task.getFields", get_fields),
)
