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
    ResultModel,
    ValueResult,
)
from bitrix24_scrum_mcp.tools.spec import ToolSpec

StageType = Literal["NEW", "WORK", "FINISH"]
StageSort = Annotated[int, Field(ge=0, le=1_000_000, multiple_of=100)]
StageColor = Annotated[str, Field(pattern=r"^#?[0-9A-Fa-f]{6}$")]
_BOOL: dict[str, Any] = {"type": "boolean"}


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
        description="Add a column to an active sprint's Kanban; returns the new stage id. A "
        "board needs a NEW and a FINISH stage.",
        input=StageAddInput,
        result=ValueResult({"type": "integer"}),
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.updateStage",
        toolset="kanban",
        title="Update Kanban stage",
        description="Rename, recolour, reorder or retype a Kanban stage, or move it to another "
        "sprint.",
        input=StageUpdateInput,
        result=ValueResult(_BOOL),
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
        description="Delete a Kanban stage; fails while it holds tasks.",
        input=StageIdInput,
        result=ValueResult(_BOOL),
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.addTask",
        toolset="kanban",
        title="Move task to Kanban stage",
        description="Put a sprint task into a stage of the sprint's Kanban (moves it between "
        "columns).",
        input=AddTaskInput,
        result=ValueResult(_BOOL),
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.deleteTask",
        toolset="kanban",
        title="Remove task from Kanban",
        description="Take a task off the sprint's Kanban; it stays in the sprint (use "
        "task_update to move it to the backlog).",
        input=DeleteTaskInput,
        result=ValueResult(_BOOL),
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
