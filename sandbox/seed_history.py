# pyright: strict
"""The demo portal's sprint history: Mobile App 2.0 (group 12) mid-way through its third sprint.

The workbench tools answer questions about a team's sprints: what is on the board, how the
burndown goes, what the velocity is. Those need a past, so group 12 gets two completed
sprints and an active one, as the portal's own services would have left them:

- Sprint 24 and 25 are completed: their finished tasks stay in them, closed on a given day;
  each left one task unfinished, which `SprintService::completeSprint` moved on (125 into
  sprint 25, 128 back to the backlog) while its card stayed on the old board
  (`b_tasks_task_stage` is not cleaned up), exactly what `sprint.complete` does here.
- Sprint 26 is active with a card in every column, an unestimated task, and two done.
- The backlog gains unestimated items and one too big for a sprint.

Unlike the rest of the seed, these dates are relative to the moment the portal is seeded
(the active sprint started three days before it), so the demo always shows a sprint in
progress; everything else (ids, titles, points, which day a task closed) is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitrix24_scrum_mcp.sandbox.store import Store

DAY = 86400
SPRINT_DAYS = 14

GROUP_ID = 12
BACKLOG_ID = 22
FIRST_SPRINT_ID, SECOND_SPRINT_ID, ACTIVE_SPRINT_ID = 24, 25, 26
ACTIVE_SPRINT_STARTED_DAYS_AGO = 3
STAGES = (("New", "NEW", "00C4FB"), ("In Progress", "WORK", "47D1E2"), ("Done", "FINISH", "75D900"))
TASK_COMPLETED, TASK_PENDING, TASK_IN_PROGRESS = 5, 2, 3


@dataclass(frozen=True, slots=True)
class SprintSeed:
    id: int
    name: str
    goal: str
    starts_days_ago: int
    status: str


SPRINTS = (
    SprintSeed(FIRST_SPRINT_ID, "Mobile Sprint 1", "A crash-free first run", 31, "completed"),
    SprintSeed(SECOND_SPRINT_ID, "Mobile Sprint 2", "Order history on the phone", 17, "completed"),
    SprintSeed(ACTIVE_SPRINT_ID, "Mobile Sprint 3", "Reorder in two taps", 3, "active"),
)


@dataclass(frozen=True, slots=True)
class TaskSeed:
    id: int
    title: str
    epic: int
    points: str
    responsible: int
    entity: int
    """Where its item is now: a sprint or the backlog."""
    board: tuple[int, str] | None = None
    """(sprint, stage type): its card, on that sprint's board."""
    closed_day: int | None = None
    """Day of its sprint (from 0) on which it was completed."""
    status: int = TASK_PENDING


TASKS = (
    # Sprint 1: four done, 125 carried over into sprint 2.
    TaskSeed(121, "Splash screen with the new logo", 34, "3", 5, 24, (24, "FINISH"), 2),
    TaskSeed(122, "Send crash reports to the backend", 35, "5", 2, 24, (24, "FINISH"), 6),
    TaskSeed(123, "Sign in with an e-mail link", 34, "8", 2, 24, (24, "FINISH"), 11),
    TaskSeed(124, "Settings screen layout", 34, "3", 5, 24, (24, "FINISH"), 9),
    TaskSeed(125, "Sync the cart between devices", 35, "8", 2, 25, (25, "FINISH"), 4),
    # Sprint 2: four done, 128 carried over to the backlog.
    TaskSeed(126, "Order history list", 35, "5", 2, 25, (25, "FINISH"), 8),
    TaskSeed(127, "Pull to refresh everywhere", 34, "2", 5, 25, (25, "FINISH"), 3),
    TaskSeed(128, "Translate the app into German", 34, "5", 5, BACKLOG_ID, (25, "WORK")),
    TaskSeed(129, "Accessibility labels on the cart", 34, "3", 5, 25, (25, "FINISH"), 12),
    # Sprint 3, active: a card in every column, one unestimated.
    TaskSeed(130, "Reorder button on past orders", 34, "5", 2, 26, (26, "WORK"), None, 3),
    TaskSeed(131, "Reorder confirmation sheet", 34, "3", 5, 26, (26, "NEW")),
    TaskSeed(132, "Track reorder events", 35, "2", 2, 26, (26, "FINISH"), 1),
    TaskSeed(133, "Empty state when there are no past orders", 34, "", 5, 26, (26, "NEW")),
    TaskSeed(134, "API: reorder endpoint", 35, "8", 2, 26, (26, "WORK"), None, 3),
    TaskSeed(135, "Fix: stale prices when reordering", 35, "3", 2, 26, (26, "FINISH"), 2),
    # The backlog: two unestimated items and one too big for a sprint.
    TaskSeed(136, "Home screen widget", 34, "", 5, BACKLOG_ID),
    TaskSeed(137, "Tablet layout", 34, "", 2, BACKLOG_ID),
    TaskSeed(138, "Rewrite navigation on the new UI toolkit", 35, "21", 2, BACKLOG_ID),
)


