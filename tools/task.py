# pyright: strict
"""Scrum task tools: `tasks.api.scrum.task.*` (a task's place in backlog/sprint, points, epic)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from bitrix24_scrum_mcp.tools.common import Id, NoInput, ScrumModel, Sort, id_input
from bitrix24_scrum_mcp.tools.creator import Creator
from bitrix24_scrum_mcp.tools.results import FieldsResult, ObjectResult, ResultModel
from bitrix24_scrum_mcp.tools.spec import ToolSpec

StoryPoints = Annotated[str, Field(max_length=20)]


class ScrumTaskResult(ResultModel):
    entity_id: int = Field(description="Backlog or sprint id holding the task")
    story_points: str
    epic_id: int
    sort: int = Field(description="sortFloat rounded into 0..255")
    sort_float: float = Field(description="The order within the backlog or sprint")
    created_by: int
    modified_by: int


class TaskUpdateResult(ResultModel):
    # docs: task.update documents {status, data, errors} instead of the usual `result`.
    status: str
    data: bool | None
    errors: list[dict[str, Any]]


class ScrumTaskFields(ScrumModel):
    entity_id: Id | None = Field(
        None,
        description="Backlog id (backlog_get) or sprint id to place the task in; needed for a "
        "task not yet in Scrum",
    )
    story_points: StoryPoints | None = Field(None, description="Estimate, a string, e.g. '8'")
    epic_id: Id | None = Field(None, description="Epic id")
    sort: Sort | None = Field(None, description="Order within the backlog or sprint")


class ScrumTaskUpdateInput(ScrumModel):
    id: Id = Field(description="Task id (a task of the Scrum's group)")
    fields: ScrumTaskFields = Field(description="Scrum attributes to set")


TOOLS = (
    ToolSpec(
        method="tasks.api.scrum.task.update",
        toolset="task",
        title="Place/estimate Scrum task",
        description="Put a task of the Scrum's group into the backlog or a sprint (entityId) "
        "and set its story points, epic and sort. The Kanban does not follow: a task moved into "
        "an active sprint gets onto its board with board_move. A task new to Scrum gets the "
        "acting user as the item's creator. For many tasks use scrum_batch.",
        input=ScrumTaskUpdateInput,
        result=ObjectResult(TaskUpdateResult, bare={"type": "boolean"}),
        idempotent=True,
        creator=Creator.NEW_ITEM,
    ),
    ToolSpec(
        method="tasks.api.scrum.task.get",
        toolset="task",
        title="Get Scrum task attributes",
        description="Get a task's Scrum attributes: where it is (entityId = backlog or sprint "
        "id), story points, epic and sort.",
        input=id_input("Task id"),
        result=ObjectResult(ScrumTaskResult),
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.task.getFields",
        toolset="task",
        title="Scrum task fields",
        description="List the Scrum task fields and their types.",
        input=NoInput,
        result=ObjectResult(FieldsResult),
        read_only=True,
    ),
)
