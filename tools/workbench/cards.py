# pyright: strict
"""Tasks as cards: a `tasks.task.list` row joined with its Scrum item (`task.get`).

A portal keeps a task's title, responsible and status in the task module and its story
points, epic and order in the Scrum item, so every card is two answers. Both are read in
bulk by the callers (one list, one batched `task.get` per task); this module only joins
them and reads the portal's loosely typed values (ids as strings, points as free text).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, cast

from bitrix24_scrum_mcp.tools.workbench.models import Card, Totals
from bitrix24_scrum_mcp.tools.workbench.reads import Answers, Round

TASK_LIST = "tasks.task.list"
TASK_SELECT = ("ID", "TITLE", "RESPONSIBLE_ID", "STATUS", "CLOSED_DATE")
TASK_COMPLETED = 5
STATUSES = {
    1: "new",
    2: "pending",
    3: "in progress",
    4: "awaiting review",
    5: "completed",
    6: "deferred",
    7: "declined",
}


def as_dict(value: Any) -> dict[str, Any]:
    """A portal object, or `{}` for anything else (`[]` is PHP's empty object)."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def as_int(value: Any) -> int | None:
    """A portal id (`"135"`, `135`), or None for anything else (`""`, `null`, `"0"`)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number > 0 else None


def parse_points(raw: Any) -> int | float | None:
    """Story points as a number, or None: `""` (not estimated) or text such as `"XL"`.

    portal: the Scrum item keeps `storyPoints` as free text; its UI sums the numeric ones.
    """
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(value) if value.is_integer() else value


def tasks_list(r: Round, key: str, task_filter: Mapping[str, Any]) -> str:
    """Ask for every task matching `task_filter`, with what a card shows."""
    params = {"filter": dict(task_filter), "select": list(TASK_SELECT), "order": {"ID": "asc"}}
    return r.list(key, TASK_LIST, params, items_key="tasks")


def item_key(task_id: int) -> str:
    return f"item{task_id}"


def ask_items(r: Round, task_ids: Iterable[int]) -> None:
    """Ask for the Scrum item (points, epic, order) of every task."""
    for task_id in task_ids:
        r.call(item_key(task_id), "tasks.api.scrum.task.get", {"id": task_id})


def item_of(answers: Answers, task_id: int) -> dict[str, Any]:
    """The task's Scrum item; `{}` when it has none (it left Scrum) or could not be read."""
    key = item_key(task_id)
    if answers.failed(key) is not None:
        return {}
    value = answers.values.get(key)
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def task_ids(rows: Iterable[Any]) -> list[int]:
    ids = (as_int(cast(dict[str, Any], row).get("id")) for row in rows if isinstance(row, dict))
    return [task_id for task_id in ids if task_id is not None]


def by_id(rows: Iterable[Any]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict):
            task = cast(dict[str, Any], row)
            task_id = as_int(task.get("id"))
            if task_id is not None:
                out[task_id] = task
    return out


def is_completed(task: Mapping[str, Any]) -> bool:
    return as_int(task.get("status")) == TASK_COMPLETED


def card(task: Mapping[str, Any], item: Mapping[str, Any], epics: Mapping[int, str]) -> Card:
    raw_points = item.get("storyPoints")
    points = parse_points(raw_points)
    estimate = str(raw_points).strip() if raw_points not in (None, "") else None
    epic_id = as_int(item.get("epicId"))
    responsible: Any = task.get("responsible")
    name = (
        str(cast(dict[str, Any], responsible).get("name") or "").strip() or None
        if isinstance(responsible, dict)
        else None
    )
    status = as_int(task.get("status"))
    return Card(
        id=as_int(task.get("id")) or 0,
        title=str(task.get("title") or ""),
        points=points,
        estimate=estimate if points is None else None,
        responsible_id=as_int(task.get("responsibleId")),
        responsible=name,
        epic_id=epic_id,
        epic=epics.get(epic_id) if epic_id is not None else None,
        status=STATUSES.get(status or 0, str(task.get("status") or "unknown")),
    )


def totals(cards: Iterable[Card]) -> Totals:
    shown = list(cards)
    points = sum(c.points for c in shown if c.points is not None)
    return Totals(
        tasks=len(shown),
        points=tidy(points),
        unestimated=[c.id for c in shown if c.points is None],
    )


def tidy(value: float) -> int | float:
    """A sum of points as the model reads it best: `13`, `6.5`, never `13.000000001`."""
    rounded = round(value, 2)
    return int(rounded) if float(rounded).is_integer() else rounded


def epic_names(rows: Iterable[Any]) -> dict[int, str]:
    names: dict[int, str] = {}
    for row in rows:
        if isinstance(row, dict):
            epic = cast(dict[str, Any], row)
            epic_id = as_int(epic.get("id"))
            if epic_id is not None:
                names[epic_id] = str(epic.get("name") or "")
    return names
