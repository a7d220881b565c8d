# pyright: strict
"""tasks.api.scrum.kanban.*: a sprint's stages and which task sits on which stage.

portal: `Bitrix\\Tasks\\Rest\\Controllers\\Scrum\\Kanban`. The four writes
(`updateStage`, `deleteStage`, `addTask`, `deleteTask`) are declared `: bool`: on any
failure they record the error and `return false`, which the gateway sends as HTTP 200
`{"result": false}` with no message (their Method rows say `on_error=False`). The
messages below are what the controller records, for the reader; none reaches the wire.
`addStage` and `getStages` return null on failure, so theirs do.

`addTask` only adds the (task, stage) relation: the task keeps its other stage of that
sprint (two columns at once) and its `STAGE_ID` column (see records.py). Stage types
outside NEW/WORK/FINISH fall back to WORK.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Fields
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.handlers.fields import (
    Field,
    cast_text,
    collect,
    described,
    number,
    reference,
    text,
)
from bitrix24_scrum_mcp.sandbox.handlers.steps import accessible, found, require, require_access
from bitrix24_scrum_mcp.sandbox.php import to_int
from bitrix24_scrum_mcp.sandbox.records import (
    add_relation,
    get_entity,
    get_sprint,
    get_stage,
    get_task,
    remove_from_kanban,
    stages_of_sprint,
)
from bitrix24_scrum_mcp.sandbox.store import Row
from bitrix24_scrum_mcp.sandbox.views import stage_view

get_fields = described(
    name="string", sort="integer", type="string", sprintId="integer", color="string"
)

STAGE_TYPES = ("NEW", "WORK", "FINISH")


def _stage_type(call: Call, fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    return value if value in STAGE_TYPES else None


NEW_STAGE_FIELDS = (
    Field("name", text),
    Field("type", _stage_type, "WORK"),
    Field("sort", number, 100),
    Field("color", cast_text, "00C4FB"),
)
# portal: the target sprint of a stage is read with getSprintById (any entity type).
STAGE_FIELDS = (
    Field("name", text),
    Field("sprintId", reference(get_entity, "Incorrect sprintId value", accessible)),
    Field("color", text),
    Field("sort", number),
    Field("type", _stage_type),
)


def add_stage(call: Call, fields: Fields) -> Any:  # Kanban::addStageAction(array $fields): ?int
    sprint_id = to_int(fields.get("sprintId"))
    require(call, sprint_id, "Sprint id not found")
    # portal: getSprintById has no type check, so a backlog id is accepted too.
    sprint = found(call, get_entity(call.store, sprint_id), "Sprint not found")
    require_access(call, sprint["group_id"])
    require(call, isinstance(fields.get("name"), str), "Incorrect name format")
    values = collect(call, fields, NEW_STAGE_FIELDS)
    return call.store.insert("stages", {"sprint_id": sprint_id, **values})


def update_stage(call: Call, stage_id: int, fields: Fields) -> Any:  # updateStageAction(): bool
    require(call, stage_id, "Stage id not found")
    stage = found(call, get_stage(call.store, stage_id), "Stage not found")
    accessible(call, get_entity(call.store, int(stage["sprint_id"])))
    call.store.update("stages", stage_id, collect(call, fields, STAGE_FIELDS))
    return True


def get_stages(call: Call, sprint_id: int) -> Any:  # getStagesAction(int $sprintId): ?array
    require(call, sprint_id, "Sprint id not found")
    sprint = found(call, get_sprint(call.store, sprint_id), "Sprint not found")
    require_access(call, sprint["group_id"])
    return [stage_view(row) for row in stages_of_sprint(call.store, sprint_id)]


def delete_stage(call: Call, stage_id: int) -> Any:  # deleteStageAction(int $stageId): bool
    require(call, stage_id, "Stage id not found")
    stage = found(call, get_stage(call.store, stage_id), "Stage not found")
    accessible(call, get_entity(call.store, int(stage["sprint_id"])))
    has_tasks = call.store.one("SELECT 1 FROM task_stages WHERE stage_id = ?", (stage_id,))
    require(call, has_tasks is None, "Stage has tasks")
    call.store.run("DELETE FROM stages WHERE id = ?", (stage_id,))
    return True


def add_task(call: Call, sprint_id: int, task_id: int, stage_id: int) -> Any:  # : bool
    # docs: "TaskId id not found" / "StageId id not found"; the controller's words differ.
    require(call, sprint_id, "Sprint id not found")
    require(call, task_id, "Task id not found")
    require(call, stage_id, "Stage id not found")
    sprint = found(call, get_entity(call.store, sprint_id), "Sprint not found")
    require_access(call, sprint["group_id"])
    # portal: any stage will do, of this sprint or not.
    found(call, get_stage(call.store, stage_id), "Stage not found")
    _require_group_task(call, task_id, sprint)
    add_relation(call.store, task_id, stage_id)
    return True


def delete_task(call: Call, sprint_id: int, task_id: int) -> Any:  # deleteTaskAction(): bool
    # docs: the task leaves the board but stays in the sprint.
    require(call, sprint_id, "Sprint id not found")
    require(call, task_id, "Task id not found")
    sprint = found(call, get_entity(call.store, sprint_id), "Sprint not found")
    require_access(call, sprint["group_id"])
    _require_group_task(call, task_id, sprint)
    remove_from_kanban(call.store, sprint_id, task_id)
    return True


def _require_group_task(call: Call, task_id: int, sprint: Row) -> None:
    """`CTasks::getList(ID, GROUP_ID = the sprint's group, CHECK_PERMISSIONS = N)`: the
    task need not be in the sprint, nor visible to the caller."""
    task = get_task(call.store, task_id)
    in_group = task is not None and task["group_id"] == sprint["group_id"]
    require(call, in_group, "Task not found. The task must be with GROUP_ID")


METHODS = (
    Method("tasks.api.scrum.kanban.addStage", add_stage),
    Method("tasks.api.scrum.kanban.updateStage", update_stage, on_error=False),
    Method("tasks.api.scrum.kanban.getStages", get_stages),
    Method("tasks.api.scrum.kanban.deleteStage", delete_stage, on_error=False),
    Method("tasks.api.scrum.kanban.addTask", add_task, on_error=False),
    Method("tasks.api.scrum.kanban.deleteTask", delete_task, on_error=False),
    Method("tasks.api.scrum.kanban.getFields", get_fields),
)
