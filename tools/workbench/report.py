# pyright: strict
"""`sprint_report`: what a sprint committed to and got done, by column and person, its
burndown, what it carried over, and the team's velocity.

A portal keeps no sprint history that REST can read, so the report is rebuilt from what
is there, and says where that makes it an approximation:
- the sprint's tasks now, plus the cards its board still holds for tasks that left it:
  `sprint.complete` moves unfinished tasks out (to the backlog or the next sprint) and
  leaves their cards on the old board, which is how carried-over work is found;
- each task's closing date for the burndown, and today's estimates for every figure;
- for velocity, the completed tasks of the group's last completed sprints.

Three requests: the sprint, its stages, tasks, and its group's epics and sprints (the group
taken from the sprint inside the batch); its columns, items and the earlier sprints'
completed tasks; the carried-over tasks and the Scrum items still missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import Field

from bitrix24_scrum_mcp.phpquery import Ref
from bitrix24_scrum_mcp.tools.common import Id, ScrumModel
from bitrix24_scrum_mcp.tools.runner import RunContext
from bitrix24_scrum_mcp.tools.workbench.board import (
    BoardRead,
    epic_list,
    parse_date,
    sprint_info,
)
from bitrix24_scrum_mcp.tools.workbench.cards import (
    TASK_COMPLETED,
    ask_items,
    by_id,
    card,
    epic_names,
    is_completed,
    item_of,
    tasks_list,
    tidy,
)
from bitrix24_scrum_mcp.tools.workbench.models import (
    BurndownDay,
    Card,
    PersonTally,
    Report,
    SprintInfo,
    StageTally,
    Tally,
    VelocityPoint,
)
from bitrix24_scrum_mcp.tools.workbench.overview import sprints_of
from bitrix24_scrum_mcp.tools.workbench.reads import Reader, Round

VELOCITY_SPRINTS = 3


class SprintReportInput(ScrumModel):
    sprint_id: Id = Field(description="Sprint id (sprint_list; a completed or the active one)")


async def sprint_report(ctx: RunContext, args: SprintReportInput) -> dict[str, Any]:
    reader = Reader(ctx, "sprint_report")
    board = BoardRead(args.sprint_id)
    r1 = Round()
    board.outline(r1)
    group = Ref(board.sprint_key, "groupId")
    epic_list(r1, "epics", group)
    sprints_of(r1, "sprints", group)
    a1 = await reader.send(r1)
    sprint = board.sprint(a1)
    epics = epic_names(a1.list("epics"))
    earlier = _earlier_sprints(a1.list("sprints"), sprint)

    r2 = Round()
    board.details(r2, a1)
    for other in earlier:
        tasks_list(r2, f"done{other.id}", {"SPRINT_ID": other.id, "STATUS": TASK_COMPLETED})
    a2 = await reader.send(r2)
    in_sprint = by_id(board.tasks(a1))
    on_board = [
        (stage, board.column_task_ids(a2, int(stage.get("id") or 0))) for stage in board.stages(a1)
    ]
    carried_ids = sorted({t for _, ids in on_board for t in ids if t not in in_sprint})
    done_elsewhere = {o.id: by_id(a2.list(f"done{o.id}")) for o in earlier}

    r3 = Round()
    if carried_ids:
        tasks_list(r3, "carried", {"ID": carried_ids})
        ask_items(r3, carried_ids)
    ask_items(r3, (t for tasks in done_elsewhere.values() for t in tasks))
    a3 = await reader.send(r3)

    cards = {t: card(row, item_of(a2, t), epics) for t, row in in_sprint.items()}
    carried_rows = by_id(a3.list("carried")) if carried_ids else {}
    carried = [card(row, item_of(a3, t), epics) for t, row in carried_rows.items()]
    done = [cards[t] for t, row in in_sprint.items() if is_completed(row)]
    committed = [*cards.values(), *carried]
    every_card = {c.id: c for c in committed}
    velocity = [
        VelocityPoint(
            sprint_id=other.id,
            name=other.name,
            date_end=other.date_end,
            done_points=_points(card(row, item_of(a3, t), epics) for t, row in tasks.items()),
        )
        for other, tasks in ((o, done_elsewhere[o.id]) for o in earlier)
    ]
    if sprint.status == "completed":
        this = VelocityPoint(
            sprint_id=sprint.id, name=sprint.name, date_end=sprint.date_end,
            done_points=_points(done),
        )  # fmt: skip
        velocity = sorted([this, *velocity], key=lambda v: v.date_end, reverse=True)
        velocity = velocity[:VELOCITY_SPRINTS]
    unestimated = [c.id for c in committed if c.points is None]
    return Report(
        sprint=sprint,
        committed=_tally(committed),
        completed=_tally(done),
        stages=[
            StageTally(
                id=int(stage.get("id") or 0),
                name=str(stage.get("name") or ""),
                type=str(stage.get("type") or ""),
                tasks=len([t for t in ids if t in every_card]),
                points=_points(every_card[t] for t in ids if t in every_card),
            )
            for stage, ids in on_board
        ],
        people=_people(committed, {c.id for c in done}),
        carried_over=carried,
        unestimated=unestimated,
        burndown=burndown(sprint, _points(committed), in_sprint, cards),
        velocity=velocity,
        average_velocity=tidy(sum(v.done_points for v in velocity) / len(velocity))
        if velocity
        else None,
        approximations=_approximations(sprint, unestimated),
    ).dump()


def _earlier_sprints(rows: Iterable[Any], sprint: SprintInfo) -> list[SprintInfo]:
    """The group's last completed sprints other than this one, most recent first."""
    completed = [
        s for s in (sprint_info(r) for r in rows) if s.status == "completed" and s.id != sprint.id
    ]
    completed.sort(key=lambda s: s.date_end, reverse=True)
    keep = VELOCITY_SPRINTS - (1 if sprint.status == "completed" else 0)
    return completed[:keep]


