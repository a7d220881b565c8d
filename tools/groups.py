# pyright: strict
"""Companion group tools: find Scrums and their groups (docs: sonet-group/*.md).

A Scrum is a workgroup whose SCRUM_MASTER_ID is set; its group id is the `groupId` every
Scrum method takes. `socialnetwork.api.workgroup.list` can select TYPE/SCRUM_MASTER_ID
(not filter by them); `sonet_group.get` returns no Scrum fields at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, GetJsonSchemaHandler, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from bitrix24_scrum_mcp.tools.common import (
    FILTER_HELP,
    MAX_LIST_ITEMS,
    Id,
    ListInput,
    OrderDirection,
    UpperModel,
    check_filter,
    check_max_id,
    check_order,
    declare_keys,
)
from bitrix24_scrum_mcp.tools.results import ListResult, ResultModel
from bitrix24_scrum_mcp.tools.runner import forward_pages
from bitrix24_scrum_mcp.tools.spec import ToolSpec


class WorkgroupItem(ResultModel):
    # docs: workgroup.list answers ids as strings ("5").
    id: str
    name: str
    type: str = Field(description="group, project, scrum or collab")
    scrum_master_id: str


YesNo = Literal["Y", "N"]


class WorkgroupListInput(ListInput):
    FIELDS: ClassVar[tuple[str, ...]] = (
        "ID", "NAME", "TYPE", "SCRUM_MASTER_ID", "SCRUM_OWNER_ID", "SCRUM_SPRINT_DURATION",
        "SCRUM_TASK_RESPONSIBLE", "DESCRIPTION", "ACTIVE", "VISIBLE", "OPENED", "CLOSED",
        "PROJECT", "OWNER_ID", "SUBJECT_ID", "NUMBER_OF_MEMBERS", "DATE_CREATE", "DATE_UPDATE",
        "DATE_ACTIVITY", "PROJECT_DATE_START", "PROJECT_DATE_FINISH", "KEYWORDS", "AVATAR",
    )  # fmt: skip
    FILTER_FIELDS: ClassVar[tuple[str, ...] | None] = (
        "ID", "NAME", "OWNER_ID", "ACTIVE", "VISIBLE", "OPENED", "CLOSED", "PROJECT",
        "SUBJECT_ID", "SITE_ID", "DATE_CREATE", "DATE_UPDATE", "DATE_ACTIVITY",
    )  # fmt: skip
    FILTER_KEYS: ClassVar[Mapping[str, Any]] = {
        "ID": int, "NAME": str, "OWNER_ID": int, "ACTIVE": YesNo, "CLOSED": YesNo, "PROJECT": YesNo,
    }  # fmt: skip
    ORDER_KEYS: ClassVar[tuple[str, ...]] = ("ID", "NAME", "DATE_ACTIVITY")


SONET_FILTER_FIELDS = (
    "ID", "NAME", "OWNER_ID", "ACTIVE", "VISIBLE", "OPENED", "CLOSED", "DATE_CREATE",
    "DATE_UPDATE", "DATE_ACTIVITY", "IS_EXTRANET",
)  # fmt: skip
SONET_FILTER_KEYS: dict[str, Any] = {
    "ID": int, "NAME": str, "OWNER_ID": int, "ACTIVE": YesNo, "CLOSED": YesNo, "IS_EXTRANET": YesNo,
}  # fmt: skip
SONET_ORDER_KEYS = ("ID", "NAME", "DATE_ACTIVITY")


class SonetGroupGetInput(UpperModel):
    # docs: this page's parameter names are UPPER_CASE, except `start`.
    ORDER: dict[str, OrderDirection | None] | None = Field(
        None,
        max_length=20,
        description="'ASC' or 'DESC' per field, null = not by it; any FILTER FIELD",
    )
    FILTER: dict[str, Any] | None = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description=f"{FILTER_HELP}; FIELD one of {' '.join(SONET_FILTER_FIELDS)}",
    )
    GROUP_ID: Id | None = Field(None, description="Only this group")
    IS_ADMIN: YesNo | None = Field(None, description="'Y': skip permission checks (admins)")
    start: Annotated[int, Field(ge=0), AfterValidator(check_max_id)] | None = Field(
        None, description="Offset: 0, 50, 100..."
    )

    @field_validator("FILTER")
    @classmethod
    def _filter_fields(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_filter(value, SONET_FILTER_FIELDS, SONET_FILTER_KEYS)

    @field_validator("ORDER")
    @classmethod
    def _order_fields(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_order(value, SONET_FILTER_FIELDS)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        declare_keys(schema, "FILTER", SONET_FILTER_KEYS)
        declare_keys(schema, "ORDER", dict.fromkeys(SONET_ORDER_KEYS, str))
        return schema


TOOLS = (
    ToolSpec(
        method="socialnetwork.api.workgroup.list",
        toolset="groups",
        title="List workgroups and Scrums",
        description="List the workgroups, projects and Scrums the user can see. Select "
        "['ID','NAME','TYPE','SCRUM_MASTER_ID'] (without select only ID comes back): a Scrum has "
        "TYPE 'scrum' and a SCRUM_MASTER_ID; its ID is the groupId of the Scrum tools.",
        input=WorkgroupListInput,
        result=ListResult(WorkgroupItem, key="workgroups"),
        run=forward_pages,
        read_only=True,
    ),
    ToolSpec(
        method="sonet_group.get",
        toolset="groups",
        title="Get workgroups",
        description="Get workgroups with their owner, members count and dates (UPPER_CASE "
        "keys). It cannot tell a Scrum from a project: use workgroup_list for that.",
        input=SonetGroupGetInput,
        result=ListResult(),
        read_only=True,
    ),
)
