# pyright: strict
"""Domain reads and writes shared by the handlers: users, groups, Scrum entities, kanban.

The rules that several methods share live here once: who may read a group's tasks, who
may start or complete a sprint, which sprint is active, how items move between entities
and how a task is put on or taken off a sprint's kanban.

Kanban placement is two things on a portal, and the sandbox keeps both:
- `task_stages` is `b_tasks_task_stage`, the (task, stage) relation the sprint kanban is
  drawn from (`tasks.task.list` filter `STAGES_ID` joins it);
- `tasks.stage_id` is the column `b_tasks.STAGE_ID` (`stageId` in `tasks.task.get`,
  filter `STAGE_ID`), which the kanban *service* writes alongside the relation (sprint
  start, sprint complete, `task.stages.movetask`) and `kanban.deleteTask` resets to 0,
  but REST `kanban.addTask` and `tasks.api.scrum.task.update` never touch.
"""

from __future__ import annotations

from collections.abc import Sequence

from bitrix24_scrum_mcp.sandbox.store import Row, Store

BACKLOG = "backlog"
SPRINT = "sprint"
PLANNED, ACTIVE, COMPLETED = "planned", "active", "completed"
SPRINT_STATUSES = (ACTIVE, PLANNED, COMPLETED)
TASK_COMPLETED = 5
TASK_PENDING = 2
OWNER, MODERATOR, MEMBER = "A", "E", "K"  # SONET_ROLES_OWNER / _MODERATOR / _USER
DEFAULT_SORT = 1024.0  # portal: ItemForm::DEFAULT_SORT_VALUE, the step between item sorts

# The stages a sprint's kanban gets when no completed sprint exists to copy from.
# portal: KanbanService::generateKanbanStages; the titles are localised (English guessed).
DEFAULT_STAGES = (
    ("New", "NEW", "00C4FB"),
    ("In Progress", "WORK", "47D1E2"),
    ("Done", "FINISH", "75D900"),
)
DEFAULT_STAGE_TITLES = {kind: name for name, kind, _ in DEFAULT_STAGES}
DEFAULT_STAGE_COLOR = "47D1E2"  # portal: StagesTable::DEF_COLOR_STAGE


def user_exists(store: Store, user_id: int) -> bool:
    return store.one("SELECT id FROM users WHERE id = ?", (user_id,)) is not None


def get_user(store: Store, user_id: int) -> Row | None:
    return store.one("SELECT * FROM users WHERE id = ?", (user_id,))


def is_admin(store: Store, user_id: int) -> bool:
    user = get_user(store, user_id)
    return bool(user is not None and user["is_admin"])


def get_group(store: Store, group_id: int) -> Row | None:
    return store.one("SELECT * FROM groups WHERE id = ?", (group_id,))


def role_in_group(store: Store, user_id: int, group_id: int) -> str | None:
    row = store.one(
        "SELECT role FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
    )
    return None if row is None else str(row["role"])


def can_read_group(store: Store, user_id: int, group_id: int) -> bool:
    """`Group::canReadGroupTasks`: group members, and portal admins, may read its tasks; a
    group that does not exist has no tasks feature, so nobody may (admins included)."""
    if get_group(store, group_id) is None:
        return False
    return is_admin(store, user_id) or role_in_group(store, user_id, group_id) is not None


def can_run_sprints(store: Store, user_id: int, group_id: int) -> bool:
    """`SprintService::canStartSprint` / `canCompleteSprint`: the group's owner or a
    moderator, or an admin; a plain member may not."""
    if not user_id:
        return False
    return role_in_group(store, user_id, group_id) in (OWNER, MODERATOR) or is_admin(store, user_id)


def readable_group_ids(store: Store, user_id: int) -> list[int]:
    """Every group an admin may read, or the caller's groups (task visibility)."""
    if is_admin(store, user_id):
        return [row["id"] for row in store.all("SELECT id FROM groups")]
    return member_group_ids(store, user_id)


def member_group_ids(store: Store, user_id: int) -> list[int]:
    """The caller's groups. portal: the Scrum lists inner-join `b_sonet_user2group` on the
    caller, so they show only these, admins included."""
    rows = store.all("SELECT group_id FROM group_members WHERE user_id = ?", (user_id,))
    return [row["group_id"] for row in rows]


