# pyright: strict
"""task.stages.movetask: the kanban service's own move, the one REST path that moves a
Scrum card (rather than adding a second relation, as `kanban.addTask` does).

portal: `Tasks\\Dispatcher\\PublicAction\\Task\\Stages::moveTask` → `moveScrumTask` for a
task of a Scrum group. It moves the task's relation on its sprint's board to the stage
(any stage: it does not check the stage belongs to that sprint), writes `STAGE_ID`,
then completes the task when the stage is a FINISH stage and renews a completed one
otherwise. It answers `true` even when the task had no place on the board (nothing
moves, but the completion/renewal still happens), and `false` for a task in the backlog
or with no Scrum item.

Not verified: how the dispatcher's own errors reach the wire; the sandbox sends them as
the other legacy task methods do (HTTP 400 `ERROR_CORE`, message ending in `<br>`), with
wording guessed from their language keys (`STAGES_ERROR_NOT_FOUND`, ...). Tasks of
ordinary groups have no group kanban here, so moving one answers the access error
`canSortTask` gives a stage of another kind.
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.binding import Params
from bitrix24_scrum_mcp.sandbox.context import Call, Method
from bitrix24_scrum_mcp.sandbox.errors import RestError
from bitrix24_scrum_mcp.sandbox.php import to_int
from bitrix24_scrum_mcp.sandbox.records import (
    BACKLOG,
    TASK_COMPLETED,
    TASK_PENDING,
    can_read_group,
    get_entity,
    get_group,
    get_stage,
    item_by_task,
    move_relation,
)
from bitrix24_scrum_mcp.sandbox.store import Row


class StagesError(RestError):
    """A dispatcher error of task.stages.* (unverified wire form, see the module docstring)."""

    def __init__(self, message: str) -> None:
        super().__init__("ERROR_CORE", f"{message}<br>", 400)


def move_task(call: Call, params: Params) -> Any:  # Stages::moveTask($id, $stageId, ...)
    task_id, stage_id = to_int(params.get("id")), to_int(params.get("stageId"))
    stage = get_stage(call.store, stage_id)
    if stage is None:
        raise StagesError("Stage not found")
    task = _visible_task(call, task_id)
    if task is None:
        raise StagesError("Task not found")
    group = get_group(call.store, int(task["group_id"])) if task["group_id"] else None
    if group is None or not group["scrum_master_id"]:
        raise StagesError("Access denied to move the task")
    item = item_by_task(call.store, task_id)
    entity = get_entity(call.store, int(item["entity_id"])) if item is not None else None
    if entity is None or entity["entity_type"] == BACKLOG:
        return False
    # portal: the `tasks` feature's `sort` operation, every member by default.
    if not can_read_group(call.store, call.user_id, int(group["id"])):
        raise StagesError("Access denied to move the task")
    move_relation(call.store, int(entity["id"]), task_id, stage_id)
    if stage["type"] == "FINISH":
        status, closed = TASK_COMPLETED, int(call.now)
    elif task["status"] == TASK_COMPLETED:
        status, closed = TASK_PENDING, 0
    else:
        return True
    call.store.run(
        "UPDATE tasks SET status = ?, closed_date = ? WHERE id = ?", (status, closed, task_id)
    )
    return True


def _visible_task(call: Call, task_id: int) -> Row | None:
    """`CTasks::getList(ID, CHECK_PERMISSIONS = Y)`: the caller may see the task."""
    task = call.store.one("SELECT * FROM tasks WHERE id = ?", (task_id,))
    if task is None:
        return None
    mine = call.user_id in (task["created_by"], task["responsible_id"])
    return task if mine or can_read_group(call.store, call.user_id, task["group_id"]) else None


METHODS = (Method("task.stages.movetask", move_task),)