def _points(cards: Iterable[Card]) -> int | float:
    return tidy(sum(c.points or 0 for c in cards))


def _tally(cards: list[Card]) -> Tally:
    return Tally(tasks=len(cards), points=_points(cards))


def _people(cards: list[Card], done: set[int]) -> list[PersonTally]:
    people: dict[int, list[Card]] = {}
    for c in cards:
        people.setdefault(c.responsible_id or 0, []).append(c)
    return [
        PersonTally(
            responsible_id=person,
            responsible=theirs[0].responsible,
            tasks=len(theirs),
            points=_points(theirs),
            done_tasks=sum(1 for c in theirs if c.id in done),
            done_points=_points(c for c in theirs if c.id in done),
        )
        for person, theirs in sorted(people.items())
    ]


def burndown(
    sprint: SprintInfo,
    committed: float,
    tasks: Mapping[int, Mapping[str, Any]],
    cards: Mapping[int, Card],
    now: datetime | None = None,
) -> list[BurndownDay]:
    """Remaining points at the end of each day, from the start date to the end date.

    Ideal: a straight line from what was committed to zero. Actual: committed minus the
    points of the sprint's tasks closed by that day (their `closedDate`), up to today.
    """
    start, end = parse_date(sprint.date_start), parse_date(sprint.date_end)
    if start is None or end is None or end < start:
        return []
    today = (now or datetime.now(UTC)).astimezone(start.tzinfo).date()
    closed: list[tuple[date, float]] = []
    for task_id, row in tasks.items():
        closed_at = parse_date(row.get("closedDate"))
        if is_completed(row) and closed_at is not None:
            closed.append((closed_at.astimezone(start.tzinfo).date(), cards[task_id].points or 0))
    first, last = start.date(), end.astimezone(start.tzinfo).date()
    span = max((last - first).days, 1)
    days: list[BurndownDay] = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        ideal = tidy(committed * (1 - offset / span))
        if day > today:
            days.append(BurndownDay(date=day.isoformat(), ideal=ideal))
            continue
        burnt = sum(points for when, points in closed if when <= day)
        days.append(
            BurndownDay(date=day.isoformat(), ideal=ideal, remaining=tidy(committed - burnt))
        )
    return days


def _approximations(sprint: SprintInfo, unestimated: list[int]) -> list[str]:
    notes = [
        "committed is the sprint's tasks now plus the ones it carried over: tasks added or "
        "removed mid-sprint cannot be told apart over REST",
        "points are today's estimates; the burndown counts a task done on its closing date",
    ]
    if unestimated:
        notes.append(f"{len(unestimated)} task(s) have no estimate and count as 0 points")
    if sprint.status == "active":
        notes.append("the sprint is running: the actual line stops at today")
    return notes
