"""Per-tool example calls on the seeded sandbox: one entry per tool, used by every test that
runs all tools (results key by key, faults, invalid input).

`CASES` is what a new tool needs: the steps that make one successful call of it on a fresh
sandbox (earlier steps set the portal up). `REFUSED` and `EMPTY` add the failure and empty
answers where the portal has them.
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.json_types import is_object

GROUP, BACKLOG, SPRINT, EPIC, TASK = 11, 21, 23, 31, 104
TEAM, ACTIVE_SPRINT, DONE_SPRINT = 12, 26, 25  # group 12 has a sprint history
DATES = {"dateStart": "2024-10-01T09:00:00+03:00", "dateEnd": "2024-10-15T09:00:00+03:00"}
START = ("sprint_start", {"id": SPRINT})
NEW_TASK = ("tasks_task_add", {"fields": {"TITLE": "Spare", "RESPONSIBLE_ID": 2, "GROUP_ID": 12}})

# tool -> steps; the last step is the call under test, the others set the portal up.
Step = tuple[str, dict[str, Any]]
CASES: dict[str, list[Step]] = {
    "scrum_overview": [("scrum_overview", {"groupId": TEAM})],
    "backlog_items": [("backlog_items", {"groupId": TEAM, "limit": 5})],
    "sprint_board": [("sprint_board", {"groupId": TEAM})],
    "board_move": [("board_move", {"taskId": 131, "stage": "in progress"})],
    "sprint_plan": [("sprint_plan", {"groupId": TEAM, "capacity": 13, "sprint": {"name": "Mobile Sprint 4", **DATES}, "apply": True})],
    "sprint_report": [("sprint_report", {"sprintId": DONE_SPRINT})],
    "backlog_add": [("backlog_add", {"fields": {"groupId": 13, "createdBy": 1}})],
    "backlog_update": [("backlog_update", {"id": BACKLOG, "fields": {"modifiedBy": 3}})],
    "backlog_get": [("backlog_get", {"id": GROUP})],
    "backlog_delete": [
        ("backlog_add", {"fields": {"groupId": 13, "createdBy": 1}}),
        ("backlog_delete", {"id": "$id"}),
    ],
    "backlog_get_fields": [("backlog_get_fields", {})],
    "sprint_add": [("sprint_add", {"fields": {"groupId": GROUP, "name": "S2", "status": "planned", **DATES}})],
    "sprint_update": [("sprint_update", {"id": SPRINT, "fields": {"name": "Sprint One"}})],
    "sprint_start": [START],
    "sprint_complete": [START, ("sprint_complete", {"id": GROUP})],
    "sprint_get": [("sprint_get", {"id": SPRINT})],
    "sprint_list": [("sprint_list", {"filter": {"GROUP_ID": GROUP}, "order": {"ID": "desc"}})],
    "sprint_delete": [
        ("sprint_add", {"fields": {"groupId": GROUP, "name": "Tmp", "status": "planned", **DATES}}),
        ("sprint_delete", {"id": "$id"}),
    ],
    "sprint_get_fields": [("sprint_get_fields", {})],
    "epic_add": [("epic_add", {"fields": {"name": "Search", "groupId": GROUP, "color": "#69dafc"}})],
    "epic_update": [("epic_update", {"id": EPIC, "fields": {"name": "Payments+", "groupId": GROUP}})],
    "epic_get": [("epic_get", {"id": EPIC})],
    "epic_list": [("epic_list", {"filter": {"GROUP_ID": GROUP, "%NAME": "Pay"}, "select": ["ID", "NAME"]})],
    "epic_delete": [("epic_delete", {"id": 33})],
    "epic_get_fields": [("epic_get_fields", {})],
    "kanban_add_stage": [START, ("kanban_add_stage", {"fields": {"sprintId": SPRINT, "name": "Review", "type": "WORK", "sort": 400}})],
    "kanban_update_stage": [START, ("kanban_get_stages", {"sprintId": SPRINT}), ("kanban_update_stage", {"stageId": "$items.0.id", "fields": {"name": "To do"}})],
    "kanban_get_stages": [START, ("kanban_get_stages", {"sprintId": SPRINT})],
    "kanban_delete_stage": [START, ("kanban_add_stage", {"fields": {"sprintId": SPRINT, "name": "Tmp", "type": "WORK", "sort": 900}}), ("kanban_delete_stage", {"stageId": "$result"})],
    "kanban_add_task": [START, ("kanban_get_stages", {"sprintId": SPRINT}), ("kanban_add_task", {"sprintId": SPRINT, "taskId": 101, "stageId": "$items.1.id"})],
    "kanban_delete_task": [START, ("kanban_delete_task", {"sprintId": SPRINT, "taskId": 101})],
    "kanban_get_fields": [("kanban_get_fields", {})],
    "task_update": [("task_update", {"id": TASK, "fields": {"entityId": SPRINT, "storyPoints": "5", "epicId": EPIC}})],
    "task_get": [("task_get", {"id": TASK})],
    "task_get_fields": [("task_get_fields", {})],
    "tasks_task_add": [NEW_TASK],
    "tasks_task_get": [("tasks_task_get", {"taskId": TASK})],
    "tasks_task_list": [("tasks_task_list", {"filter": {"GROUP_ID": GROUP}, "select": ["ID", "TITLE", "STATUS"]})],
    "workgroup_list": [("workgroup_list", {"select": ["ID", "NAME", "TYPE", "SCRUM_MASTER_ID"]})],
    "sonet_group_get": [("sonet_group_get", {"ORDER": {"NAME": "ASC"}})],
    "user_current": [("user_current", {})],
    "scrum_batch": [("scrum_batch", {"calls": [{"tool": "task_get", "arguments": {"id": TASK}}, {"tool": "sprint_get", "arguments": {"id": SPRINT}}]})],
}  # fmt: skip

# tool -> arguments the sandbox refuses, as a portal would (not found, duplicate, ...)
MISSING = 99_999
REFUSED: dict[str, dict[str, Any]] = {
    "scrum_overview": {"groupId": MISSING},
    "backlog_items": {"groupId": MISSING},
    "sprint_board": {"sprintId": MISSING},
    "board_move": {"taskId": MISSING, "stage": "Done"},
    "sprint_plan": {"groupId": MISSING, "capacity": 5, "sprint": {"name": "S", **DATES}},
    "sprint_report": {"sprintId": MISSING},
    "backlog_add": {"fields": {"groupId": GROUP, "createdBy": 1}},
    "backlog_update": {"id": MISSING, "fields": {"modifiedBy": 3}},
    "backlog_get": {"id": MISSING},
    "backlog_delete": {"id": MISSING},
    "sprint_add": {"fields": {"groupId": MISSING, "name": "S", "status": "planned", **DATES}},
    "sprint_update": {"id": MISSING, "fields": {"name": "x"}},
    "sprint_start": {"id": MISSING},
    "sprint_complete": {"id": GROUP},
    "sprint_get": {"id": MISSING},
    "sprint_delete": {"id": MISSING},
    "epic_add": {"fields": {"name": "E", "groupId": MISSING}},
    "epic_update": {"id": MISSING, "fields": {"name": "E", "groupId": GROUP}},
    "epic_get": {"id": MISSING},
    "epic_delete": {"id": MISSING},
    "kanban_add_stage": {"fields": {"sprintId": MISSING, "name": "R"}},
    "kanban_update_stage": {"stageId": MISSING, "fields": {"name": "x"}},
    "kanban_get_stages": {"sprintId": MISSING},
    "kanban_delete_stage": {"stageId": MISSING},
    "kanban_add_task": {"sprintId": MISSING, "taskId": 101, "stageId": 1},
    "kanban_delete_task": {"sprintId": MISSING, "taskId": 101},
    "task_update": {"id": MISSING, "fields": {"storyPoints": "1"}},
    "task_get": {"id": MISSING},
    "tasks_task_add": {"fields": {"TITLE": "x", "RESPONSIBLE_ID": MISSING}},
}
# tool -> arguments with an empty or bare answer: `[]` for a task not found, empty lists
EMPTY: dict[str, dict[str, Any]] = {
    "backlog_items": {"groupId": TEAM, "start": 400},
    "tasks_task_get": {"taskId": MISSING},
    "sprint_list": {"filter": {"GROUP_ID": MISSING}},
    "epic_list": {"filter": {"GROUP_ID": MISSING}, "limit": 500},
    "tasks_task_list": {"filter": {"GROUP_ID": MISSING}, "start": -1},
    "workgroup_list": {"filter": {"ID": MISSING}},
    "sonet_group_get": {"GROUP_ID": MISSING},
}


def resolve(value: Any, previous: dict[str, Any]) -> Any:
    """`$id`, `$result`, `$items.0.id`: values taken from the previous step's answer."""
    if is_object(value):
        return {k: resolve(v, previous) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        found: Any = previous
        for part in value[1:].split("."):
            found = found[int(part)] if part.isdigit() else found[part]
        return int(found)
    return value


_PLACEHOLDERS: dict[str, Any] = {"id": 1, "result": 1, "items": [{"id": 1}] * 2}


def example_arguments(tool: str) -> dict[str, Any]:
    """Valid arguments for `tool` (its case's last step, earlier answers made up)."""
    return resolve(CASES[tool][-1][1], _PLACEHOLDERS)