def get_entity(store: Store, entity_id: int) -> Row | None:
    """`getEntityById` / `getSprintById`: a backlog or a sprint, whatever its type."""
    return store.one("SELECT * FROM entities WHERE id = ?", (entity_id,))


def get_sprint(store: Store, sprint_id: int) -> Row | None:
    """An entity that is a sprint (the controllers that check `getEntityType()`)."""
    return store.one("SELECT * FROM entities WHERE id = ? AND entity_type = ?", (sprint_id, SPRINT))


def get_backlog(store: Store, backlog_id: int) -> Row | None:
    return store.one(
        "SELECT * FROM entities WHERE id = ? AND entity_type = ?", (backlog_id, BACKLOG)
    )


def get_backlog_by_group(store: Store, group_id: int) -> Row | None:
    return store.one(
        "SELECT * FROM entities WHERE group_id = ? AND entity_type = ? ORDER BY id LIMIT 1",
        (group_id, BACKLOG),
    )


def get_active_sprint(store: Store, group_id: int) -> Row | None:
    return store.one(
        "SELECT * FROM entities WHERE group_id = ? AND entity_type = ? AND status = ? "
        "ORDER BY id LIMIT 1",
        (group_id, SPRINT, ACTIVE),
    )


def items_of_entity(store: Store, entity_id: int) -> list[Row]:
    return store.all(
        "SELECT * FROM items WHERE entity_id = ? ORDER BY sort_float, id DESC", (entity_id,)
    )


def item_ids_of_entity(store: Store, entity_id: int) -> list[int]:
    return [int(row["id"]) for row in items_of_entity(store, entity_id)]


def item_by_task(store: Store, task_id: int) -> Row | None:
    return store.one("SELECT * FROM items WHERE task_id = ?", (task_id,))


def first_item_sort(store: Store) -> float:
    """`ItemService::getFirstItemSort`: the smallest sort of any item (all groups)."""
    value = store.scalar("SELECT MIN(sort_float) FROM items")
    return DEFAULT_SORT if value is None else float(value)


def move_items(store: Store, item_ids: Sequence[int], entity_id: int) -> None:
    """`ItemService::moveItemsToEntity`: the items go to the top of the target entity, in
    their order, and the target's sorts are renumbered 1024, 2048, ...; the kanban is not
    touched."""
    if not item_ids:
        return
    first = first_item_sort(store)
    count = len(item_ids)
    for index, item_id in enumerate(item_ids):
        store.run(
            "UPDATE items SET entity_id = ?, sort_float = ? WHERE id = ?",
            (entity_id, first / (2 * (count - index)), item_id),
        )
    for position, item_id in enumerate(item_ids_of_entity(store, entity_id), start=1):
        store.run(
            "UPDATE items SET sort_float = ? WHERE id = ?", (position * DEFAULT_SORT, item_id)
        )


def get_epic(store: Store, epic_id: int) -> Row | None:
    return store.one("SELECT * FROM epics WHERE id = ?", (epic_id,))


def get_task(store: Store, task_id: int) -> Row | None:
    return store.one("SELECT * FROM tasks WHERE id = ?", (task_id,))


def subtask_ids(store: Store, group_id: int, task_id: int) -> list[int]:
    """`TaskService::getSubTaskIds`: the task's subtasks in the same group."""
    rows = store.all(
        "SELECT id FROM tasks WHERE parent_id = ? AND group_id = ? ORDER BY id", (task_id, group_id)
    )
    return [int(row["id"]) for row in rows]


def get_stage(store: Store, stage_id: int) -> Row | None:
    return store.one("SELECT * FROM stages WHERE id = ?", (stage_id,))


def stages_of_sprint(store: Store, sprint_id: int) -> list[Row]:
    return store.all("SELECT * FROM stages WHERE sprint_id = ? ORDER BY sort, id", (sprint_id,))


def stage_of_type(store: Store, sprint_id: int, kind: str) -> Row | None:
    for stage in stages_of_sprint(store, sprint_id):
        if stage["type"] == kind:
            return stage
    return None


def add_relation(store: Store, task_id: int, stage_id: int) -> None:
    """`TaskStageService::upsert`: the (task, stage) relation, and nothing else.

    portal: REST `kanban.addTask` does only this, so a task it "moves" keeps its relation
    to its previous stage (it then sits in two columns) and its `STAGE_ID` column."""
    store.run(
        "INSERT OR IGNORE INTO task_stages (task_id, stage_id) VALUES (?, ?)", (task_id, stage_id)
    )


