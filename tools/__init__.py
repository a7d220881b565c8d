# pyright: strict
"""The spec table: every tool this server can offer, grouped into toolsets.

`ALL_TOOLS` is the one list; `select()` applies `--toolsets` and `--read-only`. Read-only
mode keeps exactly the rows marked `read_only`, so there is no second list to keep in step.
Out of the box a server offers the `default` profile (`DEFAULT_TOOLS`), not every row:
assistants choose worse as the list grows, and people run several servers at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from bitrix24_scrum_mcp.tools import (
    backlog,
    bulk,
    epic,
    groups,
    kanban,
    sprint,
    task,
    tasks,
    users,
    workbench,
)
from bitrix24_scrum_mcp.tools.spec import ToolSpec, tool_name

TOOLSETS: dict[str, str] = {
    "workflow": "Job-level tools: team overview, backlog, sprint board, move a card, plan, report",
    "backlog": "Scrum backlogs (tasks.api.scrum.backlog.*)",
    "sprint": "Sprints: plan, start, complete (tasks.api.scrum.sprint.*)",
    "epic": "Epics (tasks.api.scrum.epic.*)",
    "kanban": "The active sprint's Kanban (tasks.api.scrum.kanban.*)",
    "task": "A task's Scrum attributes: backlog/sprint, points, epic (tasks.api.scrum.task.*)",
    "tasks": "Create, read and list tasks (tasks.task.add/get/list)",
    "groups": "Find Scrums and workgroups (socialnetwork.api.workgroup.list, sonet_group.get)",
    "users": "The current user (user.current)",
    "bulk": "Many calls in batch requests (scrum_batch)",
}

ALL_TOOLS: tuple[ToolSpec, ...] = (
    *workbench.TOOLS,
    *backlog.TOOLS,
    *sprint.TOOLS,
    *epic.TOOLS,
    *kanban.TOOLS,
    *task.TOOLS,
    *tasks.TOOLS,
    *groups.TOOLS,
    *users.TOOLS,
    *bulk.TOOLS,
)


DEFAULT_TOOLS: frozenset[str] = frozenset(
    {
        # The jobs (bench/jobs.py) in one call each.
        *(spec.name for spec in workbench.TOOLS),
        # Every job starts from a group id, and the workbench takes one.
        "workgroup_list",
        # The writes a team's week needs beside the workbench's plan and move: start the
        # planned sprint, close the finished one (bench/jobs.py "close sprint"), rename it
        # or set its goal and dates.
        "sprint_start",
        "sprint_complete",
        "sprint_update",
        # Grooming: new stories, their estimate, epic and place (backlog or sprint), new
        # epics, and one task's full text, which the workbench's cards leave out.
        "tasks_task_add",
        "task_update",
        "tasks_task_get",
        "epic_add",
        # "My tasks" needs to know who "my" is.
        "user_current",
        # Many of the writes above in one request instead of a model turn each.
        "scrum_batch",
    }
)
"""The `default` profile: what an assistant needs for a Scrum team's week, at most 25 tools.

Left out, one toolset away: reads the workbench already answers in one call (backlog_get,
sprint_get/list, kanban_get_stages, epic_list, tasks_task_list), the field descriptions
(`*_get_fields`), deletes, and the kanban stage editor.
"""

PROFILES: dict[str, str] = {
    "default": "The workbench and the one-to-one tools a Scrum team's week needs (16 tools)",
    "all": "Every tool",
}
"""Names that `--toolsets` accepts besides the toolsets: they compose with them."""


class UnknownToolsetError(ValueError):
    pass


def select(
    toolsets: Iterable[str] | None = None, *, read_only: bool = False
) -> tuple[ToolSpec, ...]:
    """The rows to register, in table order: the default profile unless toolsets are named.

    Names compose: `default,kanban` is the default profile and the kanban toolset, `all` is
    every toolset; `read_only` then keeps only the reads.
    """
    wanted = set(toolsets) if toolsets else {"default"}
    unknown = wanted - set(TOOLSETS) - set(PROFILES)
    if unknown:
        raise UnknownToolsetError(
            f"unknown toolset(s): {', '.join(sorted(unknown))}; available: "
            f"{', '.join([*PROFILES, *TOOLSETS])}"
        )
    everything = "all" in wanted
    default = "default" in wanted
    return tuple(
        spec
        for spec in ALL_TOOLS
        if (everything or spec.toolset in wanted or (default and spec.name in DEFAULT_TOOLS))
        and (spec.read_only or not read_only)
    )


def _check_table() -> None:
    names = [spec.name for spec in ALL_TOOLS]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate tool names: {duplicates}")
    if missing := DEFAULT_TOOLS - set(names):
        raise RuntimeError(f"DEFAULT_TOOLS names tools that do not exist: {missing}")


_check_table()

__all__ = [
    "ALL_TOOLS",
    "DEFAULT_TOOLS",
    "PROFILES",
    "TOOLSETS",
    "ToolSpec",
    "select",
    "tool_name",
]
