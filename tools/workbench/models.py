# pyright: strict
"""What the workbench tools answer: closed objects of our own, read by models and people.

Everything here is built by our code (`OwnModel`: camelCase keys, nothing undeclared), so
the output schemas say exactly which keys come back. Keys whose value is unknown are left
out rather than sent as null or guessed: a task without a numeric estimate has no `points`,
and the totals name such tasks instead of counting them as zero.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema

from bitrix24_scrum_mcp.tools.results import OwnModel

Points = Annotated[int | float, WithJsonSchema({"type": "number"})]
"""Story points: integral estimates stay integers (`8`, not `8.0`)."""

StageType = Literal["NEW", "WORK", "FINISH"]


class Card(OwnModel):
    """A task as the workbench shows it: on a board, in a backlog, in a plan."""

    id: int
    title: str
    points: Points | None = Field(default=None, description="Absent when not estimated")
    estimate: str | None = Field(
        default=None, description="The estimate as written, when it is not a number"
    )
    responsible_id: int | None = None
    responsible: str | None = None
    epic_id: int | None = None
    epic: str | None = None
    status: str = Field(description="pending, in progress, awaiting review, completed, deferred")


class Totals(OwnModel):
    tasks: int
    points: Points = Field(description="Sum of the estimated tasks' points")
    unestimated: list[int] = Field(description="Ids of tasks without a numeric estimate")


class SprintInfo(OwnModel):
    id: int
    group_id: int
    name: str
    status: str = Field(description="planned, active or completed")
    date_start: str
    date_end: str
    days_left: int | None = Field(
        default=None, description="Active sprint: calendar days to its end (negative: overdue)"
    )
    goal: str | None = None


class Column(OwnModel):
    id: int
    name: str
    type: StageType | str = Field(description="NEW, WORK or FINISH")
    color: str | None = None
    tasks: list[Card]
    totals: Totals


class Board(OwnModel):
    """A sprint's Kanban, column by column, as the portal's board relation places the cards."""

    sprint: SprintInfo
    columns: list[Column]
    off_board: list[Card] = Field(
        default_factory=lambda: list[Card](),
        description="In the sprint but on no column of its board",
    )
    totals: Totals
    done: Totals = Field(description="The tasks in FINISH columns")
    notes: list[str] = Field(default_factory=lambda: list[str]())


class BacklogInfo(OwnModel):
    id: int
    totals: Totals


class EpicInfo(OwnModel):
    id: int
    name: str


class Overview(OwnModel):
    group_id: int
    name: str
    backlog: BacklogInfo
    active_sprint: Board | None = Field(default=None, description="Absent when none is active")
    planned_sprints: list[SprintInfo]
    completed_sprints: int
    last_completed_sprint: SprintInfo | None = Field(
        default=None, description="The one that ended last (for a review or retrospective)"
    )
    epics: list[EpicInfo]


class BacklogPage(OwnModel):
    group_id: int
    backlog_id: int
    items: list[Card] = Field(description="In backlog order, highest first")
    total: int
    next: int | None = Field(default=None, description="`start` of the next page")
    totals: Totals = Field(description="The whole backlog, every page")


class StageRef(OwnModel):
    id: int
    name: str
    type: str


class Move(OwnModel):
    task_id: int
    title: str
    sprint_id: int
    column: StageRef = Field(description="Where the card is now")
    previous: StageRef | None = Field(default=None, description="Absent when it was on no column")
    moved: bool = Field(description="False when it was already there")
    status: str = Field(description="The task's status now (a FINISH column completes it)")


class Skipped(OwnModel):
    id: int
    title: str
    points: Points | None = None
    reason: Literal["unestimated", "too big"]


class MoveOutcome(OwnModel):
    task_id: int
    ok: bool
    error: str | None = None


class PlannedSprint(OwnModel):
    id: int | None = Field(default=None, description="Once created (apply)")
    name: str
    date_start: str
    date_end: str


class Plan(OwnModel):
    group_id: int
    applied: Literal["no", "yes", "partly"] = Field(
        description="no: a dry run, nothing written; partly: see moves"
    )
    sprint: PlannedSprint
    capacity: Points
    tasks: list[Card] = Field(description="Taken, in backlog order")
    points: Points
    skipped: list[Skipped]
    not_considered: int = Field(description="Backlog items after the capacity was reached")
    moves: list[MoveOutcome] | None = Field(default=None, description="Per task, when applied")


class Tally(OwnModel):
    tasks: int
    points: Points


class StageTally(OwnModel):
    id: int
    name: str
    type: str
    tasks: int
    points: Points


class PersonTally(OwnModel):
    responsible_id: int
    responsible: str | None = None
    tasks: int
    points: Points
    done_tasks: int
    done_points: Points


class BurndownDay(OwnModel):
    date: str = Field(description="YYYY-MM-DD")
    ideal: Points
    remaining: Points | None = Field(default=None, description="Absent for days to come")


class VelocityPoint(OwnModel):
    sprint_id: int
    name: str
    date_end: str
    done_points: Points


class Report(OwnModel):
    sprint: SprintInfo
    committed: Tally = Field(description="In the sprint, plus what it carried over")
    completed: Tally
    stages: list[StageTally]
    people: list[PersonTally]
    carried_over: list[Card] = Field(description="Left unfinished: now in the backlog or later")
    unestimated: list[int]
    burndown: list[BurndownDay]
    velocity: list[VelocityPoint] = Field(description="The group's last completed sprints")
    average_velocity: Points | None = None
    approximations: list[str]
