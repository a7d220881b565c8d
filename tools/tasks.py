# pyright: strict
"""Companion task tools: `tasks.task.add/get/list` (commonly used fields only).

The Scrum methods place and estimate tasks but cannot create or read them; a Scrum's tasks
are ordinary tasks whose GROUP_ID is the Scrum group. Input keys are UPPER_SNAKE as
documented; results come back camelCase with string ids (docs: tasks-task-*.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from bitrix24_scrum_mcp.tools.common import (
    MAX_LIST_ITEMS,
    BitrixDate,
    Id,
    ListInput,
    Name,
    ScrumModel,
    Text,
    UpperModel,
)
from bitrix24_scrum_mcp.tools.results import ListResult, ObjectResult, ResultModel
from bitrix24_scrum_mcp.tools.runner import forward_pages
from bitrix24_scrum_mcp.tools.spec import ToolSpec

IdText = str  # docs: tasks.task.* answer ids and codes as strings ("3711", "2")
SelectName = Annotated[str, Field(pattern=r"^(\*|[A-Za-z_]{1,64})$")]


class TaskItem(ResultModel):
    id: IdText
    title: str
    description: str
    status: IdText = Field(
        description="2 pending, 3 in progress, 4 awaiting review, 5 done, 6 deferred"
    )
    priority: IdText = Field(description="0 low, 1 medium, 2 high")
    group_id: IdText = Field(description="Scrum/group id, 0 = none")
    responsible_id: IdText
    created_by: IdText
    deadline: str | None


class TaskEnvelope(ResultModel):
    task: TaskItem


class TaskAddFields(UpperModel):
    TITLE: Name = Field(description="Task title")
    RESPONSIBLE_ID: Id = Field(description="Assignee user id")
    DESCRIPTION: Text | None = Field(None, description="Text, BBCode allowed")
    GROUP_ID: Id | None = Field(None, description="Scrum (group) id; needed to plan it in a Scrum")
    CREATED_BY: Id | None = Field(None, description="Creator user id (default: the caller)")
    PARENT_ID: Id | None = Field(None, description="Parent task id")
    DEADLINE: BitrixDate | None = Field(None, description="Deadline, ISO 8601")
    START_DATE_PLAN: BitrixDate | None = Field(
        None, description="Planned start; with END_DATE_PLAN"
    )
    END_DATE_PLAN: BitrixDate | None = Field(None, description="Planned end; not before the start")
    PRIORITY: Literal[0, 1, 2] | None = Field(None, description="0 low, 1 medium (default), 2 high")
    STATUS: Literal[2, 3, 4, 5, 6] | None = Field(
        None,
        description="2 pending (default), 3 in progress, 4 awaiting review, 5 done, 6 deferred",
    )
    ACCOMPLICES: list[Id] | None = Field(None, max_length=MAX_LIST_ITEMS, description="User ids")
    AUDITORS: list[Id] | None = Field(None, max_length=MAX_LIST_ITEMS, description="User ids")
    TIME_ESTIMATE: int | None = Field(None, ge=0, le=10**9, description="Estimate in seconds")


class TaskAddInput(ScrumModel):
    fields: TaskAddFields = Field(description="Task fields (UPPER_SNAKE keys)")


class TaskGetInput(ScrumModel):
    task_id: Id = Field(description="Task id")
    select: list[SelectName] | None = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description="UPPER_SNAKE fields to return; omit for the usual",
    )


class TaskListInput(ListInput):
    FIELDS: ClassVar[tuple[str, ...]] = (
        "ID", "TITLE", "DESCRIPTION", "STATUS", "REAL_STATUS", "PRIORITY", "MARK", "GROUP_ID",
        "PARENT_ID", "CREATED_BY", "RESPONSIBLE_ID", "ACCOMPLICES", "AUDITORS", "DEADLINE",
        "CREATED_DATE", "CHANGED_DATE", "CLOSED_DATE", "DATE_START", "START_DATE_PLAN",
        "END_DATE_PLAN", "TIME_ESTIMATE", "TAGS", "STAGE_ID", "SPRINT_ID", "BACKLOG_ID",
    )  # fmt: skip
    FILTER_FIELDS: ClassVar[tuple[str, ...] | None] = (
        "ID", "TITLE", "STATUS", "REAL_STATUS", "PRIORITY", "MARK", "GROUP_ID", "PARENT_ID",
        "CREATED_BY", "RESPONSIBLE_ID", "ACCOMPLICE", "AUDITOR", "DEADLINE", "CREATED_DATE",
        "CHANGED_DATE", "CLOSED_DATE", "DATE_START", "TAG", "STAGE_ID", "STAGES_ID", "SPRINT_ID",
        "BACKLOG_ID", "ONLY_ROOT_TASKS",
    )  # fmt: skip
    FILTER_KEYS: ClassVar[Mapping[str, Any]] = {
        "ID": int, "GROUP_ID": int, "RESPONSIBLE_ID": int, "CREATED_BY": int, "PARENT_ID": int,
        "STAGE_ID": int, "STAGES_ID": int, "SPRINT_ID": int, "BACKLOG_ID": int, "STATUS": int,
        "REAL_STATUS": int, "PRIORITY": int, "TAG": str,
    }  # fmt: skip
    ORDER_KEYS: ClassVar[tuple[str, ...]] = ("ID", "DEADLINE", "PRIORITY", "CHANGED_DATE")


_NOT_FOUND: dict[str, Any] = {"type": "array", "description": "[] when the task is not found"}

TOOLS = (
    ToolSpec(
        method="tasks.task.add",
        toolset="tasks",
        title="Create task",
        description="Create a task. Set GROUP_ID to the Scrum's group id to plan it there; it "
        "lands in the backlog, then task_update places it in a sprint.",
        input=TaskAddInput,
        result=ObjectResult(TaskEnvelope),
    ),
    ToolSpec(
        method="tasks.task.get",
        toolset="tasks",
        title="Get task",
        description="Get a task by its id: title, description, status, assignee, group, "
        "deadline. Sprint, points and epic: task_get or the workbench. Not found or not "
        "visible: result [].",
        input=TaskGetInput,
        result=ObjectResult(TaskEnvelope, bare=_NOT_FOUND),
        read_only=True,
    ),
    ToolSpec(
        method="tasks.task.list",
        toolset="tasks",
        title="List tasks",
        description="List tasks, e.g. a Scrum's with filter {'GROUP_ID': id}; pass select to get "
        "more than the stored fields. In filters STATUS includes overdue states (-1..-3); "
        "REAL_STATUS is the plain status. A sprint board's column is STAGES_ID (stageId "
        "is stale after REST moves).",
        input=TaskListInput,
        result=ListResult(TaskItem, key="tasks"),
        run=forward_pages,
        read_only=True,
    ),
)
