"""tasks.api.scrum.kanban.*: a sprint's stages and which task sits on which stage.

docs: "Stage id not found" / "TaskId id not found" are documented for a missing id; the
portal's binder answers a *missing* int parameter with code 100 first, so those messages
come for an id of 0. Stage types outside NEW/WORK/FINISH fall back to WORK, as in Bitrix24.
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import bind_array, bind_int
from bitrix24_scrum_mcp.sandbox.context import Call
from bitrix24_scrum_mcp.sandbox.handlers.common import numeric_field, require_access, string_field
from bitrix24_scrum_mcp.sandbox.php import is_numeric, to_int, to_str
from bitrix24_scrum_mcp.sandbox.records import (
    can_read_group,
    get_sprint,
    get_stage,
    get_task,
    place_on_kanban,
    remove_from_kanban,
    stages_of_sprint,
)
from bitrix24_scrum_mcp.sandbox.store import Row
from bitrix24_scrum_mcp.sandbox.views import stage_view

STAGE_TYPES = ("NEW", "WORK", "FINISH")


def get_fields(call: Call, params: dict[str, Any]) -> Any:
    return {
        "fields": {
            "name": {"type": "string"},
            "sort": {"type": "integer"},
            "type": {"type": "string"},
            "sprintId": {"type": "integer"},
            "color": {"type": "string"},
        }
    }


def add_stage(call: Call, params: dict[str, Any]) -> Any:
    fields = bind_array(params, "fields")
    sprint_id = to_int(fields.get("sprintId"))
    if not sprint_id:
        raise call.error("Sprint id not found")
    sprint = get_sprint(call.store, sprint_id)
    if sprint is None:
        raise call.error("Sprint not found")
    require_access(call, sprint["group_id"])
    name = fields.get("name")
    if not isinstance(name, str):
        raise call.error("Incorrect name format")
    kind = fields.get("type")
    return call.store.insert(
        "stages",
        {
            "sprint_id": sprint_id,
            "name": name,
            "type": kind if kind in STAGE_TYPES else "WORK",
            "sort": to_int(fields["sort"]) if is_numeric(fields.get("sort")) else 100,
            "color": to_str(fields["color"]) if "color" in fields else "00C4FB",
        },
    )


def _stage_for_change(call: Call, params: dict[str, Any]) -> tuple[Row, Row]:
    stage_id = bind_int(params, "stageId", call.method)
    if not stage_id:
        raise call.error("Stage id not found")
    stage = get_stage(call.store, stage_id)
    if stage is None:
        raise call.error("Stage not found")
    sprint = get_sprint(call.store, int(stage["sprint_id"]))
    if sprint is None or not can_read_group(call.store, call.user_id, sprint["group_id"]):
        raise call.error("Access denied")
    return stage, sprint


def update_stage(call: Call, params: dict[str, Any]) -> Any:
    stage_id = bind_int(params, "stageId", call.method)
    fields = bind_array(params, "fields")
    stage, _sprint = _stage_for_change(call, {"stageId": stage_id})
    changes: dict[str, Any] = {}
    name = string_field(fields, "name")
    if name is not None:
        changes["name"] = name
    new_sprint_id = numeric_field(fields, "sprintId")
    if new_sprint_id is not None:
        new_sprint = get_sprint(call.store, new_sprint_id)
        if new_sprint is None or not can_read_group(
            call.store, call.user_id, new_sprint["group_id"]
        ):
            raise call.error("Incorrect sprintId value")
        changes["sprint_id"] = new_sprint_id
    color = string_field(fields, "color")
    if color is not None:
        changes["color"] = color
    sort = numeric_field(fields, "sort")
    if sort is not None:
        changes["sort"] = sort
    if fields.get("type") in STAGE_TYPES:
        changes["type"] = fields["type"]
    call.store.update("stages", int(stage["id"]), changes)
    return True


def get_stages(call: Call, params: dict[str, Any]) -> Any:
    sprint_id = bind_int(params, "sprintId", call.method)
    if not sprint_id:
        raise call.error("Sprint id not found")
    sprint = get_sprint(call.store, sprint_id)
    if sprint is None:
        raise call.error("Sprint not found")
    require_access(call, sprint["group_id"])
    return [stage_view(row) for row in stages_of_sprint(call.store, sprint_id)]


def delete_stage(call: Call, params: dict[str, Any]) -> Any:
    stage, _sprint = _stage_for_change(call, params)
    if call.store.one("SELECT 1 FROM task_stages WHERE stage_id = ?", (stage["id"],)):
        raise call.error("Stage has tasks")
    call.store.run("DELETE FROM stages WHERE id = ?", (stage["id"],))
    return True


def _sprint_and_task(call: Call, params: dict[str, Any], with_stage: bool) -> tuple[Row, int, int]:
    sprint_id = bind_int(params, "sprintId", call.method)
    task_id = bind_int(params, "taskId", call.method)
    stage_id = bind_int(params, "stageId", call.method) if with_stage else 0
    if not sprint_id:
        raise call.error("Sprint id not found")
    if not task_id:
        raise call.error("TaskId id not found")
    if with_stage and not stage_id:
        raise call.error("StageId id not found")
    sprint = get_sprint(call.store, sprint_id)
    if sprint is None:
        raise call.error("Sprint not found")
    require_access(call, sprint["group_id"])
    if with_stage and get_stage(call.store, stage_id) is None:
        raise call.error("Stage not found")
    task = get_task(call.store, task_id)
    if task is None or task["group_id"] != sprint["group_id"]:
        raise call.error("Task not found. The task must be with GROUP_ID")
    return sprint, task_id, stage_id


def add_task(call: Call, params: dict[str, Any]) -> Any:
    sprint, task_id, stage_id = _sprint_and_task(call, params, with_stage=True)
    place_on_kanban(call.store, int(sprint["id"]), task_id, stage_id)
    return True


def delete_task(call: Call, params: dict[str, Any]) -> Any:
    # docs: the task leaves the board but stays in the sprint.
    sprint, task_id, _ = _sprint_and_task(call, params, with_stage=False)
    remove_from_kanban(call.store, int(sprint["id"]), task_id)
    return True


HANDLERS = {
    "tasks.api.scrum.kanban.addStage": add_stage,
    "tasks.api.scrum.kanban.updateStage": update_stage,
    "tasks.api.scrum.kanban.getStages": get_stages,
    "tasks.api.scrum.kanban.deleteStage": delete_stage,
    "tasks.api.scrum.kanban.addTask": add_task,
    "tasks.api.scrum.kanban.deleteTask": delete_task,
    "tasks.api.scrum.kanban.getFields": get_fields,
}
