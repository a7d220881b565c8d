# pyright: strict
"""The Scrum ceremonies as MCP prompts: one table row each, one renderer for all.

A prompt is what a person picks from the client's menu ("/daily_standup 12"); it becomes a
user message telling the model which tools to call (the workbench first, each answering in
one call) and what shape the answer takes. Arguments arrive as strings (MCP prompt
arguments are strings); ids are checked here and a bad one is a -32602 protocol error,
as is an unknown prompt.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from mcp import MCPError
from mcp.types import (
    INVALID_PARAMS,
    GetPromptResult,
    ListPromptsResult,
    Prompt,
    PromptArgument,
    PromptMessage,
    TextContent,
)

_CALL = re.compile(r"\b([a-z][a-z_]*)\(")
GROUP = PromptArgument(name="groupId", description="Scrum group id", required=True)
SPRINT_OPTIONAL = PromptArgument(
    name="sprintId", description="Sprint id (default: the active sprint)", required=False
)
SPRINT_LAST = PromptArgument(
    name="sprintId", description="Sprint id (default: the last completed sprint)", required=False
)
CAPACITY = PromptArgument(
    name="capacity", description="Story points the team can take (default: velocity)"
)


@dataclass(frozen=True, slots=True)
class Ceremony:
    """One prompt: its arguments and its text, with `{group}`, `{sprint}`, `{board}`,
    `{report}` and `{capacity}` filled by `_render`."""

    name: str
    title: str
    description: str
    arguments: tuple[PromptArgument, ...]
    text: str

    @property
    def tools(self) -> frozenset[str]:
        """The tools its text tells the model to call, whichever arguments are given."""
        variants = [{"groupId": "1"}]
        if any(a.name == "sprintId" for a in self.arguments):
            variants.append({"groupId": "1", "sprintId": "1"})
        return frozenset(name for v in variants for name in _CALL.findall(_render(self, v)))

    def listed(self) -> Prompt:
        return Prompt(
            name=self.name,
            title=self.title,
            description=self.description,
            arguments=list(self.arguments),
        )


CEREMONIES: tuple[Ceremony, ...] = (
    Ceremony(
        name="plan_sprint",
        title="Plan the next sprint",
        description="Propose the next sprint from the backlog, a dry run first",
        arguments=(GROUP, CAPACITY),
        text="""\
Help me plan the next sprint of Scrum {group}.
1. Call scrum_overview(groupId={group}) for the active and planned sprints and the epics,
   and backlog_items(groupId={group}, limit=500) for the backlog in order.
2. Capacity: {capacity}
3. Call sprint_plan(groupId={group}, capacity=..., sprint={{name, dateStart, dateEnd}}) as a
   dry run (no apply). Never pass apply=true before I have agreed to the plan.
Answer with: the proposed sprint (name, dates, a one-sentence goal); a table of the tasks
taken (id, title, points, epic); total points against capacity; what was skipped and why
(unestimated, too big); then at most three questions for me.""",
    ),
    Ceremony(
        name="daily_standup",
        title="Daily stand-up",
        description="Where the sprint stands today, person by person",
        arguments=(GROUP, SPRINT_OPTIONAL),
        text="""\
Prepare today's stand-up for Scrum {group}, {sprint}.
1. Call sprint_board({board}) for the columns and cards.
2. Call sprint_report(sprintId={report}) for the burndown.
Answer in at most 15 lines: one line on the sprint (days left, points done of committed,
burndown ahead of or behind the ideal line); then per person: in progress, done, next;
then risks: unestimated cards, cards off the board, too much in progress at once.""",
    ),
    Ceremony(
        name="sprint_review",
        title="Sprint review",
        description="What the sprint delivered against what it committed",
        arguments=(GROUP, SPRINT_OPTIONAL),
        text="""\