def seed_history(store: Store, now: float) -> None:
    """Add group 12's sprints, boards and their tasks (called by `seed_demo`)."""
    today = int(now // DAY) * DAY + 7 * 3600  # 07:00 UTC, 10:00 in Moscow: a working morning
    starts = {s.id: today - s.starts_days_ago * DAY for s in SPRINTS}
    for position, sprint in enumerate(SPRINTS, start=1):
        start = starts[sprint.id]
        active = sprint.status == "active"
        store.insert(
            "entities",
            {
                "id": sprint.id,
                "group_id": GROUP_ID,
                "entity_type": "sprint",
                "name": sprint.name,
                "goal": sprint.goal,
                "sort": position if active else 0,  # portal: complete writes sort 0
                "created_by": 2,
                "modified_by": 2,
                "date_start": start,
                # portal: `sprint.complete` rewrites the end date to the moment it ran.
                "date_end": start + SPRINT_DAYS * DAY - (0 if active else 3600),
                "status": sprint.status,
            },
        )
    stage_ids = _stages(store)
    sorts: dict[int, int] = {}
    for index, task in enumerate(TASKS):
        _task(store, task, index, starts, stage_ids, sorts)


def _stages(store: Store) -> dict[tuple[int, str], int]:
    ids: dict[tuple[int, str], int] = {}
    for sprint in SPRINTS:
        for position, (name, kind, color) in enumerate(STAGES, start=1):
            ids[(sprint.id, kind)] = store.insert(
                "stages",
                {
                    "sprint_id": sprint.id,
                    "name": name,
                    "type": kind,
                    "sort": position * 100,
                    "color": color,
                },
            )
    return ids


def _task(
    store: Store,
    task: TaskSeed,
    index: int,
    starts: dict[int, int],
    stage_ids: dict[tuple[int, str], int],
    sorts: dict[int, int],
) -> None:
    first_sprint = task.board[0] if task.board else ACTIVE_SPRINT_ID
    created = starts[FIRST_SPRINT_ID] - DAY + index * 600
    closed = 0
    status = task.status
    if task.closed_day is not None:
        closed = starts[task.entity] + task.closed_day * DAY + 6 * 3600
        status = TASK_COMPLETED
    stage_id = stage_ids[task.board] if task.board else 0
    store.insert(
        "tasks",
        {
            "id": task.id,
            "title": task.title,
            "group_id": GROUP_ID,
            "created_by": 2 if first_sprint != ACTIVE_SPRINT_ID else 1,
            "responsible_id": task.responsible,
            "status": status,
            "stage_id": stage_id,
            "created_date": created,
            "changed_date": closed or created,
            "closed_date": closed,
        },
    )
    if task.board:
        store.insert("task_stages", {"task_id": task.id, "stage_id": stage_id})
    sorts[task.entity] = sorts.get(task.entity, 0) + 1
    store.insert(
        "items",
        {
            "entity_id": task.entity,
            "task_id": task.id,
            "epic_id": task.epic,
            # Behind the seeded backlog items (1024 .. 8192), in this order.
            "sort_float": (8 + sorts[task.entity]) * 1024.0,
            "story_points": task.points,
            "created_by": 2,
            "modified_by": 2,
        },
    )