def remove_from_kanban(store: Store, sprint_id: int, task_id: int) -> None:
    """`KanbanService::removeTasksFromKanban`: drop the task's relations to this sprint's
    stages and, when there was one, reset its `STAGE_ID` column to 0."""
    removed = store.one(
        "SELECT 1 FROM task_stages WHERE task_id = ? AND stage_id IN "
        "(SELECT id FROM stages WHERE sprint_id = ?)",
        (task_id, sprint_id),
    )
    if removed is None:
        return
    store.run(
        "DELETE FROM task_stages WHERE task_id = ? AND stage_id IN "
        "(SELECT id FROM stages WHERE sprint_id = ?)",
        (task_id, sprint_id),
    )
    store.run("UPDATE tasks SET stage_id = 0 WHERE id = ?", (task_id,))


def put_on_stage(store: Store, sprint_id: int, task_id: int, stage_id: int) -> None:
    """The kanban service's placement (sprint start, sprint complete, movetask): off every
    stage of the sprint, onto this one, and the `STAGE_ID` column follows."""
    remove_from_kanban(store, sprint_id, task_id)
    add_relation(store, task_id, stage_id)
    store.run("UPDATE tasks SET stage_id = ? WHERE id = ?", (stage_id, task_id))


def move_relation(store: Store, sprint_id: int, task_id: int, stage_id: int) -> bool:
    """`TaskStageService::move` of the task's first relation on the sprint's board (other
    relations stay), and the `STAGE_ID` column; False when the task had none."""
    row = store.one(
        "SELECT ts.rowid AS rid FROM task_stages ts JOIN stages s ON s.id = ts.stage_id "
        "WHERE ts.task_id = ? AND s.sprint_id = ? ORDER BY ts.rowid LIMIT 1",
        (task_id, sprint_id),
    )
    if row is None:
        return False
    store.run("DELETE FROM task_stages WHERE rowid = ?", (row["rid"],))
    add_relation(store, task_id, stage_id)
    store.run("UPDATE tasks SET stage_id = ? WHERE id = ?", (stage_id, task_id))
    return True


def stage_of_task(store: Store, sprint_id: int, task_id: int) -> Row | None:
    return store.one(
        "SELECT s.* FROM stages s JOIN task_stages ts ON ts.stage_id = s.id "
        "WHERE s.sprint_id = ? AND ts.task_id = ? ORDER BY s.sort, s.id",
        (sprint_id, task_id),
    )


def last_completed_sprint_id(store: Store, sprint: Row) -> int:
    """`KanbanService::getLastCompletedSprintIdSameGroup`: by end date."""
    row = store.one(
        "SELECT id FROM entities WHERE group_id = ? AND entity_type = ? AND status = ? "
        "ORDER BY date_end DESC, id DESC LIMIT 1",
        (sprint["group_id"], SPRINT, COMPLETED),
    )
    return 0 if row is None else int(row["id"])


def create_sprint_stages(store: Store, sprint_id: int, last_sprint_id: int) -> None:
    """`KanbanService::createSprintStages`: the last completed sprint's stages (title,
    type, colour), else the defaults; sorts 100, 200, ..."""
    template = stages_of_sprint(store, last_sprint_id) if last_sprint_id else []
    rows = [(s["name"], s["type"], s["color"]) for s in template] if template else DEFAULT_STAGES
    for position, (name, kind, color) in enumerate(rows, start=1):
        store.insert(
            "stages",
            {
                "sprint_id": sprint_id,
                "name": name,
                "type": kind,
                "sort": position * 100,
                "color": color,
            },
        )


def stage_map(store: Store, sprint_id: int, last_sprint_id: int) -> dict[int, int]:
    """`getStageIdsMapBetweenTwoSprints`: last sprint's stage → this sprint's stage of the
    same title and type, only when both sprints have as many stages."""
    current = stages_of_sprint(store, sprint_id)
    previous = stages_of_sprint(store, last_sprint_id)
    if len(current) != len(previous):
        return {}
    return {
        int(old["id"]): int(new["id"])
        for new in current
        for old in previous
        if old["name"] == new["name"] and old["type"] == new["type"]
    }
