# pyright: strict
"""Reading a sprint's Kanban the way a portal draws it: from the board relation.

portal (sandbox/README.md, "Kanban placement"): a sprint's board is the relation
`b_tasks_task_stage` (task, stage), read with `tasks.task.list` filter `STAGES_ID`, one
list per column; the task's own `stageId` is stale after REST moves and is never used
here. No `tasks.api.scrum.*` method tells a card's column.

Two rounds: the outline (the sprint, its stages, its tasks), then the details (each
column's cards, each task's Scrum item). `BoardRead` exposes them separately so that a
tool reading more than the board (the overview, the report) sends its own reads in the
same requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from bitrix24_scrum_mcp.errors import InvalidStateError
from bitrix24_scrum_mcp.phpquery import Ref
from bitrix24_scrum_mcp.tools.workbench.cards import (
    TASK_LIST,
    as_dict,
    as_int,
    ask_items,
    by_id,
    card,
    item_of,
    task_ids,
    tasks_list,
    totals,
)
from bitrix24_scrum_mcp.tools.workbench.models import Board, Card, Column, SprintInfo
from bitrix24_scrum_mcp.tools.workbench.reads import Answers, Round

SPRINT_GET = "tasks.api.scrum.sprint.get"
GET_STAGES = "tasks.api.scrum.kanban.getStages"
EPIC_LIST = "tasks.api.scrum.epic.list"
FINISH = "FINISH"


def parse_date(value: Any) -> datetime | None:
    """A portal date (`2024-09-09T09:00:00+03:00`), keeping its offset; None if unreadable."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def days_left(date_end: Any, now: datetime | None = None) -> int | None:
    """Calendar days from today to the sprint's last day, in the portal's own offset."""
    end = parse_date(date_end)
    if end is None:
        return None
    today = (now or datetime.now(UTC)).astimezone(end.tzinfo).date()
    return (end.date() - today).days


def sprint_info(raw: Any) -> SprintInfo:
    sprint = cast(dict[str, Any], raw) if isinstance(raw, dict) else {}
    status = str(sprint.get("status") or "")
    return SprintInfo(
        id=as_int(sprint.get("id")) or 0,
        group_id=as_int(sprint.get("groupId")) or 0,
        name=str(sprint.get("name") or ""),
        status=status,
        date_start=str(sprint.get("dateStart") or ""),
        date_end=str(sprint.get("dateEnd") or ""),
        days_left=days_left(sprint.get("dateEnd")) if status == "active" else None,
        goal=str(sprint.get("goal") or "") or None,
    )


def stages_of(value: Any) -> list[dict[str, Any]]:
    """`kanban.getStages` in board order (its `sort`, then id)."""
    rows = (
        [as_dict(s) for s in cast(list[Any], value) if isinstance(s, dict)]
        if isinstance(value, list)
        else []
    )
    return sorted(rows, key=lambda s: (as_int(s.get("sort")) or 0, as_int(s.get("id")) or 0))


class BoardRead:
    """The reads of one sprint's board, keyed under `prefix` within a tool's rounds."""

    def __init__(self, sprint_id: int, prefix: str = "board") -> None:
        self.sprint_id = sprint_id
        self.prefix = prefix

    @property
    def sprint_key(self) -> str:
        return f"{self.prefix}sprint"

    def outline(self, r: Round, *, with_sprint: bool = True) -> None:
        """Round 1: the sprint (unless the caller has it), its stages, its tasks."""
        if with_sprint:
            r.call(self.sprint_key, SPRINT_GET, {"id": self.sprint_id})
        r.call(f"{self.prefix}stages", GET_STAGES, {"sprintId": self.sprint_id})
        tasks_list(r, f"{self.prefix}tasks", {"SPRINT_ID": self.sprint_id})

    def sprint(self, outline: Answers) -> SprintInfo:
        """The sprint of round 1; INVALID_STATE for an id that is a backlog's.

        portal: `sprint.get` has no type check, so a backlog id answers the backlog.
        """
        sprint = sprint_info(outline.value(self.sprint_key))
        if sprint.status not in ("planned", "active", "completed"):
            raise InvalidStateError(
                f"{self.sprint_id} is not a sprint (a backlog id?); sprint_list lists them",
                method=SPRINT_GET,
            )
        return sprint

    def stages(self, outline: Answers) -> list[dict[str, Any]]:
        return stages_of(outline.value(f"{self.prefix}stages"))

    def tasks(self, outline: Answers) -> list[Any]:
        return outline.list(f"{self.prefix}tasks")

    def details(self, r: Round, outline: Answers) -> None:
        """Round 2: each column's cards (the board relation) and each task's Scrum item."""
        for stage in self.stages(outline):
            stage_id = as_int(stage.get("id"))
            if stage_id is not None:
                params = {"filter": {"STAGES_ID": stage_id}, "select": ["ID"]}
                r.list(self._column_key(stage_id), TASK_LIST, params, items_key="tasks")
        ask_items(r, task_ids(self.tasks(outline)))

    def column_task_ids(self, details: Answers, stage_id: int) -> list[int]:
        return task_ids(details.list(self._column_key(stage_id)))

    def board(
        self,
        sprint: SprintInfo,
        outline: Answers,
        details: Answers,
        epics: Mapping[int, str],
    ) -> Board:
        tasks = by_id(self.tasks(outline))
        cards = {tid: card(task, item_of(details, tid), epics) for tid, task in tasks.items()}
        placed: set[int] = set()
        strays: set[int] = set()
        columns: list[Column] = []
        for stage in self.stages(outline):
            stage_id = as_int(stage.get("id")) or 0
            ids = self.column_task_ids(details, stage_id)
            column_cards = [cards[t] for t in ids if t in cards]
            strays.update(t for t in ids if t not in cards)
            placed.update(t for t in ids if t in cards)
            columns.append(
                Column(
                    id=stage_id,
                    name=str(stage.get("name") or ""),
                    type=str(stage.get("type") or ""),
                    color=str(stage.get("color") or "") or None,
                    tasks=column_cards,
                    totals=totals(column_cards),
                )
            )
        off_board = [c for t, c in cards.items() if t not in placed]
        done: list[Card] = [c for col in columns if col.type == FINISH for c in col.tasks]
        return Board(
            sprint=sprint,
            columns=columns,
            off_board=off_board,
            totals=totals(cards.values()),
            done=totals(done),
            notes=_notes(sprint, columns, off_board, strays),
        )

    def _column_key(self, stage_id: int) -> str:
        return f"{self.prefix}col{stage_id}"


def _notes(
    sprint: SprintInfo, columns: list[Column], off_board: list[Card], strays: set[int]
) -> list[str]:
    notes: list[str] = []
    if not columns:
        notes.append(
            "this sprint has no board: a portal gives a sprint its columns when it starts"
            if sprint.status == "planned"
            else "this sprint's board has no columns"
        )
    elif off_board:
        notes.append(
            f"{len(off_board)} task(s) of the sprint are on no column (moved into the sprint "
            "after it started, by task_update): board_move puts one on a column"
        )
    if strays:
        ids = ", ".join(str(t) for t in sorted(strays))
        notes.append(f"cards of tasks no longer in this sprint are left out: {ids}")
    return notes


def epic_list(r: Round, key: str, group_id: int | Ref) -> None:
    r.list(key, EPIC_LIST, {"filter": {"GROUP_ID": group_id}, "select": ["ID", "NAME"]})
