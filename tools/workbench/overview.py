# pyright: strict
"""`scrum_overview`: what is going on in a Scrum team, in one answer.

Three rounds, whatever the team's size (more only past 50 tasks in a list or 50 calls in
a round): (1) the group, its backlog, its sprints and epics; (2) the backlog's tasks and
the active sprint's stages and tasks; (3) the active sprint's columns and every task's
Scrum item. The one-to-one path is six tools and as many model turns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from pydantic import Field

from bitrix24_scrum_mcp.phpquery import Ref
from bitrix24_scrum_mcp.tools.common import Id, ScrumModel
from bitrix24_scrum_mcp.tools.runner import RunContext
from bitrix24_scrum_mcp.tools.workbench.backlog import BACKLOG_GET, backlog_id_of, in_backlog_order
from bitrix24_scrum_mcp.tools.workbench.board import BoardRead, epic_list, sprint_info
from bitrix24_scrum_mcp.tools.workbench.cards import (
    as_dict,
    ask_items,
    by_id,
    epic_names,
    tasks_list,
    totals,
)
from bitrix24_scrum_mcp.tools.workbench.models import BacklogInfo, EpicInfo, Overview, SprintInfo
from bitrix24_scrum_mcp.tools.workbench.reads import Reader, Round

SPRINT_LIST = "tasks.api.scrum.sprint.list"
WORKGROUP_LIST = "socialnetwork.api.workgroup.list"


class OverviewInput(ScrumModel):
    group_id: Id = Field(description="Scrum group id (workgroup_list)")


def _ended(sprint: SprintInfo) -> datetime:
    """When a sprint ended, comparable across UTC offsets (portals answer in theirs)."""
    try:
        return datetime.fromisoformat(sprint.date_end)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def group_name(value: Any) -> str:
    rows: Any = as_dict(value).get("workgroups")
    for row in cast(list[Any], rows) if isinstance(rows, list) else []:
        if isinstance(row, dict):
            return str(as_dict(row).get("name") or "")
    return ""


def sprints_of(r: Round, key: str, group_id: int | Ref) -> None:
    r.list(key, SPRINT_LIST, {"filter": {"GROUP_ID": group_id}, "order": {"DATE_START": "ASC"}})


async def scrum_overview(ctx: RunContext, args: OverviewInput) -> dict[str, Any]:
    reader = Reader(ctx, "scrum_overview")
    group_id = args.group_id
    r1 = Round()
    r1.call("group", WORKGROUP_LIST, {"filter": {"ID": group_id}, "select": ["ID", "NAME"]})
    r1.call("backlog", BACKLOG_GET, {"id": group_id})
    sprints_of(r1, "sprints", group_id)
    epic_list(r1, "epics", group_id)
    tasks_list(r1, "btasks", {"BACKLOG_ID": Ref("backlog", "id")})
    a1 = await reader.send(r1)
    backlog_id = backlog_id_of(a1)
    sprints = [sprint_info(s) for s in a1.list("sprints")]
    epics = epic_names(a1.list("epics"))
    active = next((s for s in sprints if s.status == "active"), None)
    completed = [s for s in sprints if s.status == "completed"]

    backlog_tasks = by_id(a1.list("btasks"))

    r2 = Round()
    ask_items(r2, backlog_tasks)
    board = BoardRead(active.id) if active else None
    if board:
        board.outline(r2, with_sprint=False)
    a2 = await reader.send(r2)
    r3 = Round()
    if board:
        board.details(r3, a2)
    a3 = await reader.send(r3)
    backlog_cards = in_backlog_order(backlog_tasks, a2, epics)
    return Overview(
        group_id=group_id,
        name=group_name(a1.value("group")),
        backlog=BacklogInfo(id=backlog_id, totals=totals(backlog_cards)),
        active_sprint=board.board(active, a2, a3, epics) if board and active else None,
        planned_sprints=[s for s in sprints if s.status == "planned"],
        completed_sprints=len(completed),
        last_completed_sprint=max(completed, key=_ended, default=None),
        epics=[EpicInfo(id=i, name=n) for i, n in epics.items()],
    ).dump()