Prepare the sprint review of Scrum {group}, {sprint}.
1. Call sprint_board({board}) for the finished cards' titles and owners.
2. Call sprint_report(sprintId={report}).
Answer with: the sprint goal and whether it was met; committed and completed points;
a list of what was completed (id, title, owner); what carries over and why it matters;
velocity against the team's average; a suggested order for the demo.""",
    ),
    Ceremony(
        name="retrospective",
        title="Sprint retrospective",
        description="Facts from the sprint's data to start the retrospective",
        arguments=(GROUP, SPRINT_LAST),
        text="""\
Prepare the retrospective of Scrum {group}, {sprint}.
1. The sprint: {find}
2. Call sprint_report(sprintId={report}) for the burndown, carry-over, per-person load
   and velocity.
Answer with facts first, opinions after: what went well and what did not, each backed by
a number from the report (burndown shape, carried-over points, unestimated tasks, load per
person); then three open questions for the team and at most three concrete actions.""",
    ),
    Ceremony(
        name="groom_backlog",
        title="Groom the backlog",
        description="Find what in the backlog needs an estimate, a split or an epic",
        arguments=(GROUP,),
        text="""\
Help me groom the backlog of Scrum {group}.
1. Call backlog_items(groupId={group}, limit=500) for the backlog in order with totals.
2. Call scrum_overview(groupId={group}) for the epics and the active sprint's size.
Answer with: items without an estimate; items too big for one sprint (more than half the
active sprint's points); items without an epic; titles that look like duplicates; and a
proposed new order of the top ten. Change nothing: list the task_update calls you would
make and wait for my go-ahead.""",
    ),
)
BY_NAME = {c.name: c for c in CEREMONIES}


def _positive_id(name: str, raw: str | None) -> int | None:
    """A prompt argument as an id: None when absent; -32602 when not a positive integer."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.isdigit() or int(text) < 1:
        raise MCPError(INVALID_PARAMS, f"{name} must be a positive integer id, not {text[:40]!r}")
    return int(text)


def _render(ceremony: Ceremony, arguments: dict[str, str]) -> str:
    group = _positive_id("groupId", arguments.get("groupId"))
    if group is None:
        raise MCPError(INVALID_PARAMS, f"prompt {ceremony.name} needs groupId")
    sprint = _positive_id("sprintId", arguments.get("sprintId"))
    capacity = _positive_id("capacity", arguments.get("capacity"))
    last = ceremony.name == "retrospective"
    fills: dict[str, Any] = {
        "group": group,
        "sprint": f"sprint {sprint}"
        if sprint
        else ("its last completed sprint" if last else "its active sprint"),
        "board": f"sprintId={sprint}" if sprint else f"groupId={group}",
        "report": sprint or ("its id" if last else "the sprint.id that sprint_board answered"),
        "find": f"{sprint}."
        if sprint
        else f"call scrum_overview(groupId={group}); its lastCompletedSprint is the one.",
        "capacity": f"{capacity} story points."
        if capacity
        else "propose one from the team's averageVelocity, in sprint_report(sprintId=...) of "
        "its last completed sprint, and say so.",
    }
    return ceremony.text.format(**fills)


class Prompts:
    """The ceremonies whose tools are all offered: `--read-only` has no `plan_sprint`
    (it applies with `sprint_plan`), and a prompt never names a tool the client lacks."""

    def __init__(self, offered: Collection[str]) -> None:
        self.by_name = {c.name: c for c in CEREMONIES if c.tools <= set(offered)}
        self.listing = ListPromptsResult(prompts=[c.listed() for c in self.by_name.values()])

    async def list(self, *_args: Any) -> ListPromptsResult:
        return self.listing

    def get(self, name: str, arguments: dict[str, str] | None) -> GetPromptResult:
        """The ceremony's instruction as one user message.

        Raises:
            MCPError: -32602 for an unknown prompt, a missing groupId or an id that is not one.
        """
        ceremony = self.by_name.get(name)
        if ceremony is None:
            raise MCPError(INVALID_PARAMS, f"unknown prompt '{name[:60]}'")
        known = {a.name for a in ceremony.arguments}
        extra = sorted(set(arguments or {}) - known)
        if extra:
            raise MCPError(INVALID_PARAMS, f"prompt {name} takes no argument {', '.join(extra)}")
        text = _render(ceremony, arguments or {})
        return GetPromptResult(
            description=ceremony.description,
            messages=[PromptMessage(role="user", content=TextContent(type="text", text=text))],
        )
