# pyright: strict
"""`sprint_board`: a sprint's Kanban with its cards and totals, by sprint id or for the
group's active sprint.

Two rounds for a sprint id (the sprint, its stages and tasks; then its columns, the tasks'
Scrum items and the group's epics), one more for a group id (finding its active sprint).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from bitrix24_scrum_mcp.errors import InvalidStateError
from bitrix24_scrum_mcp.phpquery import Ref
from bitrix24_scrum_mcp.tools.common import Id, ScrumModel
from bitrix24_scrum_mcp.tools.runner import RunContext
from bitrix24_scrum_mcp.tools.workbench.board import BoardRead, epic_list
from bitrix24_scrum_mcp.tools.workbench.cards import as_dict, as_int, epic_names
from bitrix24_scrum_mcp.tools.workbench.reads import Reader, Round

SPRINT_LIST = "tasks.api.scrum.sprint.list"


class SprintBoardInput(ScrumModel):
    sprint_id: Id | None = Field(None, description="Sprint id")
    group_id: Id | None = Field(None, description="Or a Scrum group id: its active sprint")

    @model_validator(mode="after")
    def _one_of(self) -> SprintBoardInput:
        if (self.sprint_id is None) == (self.group_id is None):
            raise ValueError("give exactly one of sprintId and groupId")
        return self


async def active_sprint_id(reader: Reader, group_id: int) -> int:
    """The group's active sprint, or INVALID_STATE naming what the group has instead."""
    r = Round()
    params = {"filter": {"GROUP_ID": group_id, "STATUS": "active"}}
    r.list("active", SPRINT_LIST, params)
    found = (await reader.send(r)).list("active")
    sprint_id = as_int(as_dict(found[0]).get("id")) if found else None
    if sprint_id is None:
        raise InvalidStateError(
            f"group {group_id} has no active sprint; sprint_list shows its planned ones, "
            "sprint_board takes a sprintId of one",
            method=SPRINT_LIST,
        )
    return sprint_id


async def sprint_board(ctx: RunContext, args: SprintBoardInput) -> dict[str, Any]:
    reader = Reader(ctx, "sprint_board")
    sprint_id = args.sprint_id or await active_sprint_id(reader, args.group_id or 0)
    board = BoardRead(sprint_id)
    r1 = Round()
    board.outline(r1)
    epic_list(r1, "epics", Ref(board.sprint_key, "groupId"))
    a1 = await reader.send(r1)
    sprint = board.sprint(a1)
    r2 = Round()
    board.details(r2, a1)
    a2 = await reader.send(r2)
    return board.board(sprint, a1, a2, epic_names(a1.list("epics"))).dump()
