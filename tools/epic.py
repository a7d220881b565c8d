# pyright: strict
"""Epic tools: `tasks.api.scrum.epic.*` (themes that group a Scrum's tasks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import Field

from bitrix24_scrum_mcp.tools.common import (
    MAX_LIST_ITEMS,
    Color,
    Id,
    ListInput,
    Name,
    NoInput,
    ScrumModel,
    Text,
    id_input,
)
from bitrix24_scrum_mcp.tools.results import (
    FieldsResult,
    ListResult,
    ObjectResult,
    ResultModel,
    ValueResult,
)
from bitrix24_scrum_mcp.tools.runner import forward_pages
from bitrix24_scrum_mcp.tools.spec import ToolSpec

DiskFileId = Annotated[str, Field(pattern=r"^n[1-9][0-9]{0,9}$")]
_FILES = "Disk file ids prefixed with 'n', e.g. ['n428']"


class EpicResult(ResultModel):
    id: int
    group_id: int
    name: str
    description: str
    created_by: int
    modified_by: int
    color: str


class EpicAddFields(ScrumModel):
    name: Name = Field(description="Epic name")
    description: Text | None = Field(None, description="Epic description")
    group_id: Id = Field(description="Scrum (group) id")
    color: Color | None = Field(None, description="HEX colour, e.g. #69dafc")
    files: list[DiskFileId] | None = Field(None, max_length=MAX_LIST_ITEMS, description=_FILES)
    created_by: Id | None = Field(None, description="User recorded as creator")
    modified_by: Id | None = Field(None, description="User recorded as last modifier")


class EpicAddInput(ScrumModel):
    fields: EpicAddFields = Field(description="Epic data")


class EpicUpdateFields(ScrumModel):
    # docs: the table marks name and groupId required although its own example omits
    # groupId; we follow the table.
    name: Name = Field(description="Epic name")
    description: Text | None = Field(None, description="Epic description")
    group_id: Id = Field(description="Scrum (group) id")
    color: Color | None = Field(None, description="HEX colour")
    files: list[DiskFileId] | None = Field(
        None, max_length=MAX_LIST_ITEMS, description=f"{_FILES}; [] removes all files"
    )


class EpicUpdateInput(ScrumModel):
    id: Id = Field(description="Epic id")
    # docs: typed `array` on this page; its structure is the same object as epic.add's.
    fields: EpicUpdateFields = Field(description="Fields to set")


class EpicListInput(ListInput):
    # docs: "fields of the epic.add response", but the example uses UPPER_SNAKE; we follow
    # the example, as sprint.list does.
    FIELDS: ClassVar[tuple[str, ...]] = (
        "ID", "GROUP_ID", "NAME", "DESCRIPTION", "CREATED_BY", "MODIFIED_BY", "COLOR",
    )  # fmt: skip
    FILTER_KEYS: ClassVar[Mapping[str, Any]] = {"ID": int, "GROUP_ID": int, "NAME": str}
    ORDER_KEYS: ClassVar[tuple[str, ...]] = ("ID", "NAME")


TOOLS = (
    ToolSpec(
        method="tasks.api.scrum.epic.add",
        toolset="epic",
        title="Add epic",
        description="Create an epic in a Scrum group; link tasks to it with task_update (epicId).",
        input=EpicAddInput,
        result=ObjectResult(EpicResult),
    ),
    ToolSpec(
        method="tasks.api.scrum.epic.update",
        toolset="epic",
        title="Update epic",
        description="Change an epic's name, description, colour, group or files. name and "
        "groupId are required even when unchanged (see epic_get).",
        input=EpicUpdateInput,
        result=ObjectResult(EpicResult),
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.epic.get",
        toolset="epic",
        title="Get epic",
        description="Get one epic by its id, with its attached files.",
        input=id_input("Epic id"),
        result=ObjectResult(EpicResult),
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.epic.list",
        toolset="epic",
        title="List epics",
        description="List epics, e.g. of one Scrum with filter {'GROUP_ID': id} or by name "
        "with {'%NAME': 'login'}. Keys are UPPER_SNAKE; items come back camelCase. A portal "
        "does not count epics: use limit to read past the first 50.",
        input=EpicListInput,
        result=ListResult(EpicResult),
        run=forward_pages,
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.epic.delete",
        toolset="epic",
        title="Delete epic",
        description="Delete an epic by its id. Its tasks keep the epic's id (task_get still "
        "shows it). A portal answers [] even when the delete itself failed: epic_get tells "
        "for sure.",
        input=id_input("Epic id"),
        result=ValueResult({"type": "array"}),
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.epic.getFields",
        toolset="epic",
        title="Epic fields",
        description="List the epic fields and their types.",
        input=NoInput,
        result=ObjectResult(FieldsResult),
        read_only=True,
    ),
)
