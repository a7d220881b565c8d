# pyright: strict
"""`sprint_plan`: fill the next sprint from the backlog up to a story-point capacity.

Without `apply` it is a dry run that writes nothing: backlog items are taken in backlog
order while they fit, and every item passed over is named with its reason (not estimated,
or bigger than what is left). With `apply: true` it creates the planned sprint and moves
the chosen tasks into it with `task.update` in one batch request (per 50 tasks), and the
answer says per task whether it moved. A failure after the sprint was created is never
hidden: `applied` is then `partly` and `moves` names each task that did not move, or
whose move may or may not have happened (a lost answer is never sent again).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from bitrix24_scrum_mcp.errors import Bitrix24Error, InvalidStateError
from bitrix24_scrum_mcp.tools.common import BitrixDate, Id, Name, ScrumModel, Text
from bitrix24_scrum_mcp.tools.creator import with_creator
from bitrix24_scrum_mcp.tools.runner import RunContext
from bitrix24_scrum_mcp.tools.workbench.backlog import read_backlog
from bitrix24_scrum_mcp.tools.workbench.board import parse_date, sprint_info
from bitrix24_scrum_mcp.tools.workbench.cards import as_dict, as_int, tidy
from bitrix24_scrum_mcp.tools.workbench.models import (
    Card,
    MoveOutcome,
    Plan,
    PlannedSprint,
    Skipped,
)
from bitrix24_scrum_mcp.tools.workbench.overview import sprints_of
from bitrix24_scrum_mcp.tools.workbench.reads import Answers, Reader, Round

SPRINT_ADD = "tasks.api.scrum.sprint.add"
TASK_UPDATE = "tasks.api.scrum.task.update"


class PlanSprint(ScrumModel):
    name: Name = Field(description="Sprint name")
    date_start: BitrixDate = Field(description="Start, ISO 8601 (2024-09-23T09:00:00+03:00)")
    date_end: BitrixDate = Field(description="End, after the start")
    goal: Text | None = Field(None, description="Sprint goal")

    @model_validator(mode="after")
    def _ends_after_start(self) -> PlanSprint:
        start, end = _moment(self.date_start), _moment(self.date_end)
        if start is not None and end is not None and end <= start:
            raise ValueError("dateEnd must be after dateStart")
        return self


class SprintPlanInput(ScrumModel):
    group_id: Id = Field(description="Scrum group id")
    capacity: float = Field(ge=1, le=10_000, description="Story points the team can take")
    sprint: PlanSprint = Field(description="The sprint to create")
    apply: bool | None = Field(
        None, description="true: create the sprint and move the tasks; else a dry run"
    )


def _moment(value: str) -> float | None:
    if value.isdigit():
        return float(value)
    parsed = parse_date(value)
    return parsed.timestamp() if parsed is not None else None


def choose(cards: list[Card], capacity: float) -> tuple[list[Card], list[Skipped], int]:
    """Items in backlog order while they fit; the ones passed over and why; how many were
    left unconsidered once the capacity was used up."""
    left = capacity
    taken: list[Card] = []
    skipped: list[Skipped] = []
    unconsidered = 0
    for c in cards:
        if left <= 0:
            unconsidered += 1
        elif c.points is None:
            skipped.append(Skipped(id=c.id, title=c.title, reason="unestimated"))
        elif c.points > left:
            skipped.append(Skipped(id=c.id, title=c.title, points=c.points, reason="too big"))
        else:
            taken.append(c)
            left -= c.points
    return taken, skipped, unconsidered


async def sprint_plan(ctx: RunContext, args: SprintPlanInput) -> dict[str, Any]:
    reader = Reader(ctx, "sprint_plan")
    first = Round()
    sprints_of(first, "sprints", args.group_id)
    backlog, round1 = await read_backlog(reader, args.group_id, first)
    taken, skipped, unconsidered = choose(backlog.cards, args.capacity)
    planned = PlannedSprint(
        name=args.sprint.name, date_start=args.sprint.date_start, date_end=args.sprint.date_end
    )
    plan: dict[str, Any] = {
        "group_id": args.group_id,
        "capacity": tidy(args.capacity),
        "tasks": taken,
        "points": tidy(sum(c.points or 0 for c in taken)),
        "skipped": skipped,
        "not_considered": unconsidered,
    }
    if not args.apply:
        return Plan(applied="no", sprint=planned, **plan).dump()
    _refuse_a_second(args, round1.list("sprints"))
    sprint_id = await _create_sprint(ctx, args)
    moves = await _move(reader, sprint_id, taken)
    applied = "yes" if all(m.ok for m in moves) else "partly"
    return Plan(
        applied=applied, sprint=planned.model_copy(update={"id": sprint_id}), moves=moves, **plan
    ).dump()


def _refuse_a_second(args: SprintPlanInput, sprints: list[Any]) -> None:
    """Applying the same plan twice would make two sprints: refuse a planned sprint's name."""
    wanted = args.sprint.name.strip().casefold()
    for raw in sprints:
        sprint = sprint_info(raw)
        if sprint.status == "planned" and sprint.name.strip().casefold() == wanted:
            raise InvalidStateError(
                f"group {args.group_id} already has a planned sprint '{sprint.name}' "
                f"(id {sprint.id}); nothing was written: move tasks into it with task_update, "
                "or plan under another name",
                method=SPRINT_ADD,
            )


async def _create_sprint(ctx: RunContext, args: SprintPlanInput) -> int:
    fields: dict[str, Any] = {
        "groupId": args.group_id,
        "name": args.sprint.name,
        "dateStart": args.sprint.date_start,
        "dateEnd": args.sprint.date_end,
        "status": "planned",
    }
    if args.sprint.goal:
        fields["goal"] = args.sprint.goal
    body = with_creator({"fields": fields}, await ctx.client.acting_user_id())
    answer = await ctx.client.call(SPRINT_ADD, body, write=True)
    sprint_id = as_int(as_dict(answer.result).get("id"))
    if sprint_id is None:
        raise Bitrix24Error("sprint.add did not answer the new sprint's id", method=SPRINT_ADD)
    return sprint_id


async def _move(reader: Reader, sprint_id: int, taken: list[Card]) -> list[MoveOutcome]:
    if not taken:
        return []
    r = Round()
    for c in taken:
        r.call(f"t{c.id}", TASK_UPDATE, {"id": c.id, "fields": {"entityId": sprint_id}})
    answers = await reader.send(r, write=True)
    return [_outcome(answers, c.id) for c in taken]


def _outcome(answers: Answers, task_id: int) -> MoveOutcome:
    error = answers.failed(f"t{task_id}")
    if error is not None:
        hint = "; it may have moved: check with task_get" if error.maybe_applied else ""
        return MoveOutcome(task_id=task_id, ok=False, error=f"{error.description}{hint}")
    value: Any = answers.values.get(f"t{task_id}")
    if value is True or (isinstance(value, dict) and not as_dict(value).get("errors")):
        return MoveOutcome(task_id=task_id, ok=True)
    return MoveOutcome(task_id=task_id, ok=False, error=f"the portal answered {value!r}")
