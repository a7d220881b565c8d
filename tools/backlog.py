# pyright: strict
"""Backlog tools: `tasks.api.scrum.backlog.*` (one backlog per Scrum group)."""

from __future__ import annotations

from pydantic import Field

from bitrix24_scrum_mcp.tools.common import Id, NoInput, ScrumModel, id_input
from bitrix24_scrum_mcp.tools.creator import Creator
from bitrix24_scrum_mcp.tools.results import FieldsResult, ObjectResult, ResultModel, ValueResult
from bitrix24_scrum_mcp.tools.spec import ToolSpec


class BacklogResult(ResultModel):
    id: int = Field(description="Backlog id")
    group_id: int
    created_by: int
    modified_by: int


class BacklogAddFields(ScrumModel):
    group_id: Id = Field(description="Scrum (group) id the backlog belongs to")
    # docs: the English page marks createdBy required, the Russian one optional. portal:
    # without it the add fails ("Unable to add backlog"), so the server fills it in.
    created_by: Id | None = Field(
        None, description="User recorded as the backlog's creator; default: the acting user"
    )
    modified_by: Id | None = Field(None, description="User recorded as its last modifier")


class BacklogAddInput(ScrumModel):
    fields: BacklogAddFields = Field(description="Backlog data")


class BacklogUpdateFields(ScrumModel):
    group_id: Id | None = Field(
        None, description="Move the backlog to this Scrum group (only while it has no tasks)"
    )
    created_by: Id | None = Field(None, description="User recorded as creator")
    modified_by: Id | None = Field(None, description="User recorded as last modifier")


class BacklogUpdateInput(ScrumModel):
    id: Id = Field(description="Backlog id (from backlog_get)")
    fields: BacklogUpdateFields = Field(description="Fields to change")


TOOLS = (
    ToolSpec(
        method="tasks.api.scrum.backlog.add",
        toolset="backlog",
        title="Add backlog",
        description="Create the backlog of a Scrum group. Bitrix24 creates one automatically "
        "with every Scrum and a group can have only one, so this is for imports; otherwise "
        "use backlog_get. createdBy defaults to the acting user (a portal refuses the add "
        "without one).",
        input=BacklogAddInput,
        result=ObjectResult(BacklogResult),
        creator=Creator.ALWAYS,
    ),
    ToolSpec(
        method="tasks.api.scrum.backlog.update",
        toolset="backlog",
        title="Update backlog",
        description="Change a backlog's group, creator or modifier. Moving it to another group "
        "fails while it holds tasks or if that group already has a backlog.",
        input=BacklogUpdateInput,
        result=ObjectResult(BacklogResult),
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.backlog.get",
        toolset="backlog",
        title="Get backlog of a Scrum",
        description="Get the backlog of a Scrum by the Scrum's GROUP id (not a backlog id). "
        "Its `id` is the entityId for task_update to put tasks into the backlog.",
        # docs: the parameter is named `id` but holds the group id.
        input=id_input("Scrum (group) id"),
        result=ObjectResult(BacklogResult),
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.backlog.delete",
        toolset="backlog",
        title="Delete backlog",
        description="Delete a backlog by its id; fails while it holds tasks. Meant for backlogs "
        "added by mistake to a non-Scrum group: a Scrum's backlog is recreated automatically. "
        "A portal answers [] even when the delete itself failed in its database: backlog_get "
        "tells for sure.",
        input=id_input("Backlog id"),
        result=ValueResult({"type": "array"}),
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.backlog.getFields",
        toolset="backlog",
        title="Backlog fields",
        description="List the writable backlog fields and their types.",
        input=NoInput,
        result=ObjectResult(FieldsResult),
        read_only=True,
    ),
)
