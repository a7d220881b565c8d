# pyright: strict
"""The workbench: tools for the jobs people ask an assistant to do, in one call each.

Each composes the one-to-one REST methods (never replacing their tools) and sends its
reads in as few `batch` requests as the portal allows (reads.py); each answers an object
of our own with a closed schema (models.py). They form the `workflow` toolset.
"""

from __future__ import annotations

from bitrix24_scrum_mcp.tools.results import OwnResult
from bitrix24_scrum_mcp.tools.spec import ToolSpec
from bitrix24_scrum_mcp.tools.workbench.backlog import BacklogItemsInput, backlog_items
from bitrix24_scrum_mcp.tools.workbench.models import (
    BacklogPage,
    Board,
    Move,
    Overview,
    Plan,
    Report,
)
from bitrix24_scrum_mcp.tools.workbench.move import BoardMoveInput, board_move
from bitrix24_scrum_mcp.tools.workbench.overview import OverviewInput, scrum_overview
from bitrix24_scrum_mcp.tools.workbench.plan import SprintPlanInput, sprint_plan
from bitrix24_scrum_mcp.tools.workbench.report import SprintReportInput, sprint_report
from bitrix24_scrum_mcp.tools.workbench.sprint_board import SprintBoardInput, sprint_board

TOOLSET = "workflow"

WRITES_ONLY_WHEN_APPLIED = frozenset({"sprint_plan"})
"""Rows that write only when called with `apply: true` and are a read otherwise: the audit
records only their applied calls, and a confirmation asks their dry run what to say."""

TOOLS = (
    ToolSpec(
        method="tasks.api.scrum.sprint.list",
        name_override="scrum_overview",
        toolset=TOOLSET,
        title="Scrum overview",
        description="What is going on in a Scrum team: its backlog (items, points), the active "
        "sprint (dates, days left, goal) with its board column by column, planned sprints and "
        "epics. Start here for questions about a team.",
        input=OverviewInput,
        result=OwnResult(Overview),
        run=scrum_overview,
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.backlog.get",
        name_override="backlog_items",
        toolset=TOOLSET,
        title="Backlog items",
        description="A Scrum's backlog in backlog order (top first): title, story points, epic, "
        "responsible, status; totals over the whole backlog. Paged by start/limit.",
        input=BacklogItemsInput,
        result=OwnResult(BacklogPage),
        run=backlog_items,
        read_only=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.kanban.getStages",
        name_override="sprint_board",
        toolset=TOOLSET,
        title="Sprint board",
        description="A sprint's Kanban: each column with its cards (title, points, responsible, "
        "epic) and totals. Give sprintId, or groupId for the group's active sprint.",
        input=SprintBoardInput,
        result=OwnResult(Board),
        run=sprint_board,
        read_only=True,
    ),
    ToolSpec(
        method="task.stages.movetask",
        name_override="board_move",
        toolset=TOOLSET,
        title="Move card on the board",
        description="Move a task to a column of its active sprint's board, by column id or name "
        "(any case, e.g. 'in progress'). A FINISH column completes the task; moving it off "
        "reopens it. Answers the card's column now.",
        input=BoardMoveInput,
        result=OwnResult(Move),
        run=board_move,
        idempotent=True,
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.add",
        name_override="sprint_plan",
        toolset=TOOLSET,
        title="Plan a sprint",
        description="Fill a new sprint from the backlog, in backlog order, up to a story-point "
        "capacity; says what it skipped (unestimated, too big). A dry run unless apply=true, "
        "which creates the planned sprint and moves the tasks, reporting each move.",
        input=SprintPlanInput,
        result=OwnResult(Plan),
        run=sprint_plan,
    ),
    ToolSpec(
        method="tasks.api.scrum.sprint.get",
        name_override="sprint_report",
        toolset=TOOLSET,
        title="Sprint report",
        description="A sprint's committed and completed points, per column and person, what it "
        "carried over, a daily burndown and the team's velocity over its last completed "
        "sprints, with the approximations named.",
        input=SprintReportInput,
        result=OwnResult(Report),
        run=sprint_report,
        read_only=True,
    ),
)
