# pyright: strict
"""The spec table: every tool this server can offer, grouped into toolsets.

`ALL_TOOLS` is the one list; `select()` applies `--toolsets` and `--read-only`. Read-only
mode keeps exactly the rows marked `read_only`, so there is no second list to keep in step.
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


class UnknownToolsetError(ValueError):
    pass


def select(
    toolsets: Iterable[str] | None = None, *, read_only: bool = False
) -> tuple[ToolSpec, ...]:
    """The rows to register: all, or those of the named toolsets; only reads if read_only."""
    wanted = set(toolsets) if toolsets else set(TOOLSETS)
    unknown = wanted - set(TOOLSETS)
    if unknown:
        raise UnknownToolsetError(
            f"unknown toolset(s): {', '.join(sorted(unknown))}; available: {', '.join(TOOLSETS)}"
        )
    return tuple(
        spec for spec in ALL_TOOLS if spec.toolset in wanted and (spec.read_only or not read_only)
    )


def _check_unique() -> None:
    names = [spec.name for spec in ALL_TOOLS]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate tool names: {duplicates}")


_check_unique()

__all__ = ["ALL_TOOLS", "TOOLSETS", "ToolSpec", "select", "tool_name"]
