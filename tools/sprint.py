# pyright: strict
"""Sprint tools: `tasks.api.scrum.sprint.*` (planned -> active -> completed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from bitrix24_scrum_mcp.tools.common import (
    BitrixDate,
    Id,
    ListInput,
    Name,
    NoInput,
    ScrumModel,
    Sort,
    SprintStatus,
    id_input,
)
from bitrix24_scrum_mcp.tools.creator import Creator
from bitrix24_scrum_mcp.tools.results import (
    FieldsResult,
    ListResult,
    ObjectResult,
    Refusal,
    ResultModel,
    ValueResult,
)
from bitrix24_scrum_mcp.tools.runner import forward_pages
from bitrix24_scrum_mcp.tools.spec import ToolSpec

_DATE = "ISO 8601 with offset (2021-11-22T00:00:00+02:00) or a unix timestamp"


class SprintResult(ResultModel):
    id: int
    group_id: int
    entity_type: str = Field(description="Always 'sprint'")
    name: str
    goal: str
    sort: int
    created_by: int
    modified_by: int
    date_start: str
    date_end: str
    status: str = Field(description="planned, active or completed")


class SprintAddFields(ScrumModel):
    group_id: Id = Field(description="Scrum (group) id")
    name: Name = Field(description="Sprint name")
    sort: Sort | None = Field(None, description="Position among the group's sprints")
    # docs: createdBy/modifiedBy are missing from sprint.add's table but sent by its example,
    # named in its errors and listed by sprint.getFields, so they are accepted.
    created_by: Id | None = Field(
        None, description="User recorded as creator; default: the acting user"
    )
    modified_by: Id | None = Field(None, description="Checked only: must be an existing user")
    # docs: the table marks dates and status optional, but the portal's controller (and the
    # current Russian page) rejects a sprint without them ("Incorrect dateStart format",
    # "Incorrect sprint status"), so they are required here rather than failing remotely.
    date_start: BitrixDate = Field(description=f"Start: {_DATE}")
    date_end: BitrixDate = Field(description=f"End: {_DATE}")
    status: SprintStatus = Field(
        description="Usually planned; a group can have only one active sprint"
    )


class SprintAddInput(ScrumModel):
    fields: SprintAddFields = Field(description="Sprint data")


class SprintUpdateFields(ScrumModel):
    # The seed page documents exactly these six fields for sprint.update.
    group_id: Id | None = Field(None, description="Scrum (group) id")
    name: Name | None = Field(None, description="Sprint name")
    sort: Sort | None = Field(None, description="Position among the group's sprints")
    date_start: BitrixDate | None = Field(None, description=f"Start: {_DATE}")
    date_end: BitrixDate | None = Field(None, description=f"End: {_DATE}")
    status: SprintStatus | None = Field(
        None, description="New status; a group cannot have two active sprints"
    )


class SprintUpdateInput(ScrumModel):
    id: Id = Field(description="Sprint id")
    fields: SprintUpdateFields = Field(description="Fields to change")


class SprintListInput(ListInput):
    # docs: sprint.list types filter/order/select as `object`; select is described as an
    # array of names, which is what we accept.
    FIELDS: ClassVar[tuple[str, ...]] = (
        "ID", "GROUP_ID", "ENTITY_TYPE", "NAME", "SORT", "CREATED_BY", "MODIFIED_BY",
        "DATE_START", "DATE_END", "STATUS", "INFO",
    )  # fmt: skip
    FILTER_KEYS: ClassVar[Mapping[str, Any]] = {
        "ID": int, "GROUP_ID": int, "NAME": str, "STATUS": SprintStatus,
    }  # fmt: skip
    ORDER_KEYS: ClassVar[tuple[str, ...]] = ("ID", "SORT", "DATE_START", "DATE_END")


TOOLS = (
    ToolSpec(
        method="tasks.api.scrum.sprint.add",
        toolset="sprint",
        title="Add sprint",
        description="Create a sprint in a Scrum group. Then put tasks in it with task_update "
        "(entityId = sprint id) and start it with sprint_start. createdBy defaults to the "
        "acting user (a portal refuses the add without one).",
        input=SprintAddInput,
        result=ObjectResult(SprintResult),
        creator=Creator.ALWAYS,
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.update",
        toolset="sprint",
        title="Update sprint",
        description="Change a sprint's name, group, dates, sort or status. Prefer sprint_start "
        "and sprint_complete to change status: a status set here changes nothing else (no "
        "Kanban, no task moves). A group cannot have two active sprints.",
        input=SprintUpdateInput,
        result=ObjectResult(SprintResult),
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.start",
        toolset="sprint",
        title="Start sprint",
        description="Start a planned sprint: it becomes active, its open tasks (and subtasks) "
        "go onto its Kanban, completed ones back to the backlog. Owner, moderator or admin "
        "only. Fails ('Unable to start sprint') if the group already has an active sprint or "
        "the sprint has no open task.",
        input=id_input("Sprint id (status planned)"),
        result=ObjectResult(SprintResult),
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.complete",
        toolset="sprint",
        title="Complete active sprint",
        description="Complete a Scrum's active sprint, given the GROUP id (not a sprint id). "
        "Owner, moderator or admin only. Tasks in the FINISH column are completed, the others "
        "on the board return to the backlog; tasks never put on the board stay in the sprint.",
        # docs: `id` here is the group id.
        input=id_input("Scrum (group) id whose active sprint to complete"),
        result=ObjectResult(
            SprintResult,
            refusal=Refusal(
                None,
                "SprintService::completeSprint failed part-way; some tasks may already be "
                "completed or moved",
                may_have_applied=True,
            ),
        ),
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.get",
        toolset="sprint",
        title="Get sprint",
        description="Get one sprint by its id.",
        # docs: the table names the parameter `sprintId`; every example and error uses `id`.
        input=id_input("Sprint id"),
        result=ObjectResult(SprintResult),
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.list",
        toolset="sprint",
        title="List sprints",
        description="List sprints, e.g. of one Scrum with filter {'GROUP_ID': id} or only the "
        "active one with {'STATUS': 'active'}. Keys are UPPER_SNAKE; items come back camelCase. "
        "A portal does not count sprints: use limit to read past the first 50.",
        input=SprintListInput,
        result=ListResult(SprintResult),
        run=forward_pages,
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.delete",
        toolset="sprint",
        title="Delete sprint",
        description="Delete a sprint by its id; its tasks go to the group's backlog (without a "
        "backlog, a sprint with tasks cannot be deleted). A portal answers [] even when the "
        "delete itself failed in its database: sprint_get tells for sure.",
        input=id_input("Sprint id"),
        result=ValueResult({"type": "array"}),
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.getFields",
        toolset="sprint",
        title="Sprint fields",
        description="List the writable sprint fields and their types.",
        input=NoInput,
        result=ObjectResult(FieldsResult),
        read_only=True,
    ),
)
