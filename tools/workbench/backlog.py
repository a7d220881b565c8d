# pyright: strict
"""A Scrum's backlog in backlog order: `backlog_items`, and the reads `sprint_plan` shares.

The order is the Scrum items' `sortFloat` (lowest first, as the portal's backlog shows
it), which only `task.get` reveals, so the whole backlog is read before a page is cut:
`backlog.get` (the group's backlog id), then its tasks (`tasks.task.list` filter
`BACKLOG_ID`, every page; in the same request, as `$result[backlog][id]`), then every
task's Scrum item in batches of 50: two requests up to 50 items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from bitrix24_scrum_mcp.phpquery import Ref
from bitrix24_scrum_mcp.tools.common import MAX_LIMIT, Id, ScrumModel
from bitrix24_scrum_mcp.tools.runner import RunContext
from bitrix24_scrum_mcp.tools.workbench.board import epic_list
from bitrix24_scrum_mcp.tools.workbench.cards import (
    as_dict,
    as_int,
    ask_items,
    by_id,
    card,
    epic_names,
    item_of,
    tasks_list,
    totals,
)
from bitrix24_scrum_mcp.tools.workbench.models import BacklogPage, Card
from bitrix24_scrum_mcp.tools.workbench.reads import Answers, Reader, Round

BACKLOG_GET = "tasks.api.scrum.backlog.get"
DEFAULT_PAGE = 50


@dataclass(frozen=True, slots=True)
class Backlog:
    id: int
    cards: list[Card]
    """Every item, in backlog order."""


async def read_backlog(
    reader: Reader, group_id: int, first: Round | None = None
) -> tuple[Backlog, Answers]:
    """The group's backlog, every item, and the answers of round 1, which also holds the
    caller's own reads (`first`)."""
    r1 = first or Round()
    r1.call("backlog", BACKLOG_GET, {"id": group_id})
    epic_list(r1, "epics", group_id)
    tasks_list(r1, "btasks", {"BACKLOG_ID": Ref("backlog", "id")})
    a1 = await reader.send(r1)
    backlog_id = backlog_id_of(a1)
    tasks = by_id(a1.list("btasks"))
    r2 = Round()
    ask_items(r2, tasks)
    items = await reader.send(r2)
    cards = in_backlog_order(tasks, items, epic_names(a1.list("epics")))
    return Backlog(backlog_id, cards), a1


def backlog_id_of(answers: Answers) -> int:
    return as_int(as_dict(answers.value("backlog")).get("id")) or 0


def in_backlog_order(
    tasks: dict[int, dict[str, Any]], items: Answers, epics: dict[int, str]
) -> list[Card]:
    def position(task_id: int) -> tuple[float, int]:
        raw: Any = item_of(items, task_id).get("sortFloat")
        try:
            return (float(str(raw)), task_id)
        except (TypeError, ValueError):
            return (float("inf"), task_id)

    ordered = sorted(tasks, key=position)
    return [card(tasks[t], item_of(items, t), epics) for t in ordered]


class BacklogItemsInput(ScrumModel):
    group_id: Id = Field(description="Scrum group id (workgroup_list)")
    limit: int | None = Field(
        None, ge=1, le=MAX_LIMIT, description=f"Items to return (default {DEFAULT_PAGE})"
    )
    start: int | None = Field(None, ge=0, description="Offset in backlog order (next)")


async def backlog_items(ctx: RunContext, args: BacklogItemsInput) -> dict[str, Any]:
    backlog, _ = await read_backlog(Reader(ctx, "backlog_items"), args.group_id)
    start = args.start or 0
    end = start + (args.limit or DEFAULT_PAGE)
    page = backlog.cards[start:end]
    return BacklogPage(
        group_id=args.group_id,
        backlog_id=backlog.id,
        items=page,
        total=len(backlog.cards),
        next=end if end < len(backlog.cards) else None,
        totals=totals(backlog.cards),
    ).dump()
