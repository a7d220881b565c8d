# pyright: strict
"""tasks.task.add/get/list/update: just enough of the task module for Scrum to work on.

UPPER_CASE input, camelCase string-valued output, `{"task": ...}` / `{"tasks": [...]}`
results, as docs/companion-methods.md records. A task created or moved into a Scrum group
that has a backlog lands in that backlog, as it does on a portal.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Fields, Params, bind_array
from bitrix24_scrum_mcp.sandbox.context import Call, Method, Page
from bitrix24_scrum_mcp.sandbox.dates import format_task_date, parse_date
from bitrix24_scrum_mcp.sandbox.errors import BindingError, RestError
from bitrix24_scrum_mcp.sandbox.handlers.steps import create
from bitrix24_scrum_mcp.sandbox.listing import Column, ListError, build, fetch_page
from bitrix24_scrum_mcp.sandbox.php import as_items, is_numeric, to_int, to_str
from bitrix24_scrum_mcp.sandbox.records import (
    ACTIVE,
    BACKLOG,
    SPRINT,
    TASK_COMPLETED,
    get_backlog_by_group,
    get_entity,
    get_group,
    get_task,
    get_user,
    item_by_task,
    put_on_stage,
    readable_group_ids,
    remove_from_kanban,
    stage_of_type,
)
from bitrix24_scrum_mcp.sandbox.store import Row

STATUSES = (2, 3, 4, 5, 6)  # pending, in progress, awaiting control, completed, deferred
_ENTITY_OF_TYPE = (
    "(SELECT i.entity_id FROM items i JOIN entities e ON e.id = i.entity_id "
    "WHERE i.task_id = tasks.id AND e.entity_type = '{}')"
)
COLUMNS = {
    "ID": Column("id"),
    "PARENT_ID": Column("parent_id"),
    "TITLE": Column("title", "str"),
    "DESCRIPTION": Column("description", "str"),
    "GROUP_ID": Column("group_id"),
    "CREATED_BY": Column("created_by"),
    "RESPONSIBLE_ID": Column("responsible_id"),
    "STATUS": Column("status"),
    "REAL_STATUS": Column("status"),
    "PRIORITY": Column("priority"),
    "DEADLINE": Column("deadline", "date"),
    "CREATED_DATE": Column("created_date", "date"),
    "CHANGED_DATE": Column("changed_date", "date"),
    "CLOSED_DATE": Column("closed_date", "date"),
    # portal: the item's entity, when that entity is a sprint (a backlog); else NULL.
    "SPRINT_ID": Column(_ENTITY_OF_TYPE.format("sprint")),
    "BACKLOG_ID": Column(_ENTITY_OF_TYPE.format("backlog")),
    # portal: TaskFilterBuilder compares STAGE_ID with the column `b_tasks.STAGE_ID`, and
    # joins `b_tasks_task_stage` (the sprint kanban's relation) for STAGES_ID.
    "STAGE_ID": Column("stage_id"),
    "STAGES_ID": Column(
        "ts.stage_id", exists="SELECT 1 FROM task_stages ts WHERE ts.task_id = tasks.id AND {}"
    ),
}
_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


class CoreError(RestError):
    """tasks.task.* validation errors: `ERROR_CORE`, message ending in `<br>`."""

    def __init__(self, message: str) -> None:
        super().__init__("ERROR_CORE", f"{message}<br>", 400)


def _upper(fields: dict[str, Any]) -> dict[str, Any]:
    """Accept `GROUP_ID` and `groupId` alike."""
    return {
        (key if key.isupper() else _CAMEL_RE.sub("_", key).upper()): value
        for key, value in fields.items()
    }


def _camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(part.title() for part in rest)


def _user_ref(call: Call, user_id: int) -> dict[str, Any]:
    user = get_user(call.store, user_id)
    name = f"{user['name']} {user['last_name']}" if user is not None else ""
    return {
        "id": str(user_id),
        "name": name,
        "link": f"/company/personal/user/{user_id}/",
        "icon": "/bitrix/images/tasks/default_avatar.png",
        "workPosition": user["work_position"] if user is not None else "",
    }


def task_view(call: Call, row: Row) -> dict[str, Any]:
    group = get_group(call.store, int(row["group_id"])) if row["group_id"] else None
    item = item_by_task(call.store, int(row["id"]))
    entity = get_entity(call.store, int(item["entity_id"])) if item is not None else None
    kind = entity["entity_type"] if entity is not None else ""
    closed = row["status"] == TASK_COMPLETED
    return {
        "id": str(row["id"]),
        "parentId": str(row["parent_id"]) if row["parent_id"] else None,
        "title": row["title"],
        "description": row["description"],
        "mark": None,
        "priority": str(row["priority"]),
        "multitask": "N",
        "notViewed": "N",
        "replicate": "N",
        # portal: the column b_tasks.STAGE_ID (see records.py): where the kanban service
        # last put the task, stale after REST kanban.addTask, "0" after kanban.deleteTask.
        "stageId": str(row["stage_id"]),
        "sprintId": str(entity["id"]) if entity is not None and kind == SPRINT else None,
        "backlogId": str(entity["id"]) if entity is not None and kind == BACKLOG else None,
        "createdBy": str(row["created_by"]),
        "createdDate": format_task_date(row["created_date"]),
        "responsibleId": str(row["responsible_id"]),
        "changedBy": str(row["created_by"]),
        "changedDate": format_task_date(row["changed_date"]),
        "statusChangedBy": None,
        "closedBy": str(row["responsible_id"]) if closed else None,
        "closedDate": format_task_date(row["closed_date"]),
        "activityDate": format_task_date(row["changed_date"]),
        "dateStart": None,
        "deadline": format_task_date(row["deadline"]),
        "startDatePlan": None,
        "endDatePlan": None,
        "guid": "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-task-{row['id']}")) + "}",
        "timeEstimate": "0",
        "siteId": "s1",
        "descriptionInBbcode": "Y",
        "status": str(row["status"]),
        "statusChangedDate": format_task_date(row["changed_date"]),
        "durationType": "days",
        "favorite": "N",
        "groupId": str(row["group_id"]),
        "auditors": [],
        "accomplices": [],
        "checklist": [],
        "group": (
            {
                "id": str(group["id"]),
                "name": group["name"],
                "opened": group["opened"] == "Y",
                "membersCount": _members(call, int(group["id"])),
                "image": "",
                "additionalData": [],
            }
            if group is not None
            else []
        ),
        "creator": _user_ref(call, int(row["created_by"])),
        "responsible": _user_ref(call, int(row["responsible_id"])),
        "accomplicesData": [],
        "auditorsData": [],
        "newCommentsCount": 0,
        "action": {
            "accept": False,
            "complete": not closed,
            "start": not closed,
            "edit": True,
            "remove": True,
        },
    }


def _members(call: Call, group_id: int) -> int:
    count = call.store.scalar("SELECT COUNT(*) FROM group_members WHERE group_id = ?", (group_id,))
    return int(count or 0)


def _validate(call: Call, fields: dict[str, Any], creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "TITLE" in fields or creating:
        title = to_str(fields.get("TITLE")).strip()
        if not title:
            raise CoreError("Task title is not specified")
        values["title"] = title
    if "RESPONSIBLE_ID" in fields or creating:
        responsible = to_int(fields.get("RESPONSIBLE_ID"))
        if not responsible:
            raise CoreError("Responsible person not specified")
        if get_user(call.store, responsible) is None:
            raise CoreError('User specified in the "Responsible" field not found')
        values["responsible_id"] = responsible
    if "STATUS" in fields:
        status = to_int(fields["STATUS"])
        if status not in STATUSES:
            raise CoreError("Incorrect status")
        values["status"] = status
        values["closed_date"] = int(call.now) if status == TASK_COMPLETED else 0
    if (
        to_int(fields.get("PARENT_ID"))
        and get_task(call.store, to_int(fields["PARENT_ID"])) is None
    ):
        raise CoreError('Task specified in the "Parent Task" field not found')
    for key, column in (("DESCRIPTION", "description"),):
        if key in fields:
            values[column] = to_str(fields[key])
    # portal: STAGE_ID writes the column only, never the kanban relation.
    numbers = (("GROUP_ID", "group_id"), ("PRIORITY", "priority"), ("STAGE_ID", "stage_id"))
    if creating:
        numbers += (("PARENT_ID", "parent_id"),)
    for key, column in numbers:
        if key in fields and is_numeric(fields[key]):
            values[column] = to_int(fields[key])
    if "DEADLINE" in fields:
        values["deadline"] = parse_date(fields["DEADLINE"]) or 0
    if creating:
        created_by = to_int(fields.get("CREATED_BY")) or call.user_id
        values["created_by"] = created_by if get_user(call.store, created_by) else call.user_id
    return values


def _sync_scrum(call: Call, task_id: int, fields: dict[str, Any]) -> None:
    """`Scrum\\Service\\TaskService::onAfterTaskAdd/Update`: a task arriving in a Scrum
    gets an item (a subtask in its parent's entity, put on the board when that is the
    active sprint; any other task at the top of the backlog, sort 1, with the task's
    `EPIC` and `STORY_POINTS`); a task leaving its Scrum loses its item and its place on
    the board."""
    task = call.store.fetch("tasks", task_id)
    item = item_by_task(call.store, task_id)
    if item is not None:
        entity = get_entity(call.store, int(item["entity_id"]))
        if entity is not None and entity["group_id"] == task["group_id"]:
            return
        if entity is not None:
            remove_from_kanban(call.store, int(entity["id"]), task_id)
        call.store.run("DELETE FROM items WHERE id = ?", (item["id"],))
    group = get_group(call.store, int(task["group_id"])) if task["group_id"] else None
    if group is None or not group["scrum_master_id"]:
        return
    parent = item_by_task(call.store, int(task["parent_id"])) if task["parent_id"] else None
    entity = get_entity(call.store, int(parent["entity_id"])) if parent is not None else None
    epic_id = to_int(fields.get("EPIC")) if is_numeric(fields.get("EPIC")) else 0
    if parent is not None and entity is not None and entity["group_id"] == task["group_id"]:
        epic_id = int(parent["epic_id"])
    else:
        entity = get_backlog_by_group(call.store, int(task["group_id"]))
    if entity is None:
        return
    values = {
        "entity_id": entity["id"],
        "task_id": task_id,
        "sort_float": 1.0,
        "epic_id": epic_id,
        "story_points": to_str(fields.get("STORY_POINTS")),
        "created_by": task["created_by"],
        "modified_by": task["created_by"],
    }
    call.store.insert("items", values)
    if entity["entity_type"] == SPRINT and entity["status"] == ACTIVE:
        new_stage = stage_of_type(call.store, int(entity["id"]), "NEW")
        if new_stage is not None:
            put_on_stage(call.store, int(entity["id"]), task_id, int(new_stage["id"]))


def add(call: Call, fields: Fields) -> Any:
    if not fields:
        raise BindingError("Could not find value for parameter {fields} (internal error)")
    values = _validate(call, _upper(fields), creating=True)
    now = int(call.now)
    task = create(call, "tasks", {**values, "created_date": now, "changed_date": now})
    _sync_scrum(call, int(task["id"]), _upper(fields))
    return {"task": task_view(call, task)}


def update(call: Call, params: Params) -> Any:
    # The task id binds first (its own CTaskItem failure), `fields` after it.
    task_id = _task_id(params)
    fields = bind_array(params, "fields")
    task = _visible_task(call, task_id)
    if task is None:
        raise RestError("0", "Task not found", 400)
    upper = _upper(fields)
    values = _validate(call, upper, creating=False)
    values["changed_date"] = int(call.now)
    call.store.update("tasks", task_id, values)
    if values.get("group_id", task["group_id"]) != task["group_id"]:
        _sync_scrum(call, task_id, upper)
    return {"task": task_view(call, call.store.fetch("tasks", task_id))}


def get(call: Call, params: Params) -> Any:
    task_id = _task_id(params)
    select = params.get("select")
    if "select" in params and (not isinstance(select, dict | list) or not select):
        raise BindingError(
            "Invalid value {} to match with parameter {select}. "
            "Should be value of type array. (internal error)"
        )
    task = _visible_task(call, task_id)
    if task is None:
        return []  # docs: not found or no access answers an empty result, not an error
    return {"task": _pick(task_view(call, task), select)}


def list_(call: Call, params: Params) -> Any:
    filter_ = {
        key: value
        for key, value in as_items(params.get("filter"))
        if re.sub(r"^[!<>=%]+", "", key).upper() in COLUMNS
    }
    order = params.get("order") or {"ID": "desc"}
    try:
        query = build(COLUMNS, filter_, order, None)
    except ListError:
        raise RestError("0", "Invalid sorting key (internal error)", 400) from None
    where, args = _visibility(call)
    rows, total, next_offset = fetch_page(
        call.store, "tasks", query, params.get("start"), [where], args
    )
    tasks = [_pick(task_view(call, row), params.get("select")) for row in rows]
    return Page({"tasks": tasks}, total, next_offset)


def _task_id(params: dict[str, Any]) -> int:
    if params.get("taskId") is None:
        raise BindingError(
            "CTaskItem All parameters in the constructor must have real class type (internal error)"
        )
    if not is_numeric(params["taskId"]):
        raise RestError("0", "wrong task id", 400)
    return to_int(params["taskId"])


def _visibility(call: Call) -> tuple[str, list[Any]]:
    groups = readable_group_ids(call.store, call.user_id)
    user = get_user(call.store, call.user_id)
    if user is not None and user["is_admin"]:
        return "1 = 1", []
    marks = ", ".join("?" for _ in groups) or "NULL"
    return (
        f"(created_by = ? OR responsible_id = ? OR group_id IN ({marks}))",
        [call.user_id, call.user_id, *groups],
    )


def _visible_task(call: Call, task_id: int) -> Row | None:
    where, args = _visibility(call)
    return call.store.one(f"SELECT * FROM tasks WHERE id = ? AND {where}", [task_id, *args])


# docs (tasks.task.list/get examples): these come back whatever `select` says.
_ALWAYS = ("id", "descriptionInBbcode", "favorite", "group", "creator", "responsible", "action")


def _pick(view: dict[str, Any], select: Any) -> dict[str, Any]:
    names = [to_str(v).strip().upper() for _, v in as_items(select)]
    if not names or "*" in names:
        return view
    wanted = {*_ALWAYS, *(_camel(name) for name in names)}
    if "REAL_STATUS" in names:
        wanted.add("status")
    return {key: value for key, value in view.items() if key in wanted}


METHODS = (
    Method("tasks.task.add", add),
    Method("tasks.task.update", update),
    Method("tasks.task.get", get),
    Method("tasks.task.list", list_),
)
