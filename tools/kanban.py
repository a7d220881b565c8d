# pyright: strict
"""Scrum Kanban tools: `tasks.api.scrum.kanban.*` (the board of an active sprint)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from bitrix24_scrum_mcp.tools.common import Id, Name, NoInput, ScrumModel
from bitrix24_scrum_mcp.tools.results import (
    FieldsResult,
    ListResult,
    ObjectResult,
    Refusal,
    ResultModel,
    ValueResult,
)
from bitrix24_scrum_mcp.tools.spec import ToolSpec

StageType = Literal["NEW", "WORK", "FINISH"]
StageSort = Annotated[int, Field(ge=0, le=1_000_000, multiple_of=100)]
StageColor = Annotated[str, Field(pattern=r"^#?[0-9A-Fa-f]{6}$")]
_BOOL: dict[str, Any] = {"type": "boolean"}
_DB = "or a database error"
# portal: the four writes are declared `: bool` and `return false` after recording their
# error, which the REST gateway then drops; these are the checks each makes first.
_REFUSED = {
    "updateStage": "the stage may not exist, its sprint may be gone or in a group you cannot "
    f"read, or fields.sprintId may not name a sprint you can read, {_DB} "
    "(Kanban::updateStageAction)",
    "deleteStage": "the stage may still hold tasks (take them off with kanban_delete_task), may "
    f"not exist, or its sprint may be gone or in a group you cannot read, {_DB} "
    "(Kanban::deleteStageAction)",
    "addTask": "the sprint or the stage may not exist, the task may not be in the sprint's "
    f"group (its GROUP_ID), or you may not read that group, {_DB} (Kanban::addTaskAction)",
    "deleteTask": "the sprint may not exist, the task may not be in the sprint's group (its "
    "GROUP_ID), or you may not read that group (Kanban::deleteTaskAction)",
}


def _refused(action: str) -> ValueResult:
    """`true`, or the error a `false` stands for."""
    return ValueResult(_BOOL, refusal=Refusal(False, _REFUSED[action]))


class StageResult(ResultModel):
    # docs: the table types id/sort/sprintId as integer, the example returns strings.
    id: int | str
    name: str
    type: str = Field(description="NEW, WORK or FINISH")
    sort: int | str
    color: str
    sprint_id: int | str


class StageAddFields(ScrumModel):
    sprint_id: Id = Field(description="Id of an ACTIVE sprint")
    name: Name = Field(description="Stage name")
    type: StageType | None = Field(None, description="NEW (first), WORK or FINISH (last)")
    sort: StageSort | None = Field(None, description="Order, a multiple of 100")
    color: StageColor | None = Field(None, description="HEX colour, e.g. 00C4FB")


class StageAddInput(ScrumModel):
    fields: StageAddFields = Field(description="Stage data")


class StageUpdateFields(ScrumModel):
    sprint_id: Id | None = Field(None, description="Move the stage to this sprint")
    name: Name | None = Field(None, description="Stage name")
    type: StageType | None = Field(None, description="NEW, WORK or FINISH")
    sort: StageSort | None = Field(None, description="Order, a multiple of 100")
    color: StageColor | None = Field(None, description="HEX colour, e.g. 00C4FB")


class StageUpdateInput(ScrumModel):
    stage_id: Id = Field(description="Stage id (kanban_get_stages)")
    fields: StageUpdateFields = Field(description="Fields to change")


class SprintIdInput(ScrumModel):
    sprint_id: Id = Field(description="Sprint id")


class StageIdInput(ScrumModel):
    stage_id: Id = Field(description="Stage id (kanban_get_stages)")


class AddTaskInput(ScrumModel):
    sprint_id: Id = Field(description="Sprint id")
    task_id: Id = Field(description="Task id; the task must belong to the sprint's group")
    stage_id: Id = Field(description="Target stage id (kanban_get_stages)")


class DeleteTaskInput(ScrumModel):
    sprint_id: Id = Field(description="Sprint id")
    task_id: Id = Field(description="Task id")


TOOLS = (
    ToolSpec(
        method="tasks.api.scrum.kanban.addStage",
        toolset="kanban",
        title="Add Kanban stage",
        description="Add a column to a sprint's Kanban; returns the new stage id. A board needs "
        "a NEW stage (sprint_start fails without one) and a FINISH stage.",
        input=StageAddInput,
        result=ValueResult({"type": "integer"}),
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.updateStage",
        toolset="kanban",
        title="Update Kanban stage",
        description="Rename, recolour, reorder or retype a Kanban stage, or move it to another "
        "sprint. A portal answers a refusal with a bare `false`; this tool reports it as an "
        "error (PORTAL_REFUSED) with the likely causes.",
        input=StageUpdateInput,
        result=_refused("updateStage"),
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.getStages",
        toolset="kanban",
        title="Get Kanban stages",
        description="List the stages (columns) of a sprint's Kanban with their ids.",
        input=SprintIdInput,
        result=ListResult(StageResult),
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.deleteStage",
        toolset="kanban",
        title="Delete Kanban stage",
        description="Delete a Kanban stage; fails while it holds tasks (PORTAL_REFUSED: a portal "
        "says no more than `false`).",
        input=StageIdInput,
        result=_refused("deleteStage"),
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.addTask",
        toolset="kanban",
        title="Add task to Kanban stage",
        description="Add a task of the sprint's group to a stage of the sprint's Kanban. On a "
        "portal this adds the card to that column without taking it off its current one: to "
        "move a card, kanban_delete_task first. A refusal is PORTAL_REFUSED (the portal says "
        "no more than `false`).",
        input=AddTaskInput,
        result=_refused("addTask"),
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.deleteTask",
        toolset="kanban",
        title="Remove task from Kanban",
        description="Take a task off the sprint's Kanban (every column); it stays in the sprint "
        "(use task_update to move it to the backlog). A refusal is PORTAL_REFUSED.",
        input=DeleteTaskInput,
        result=_refused("deleteTask"),
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.getFields",
        toolset="kanban",
        title="Kanban stage fields",
        description="List the Kanban stage fields and their types.",
        input=NoInput,
        result=ObjectResult(FieldsResult),
        read_only=True,
    ),
)
