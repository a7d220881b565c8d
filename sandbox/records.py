"""Domain reads and writes shared by the handlers: users, groups, Scrum entities, kanban.

The rules that several methods share live here once: who may read a group's tasks,
which sprint is active, how a task is put on or taken off a sprint's kanban, and the
default stages a started sprint gets.
"""

from __future__ import annotations

from bitrix24_scrum_mcp.sandbox.store import Row, Store

BACKLOG = "backlog"
SPRINT = "sprint"
PLANNED, ACTIVE, COMPLETED = "planned", "active", "completed"
SPRINT_STATUSES = (ACTIVE, PLANNED, COMPLETED)
TASK_COMPLETED = 5

# The stages a sprint's kanban gets when no completed sprint exists to copy from.
DEFAULT_STAGES = (
    ("New", "NEW", 100, "00C4FB"),
    ("In Progress", "WORK", 200, "47D1E2"),
    ("Done", "FINISH", 300, "75D900"),
)


def user_exists(store: Store, user_id: int) -> bool:
    return store.one("SELECT id FROM users WHERE id = ?", (user_id,)) is not None


def get_user(store: Store, user_id: int) -> Row | None:
    return store.one("SELECT * FROM users WHERE id = ?", (user_id,))


def get_group(store: Store, group_id: int) -> Row | None:
    return store.one("SELECT * FROM groups WHERE id = ?", (group_id,))


def can_read_group(store: Store, user_id: int, group_id: int) -> bool:
    """`Group::canReadGroupTasks`: group members, and portal admins, may read its tasks."""
    if get_group(store, group_id) is None:
        return False
    user = get_user(store, user_id)
    if user is not None and user["is_admin"]:
        return True
    member = store.one(
        "SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
    )
    return member is not None


def readable_group_ids(store: Store, user_id: int) -> list[int]:
    user = get_user(store, user_id)
    if user is not None and user["is_admin"]:
        return [row["id"] for row in store.all("SELECT id FROM groups")]
    rows = store.all("SELECT group_id FROM group_members WHERE user_id = ?", (user_id,))
    return [row["group_id"] for row in rows]


def get_entity(store: Store, entity_id: int) -> Row | None:
    return store.one("SELECT * FROM entities WHERE id = ?", (entity_id,))


def get_sprint(store: Store, sprint_id: int) -> Row | None:
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


def item_ids_of_entity(store: Store, entity_id: int) -> list[int]:
    rows = store.all("SELECT id FROM items WHERE entity_id = ? ORDER BY id", (entity_id,))
    return [row["id"] for row in rows]


def item_by_task(store: Store, task_id: int) -> Row | None:
    return store.one("SELECT * FROM items WHERE task_id = ?", (task_id,))


def get_epic(store: Store, epic_id: int) -> Row | None:
    return store.one("SELECT * FROM epics WHERE id = ?", (epic_id,))


def get_task(store: Store, task_id: int) -> Row | None:
    return store.one("SELECT * FROM tasks WHERE id = ?", (task_id,))


def get_stage(store: Store, stage_id: int) -> Row | None:
    return store.one("SELECT * FROM stages WHERE id = ?", (stage_id,))


def stages_of_sprint(store: Store, sprint_id: int) -> list[Row]:
    return store.all("SELECT * FROM stages WHERE sprint_id = ? ORDER BY sort, id", (sprint_id,))


def place_on_kanban(
    store: Store, sprint_id: int, task_id: int, stage_id: int | None = None
) -> None:
    """Put a task on one stage of a sprint's kanban (the NEW stage unless one is named)."""
    if stage_id is None:
        stages = stages_of_sprint(store, sprint_id)
        new = [s for s in stages if s["type"] == "NEW"] or stages
        if not new:
            return
        stage_id = int(new[0]["id"])
    remove_from_kanban(store, sprint_id, task_id)
    store.run(
        "INSERT OR IGNORE INTO task_stages (task_id, stage_id) VALUES (?, ?)", (task_id, stage_id)
    )


def remove_from_kanban(store: Store, sprint_id: int, task_id: int) -> None:
    store.run(
        "DELETE FROM task_stages WHERE task_id = ? AND stage_id IN "
        "(SELECT id FROM stages WHERE sprint_id = ?)",
        (task_id, sprint_id),
    )


def stage_of_task(store: Store, sprint_id: int, task_id: int) -> Row | None:
    return store.one(
        "SELECT s.* FROM stages s JOIN task_stages ts ON ts.stage_id = s.id "
        "WHERE s.sprint_id = ? AND ts.task_id = ?",
        (sprint_id, task_id),
    )


def create_kanban(store: Store, sprint: Row) -> None:
    """Give a starting sprint its stages: copied from the last completed sprint, else defaults."""
    previous = store.one(
        "SELECT id FROM entities WHERE group_id = ? AND entity_type = ? AND status = ? "
        "AND id != ? ORDER BY date_end DESC, id DESC LIMIT 1",
        (sprint["group_id"], SPRINT, COMPLETED, sprint["id"]),
    )
    template = stages_of_sprint(store, int(previous["id"])) if previous is not None else []
    if stages_of_sprint(store, int(sprint["id"])):
        return
    rows = (
        [(s["name"], s["type"], s["sort"], s["color"]) for s in template]
        if template
        else list(DEFAULT_STAGES)
    )
    for name, kind, sort, color in rows:
        store.insert(
            "stages",
            {"sprint_id": sprint["id"], "name": name, "type": kind, "sort": sort, "color": color},
        )


def move_item(store: Store, item: Row, entity_id: int) -> None:
    """Move a Scrum item to another backlog/sprint, keeping an active sprint's kanban in step."""
    old = get_entity(store, int(item["entity_id"]))
    new = get_entity(store, entity_id)
    task_id = int(item["task_id"])
    if old is not None and old["entity_type"] == SPRINT and old["id"] != entity_id:
        remove_from_kanban(store, int(old["id"]), task_id)
    store.run("UPDATE items SET entity_id = ? WHERE id = ?", (entity_id, item["id"]))
    if new is not None and new["entity_type"] == SPRINT and new["status"] == ACTIVE:
        if stage_of_task(store, entity_id, task_id) is None:
            place_on_kanban(store, entity_id, task_id)
