# pyright: strict
"""`board_move`: put a task on a column of its sprint's board, by the column's id or name.

portal: the move that a person's drag makes is `task.stages.movetask`
(`Stages::moveScrumTask`): it moves the task's card on its sprint's board and its
`STAGE_ID` together, completes the task on a FINISH column and renews it elsewhere.
`kanban.addTask` alone would add a second card and leave the old one (sandbox/README.md,
"Kanban placement"). `movetask` answers `true` even when the task had no card, so the
move is checked by reading the board relation in the same request, and a task with no
card gets one (`kanban.addTask`) before it is moved.

Two requests: the task, its Scrum item, its sprint and that sprint's columns (the sprint
taken from the item inside the batch); then one batch that reads the card's column,
moves it and reads it again.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from pydantic import Field, WithJsonSchema

from bitrix24_scrum_mcp.errors import InvalidArgumentsError, InvalidStateError, PortalRefusedError
from bitrix24_scrum_mcp.phpquery import Ref
from bitrix24_scrum_mcp.tools.common import Id, Name, ScrumModel
from bitrix24_scrum_mcp.tools.runner import RunContext
from bitrix24_scrum_mcp.tools.workbench.board import GET_STAGES, SPRINT_GET, stages_of
from bitrix24_scrum_mcp.tools.workbench.cards import (
    STATUSES,
    TASK_LIST,
    TASK_SELECT,
    as_dict,
    as_int,
    task_ids,
)
from bitrix24_scrum_mcp.tools.workbench.models import Move, StageRef
from bitrix24_scrum_mcp.tools.workbench.reads import Reader, Round

MOVE = "task.stages.movetask"


class BoardMoveInput(ScrumModel):
    task_id: Id = Field(description="Task id")
    # The description sits in each branch: clients drop keywords beside an `anyOf`.
    stage: Annotated[
        Id | Name,
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "integer", "minimum": 1, "description": "Target column's id"},
                    {"type": "string", "description": "Or its name, any case: 'in progress'"},
                ]
            }
        ),
    ]


def pick_stage(stages: list[dict[str, Any]], wanted: int | str, sprint_id: int) -> StageRef:
    """The column asked for, or INVALID_ARGUMENTS listing the board's columns."""
    refs = _refs(stages)
    if isinstance(wanted, int):
        found = [s for s in refs if s.id == wanted]
    else:
        name = " ".join(wanted.split()).casefold()
        found = [s for s in refs if " ".join(s.name.split()).casefold() == name]
        if not found and name.isdigit():
            found = [s for s in refs if s.id == int(name)]
    if found:
        return found[0]
    columns = ", ".join(f"'{s.name}' ({s.id})" for s in refs) or "none"
    raise InvalidArgumentsError(
        [
            {
                "field": "stage",
                "type": "unknown_stage",
                "message": f"sprint {sprint_id}'s board has no column {wanted!r}; "
                f"its columns: {columns}",
            }
        ],
        method=MOVE,
    )


def _on_column(task_id: int, stage_id: int) -> dict[str, Any]:
    return {"filter": {"ID": task_id, "STAGES_ID": stage_id}, "select": ["ID", "STATUS"]}


async def board_move(ctx: RunContext, args: BoardMoveInput) -> dict[str, Any]:
    reader = Reader(ctx, "board_move")
    task_id = args.task_id
    r1 = Round()
    r1.call("item", "tasks.api.scrum.task.get", {"id": task_id})
    r1.call("task", "tasks.task.get", {"taskId": task_id, "select": list(TASK_SELECT)})
    r1.call("sprint", SPRINT_GET, {"id": Ref("item", "entityId")})
    r1.call("stages", GET_STAGES, {"sprintId": Ref("item", "entityId")})
    a1 = await reader.send(r1)
    entity_id = as_int(as_dict(a1.value("item")).get("entityId"))
    title = str(as_dict(as_dict(a1.value("task")).get("task")).get("title") or "")
    if entity_id is None:
        raise InvalidStateError(f"task {task_id} is in no backlog or sprint", method=MOVE)
    sprint = as_dict(a1.value("sprint"))
    _require_active(task_id, entity_id, sprint)
    # A backlog's id is no sprint: getStages refuses it, so its error is not read first.
    stages = stages_of(a1.value("stages"))
    target = pick_stage(stages, args.stage, entity_id)

    r2 = Round()
    for stage in stages:
        stage_id = as_int(stage.get("id")) or 0
        r2.list(f"was{stage_id}", TASK_LIST, _on_column(task_id, stage_id), items_key="tasks")
    r2.call("move", MOVE, {"id": task_id, "stageId": target.id})
    r2.list("now", TASK_LIST, _on_column(task_id, target.id), items_key="tasks")
    a2 = await reader.send(r2, write=True)
    a2.value("move")
    previous = next((s for s in _refs(stages) if task_id in task_ids(a2.list(f"was{s.id}"))), None)
    now = a2.list("now")
    if not now:  # no card to move: give it one on the target column, then move it there
        r3 = Round()
        add = {"sprintId": entity_id, "taskId": task_id, "stageId": target.id}
        r3.call("add", "tasks.api.scrum.kanban.addTask", add)
        r3.call("move", MOVE, {"id": task_id, "stageId": target.id})
        r3.list("now", TASK_LIST, _on_column(task_id, target.id), items_key="tasks")
        a3 = await reader.send(r3, write=True)
        a3.value("add")
        a3.value("move")
        now = a3.list("now")
    if not now:
        raise PortalRefusedError(
            f"task {task_id} is not on column '{target.name}' after the move; the portal gave "
            "no reason (you may lack the right to sort the group's tasks)",
            method=MOVE,
            may_have_applied=True,
        )
    status = as_int(cast(dict[str, Any], now[0]).get("status")) if isinstance(now[0], dict) else 0
    return Move(
        task_id=task_id,
        title=title,
        sprint_id=entity_id,
        column=target,
        previous=previous,
        moved=previous is None or previous.id != target.id,
        status=STATUSES.get(status or 0, "unknown"),
    ).dump()


def _refs(stages: list[dict[str, Any]]) -> list[StageRef]:
    return [
        StageRef(
            id=as_int(s.get("id")) or 0, name=str(s.get("name") or ""), type=str(s.get("type"))
        )
        for s in stages
    ]


def _require_active(task_id: int, entity_id: int, sprint: dict[str, Any]) -> None:
    kind, status = sprint.get("entityType"), sprint.get("status")
    if kind == "backlog":
        raise InvalidStateError(
            f"task {task_id} is in the backlog ({entity_id}), not in a sprint: only the "
            "active sprint has a board (plan it in with task_update or sprint_plan)",
            method=MOVE,
        )
    if status != "active":
        raise InvalidStateError(
            f"task {task_id} is in sprint {entity_id} '{sprint.get('name')}', which is "
            f"{status}: only the active sprint's board can be changed",
            method=MOVE,
        )
