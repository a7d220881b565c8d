"""Every tool against the sandbox over loopback HTTP: it succeeds, and its answer matches
the tool's own outputSchema the way a TypeScript-SDK client would check it."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.schema import output_schema
from tests.helpers import mcp_session
from tests.live_sandbox import LiveSandbox

pytestmark = pytest.mark.anyio

GROUP, BACKLOG, SPRINT, EPIC, TASK = 11, 21, 23, 31, 104
DATES = {"dateStart": "2024-10-01T09:00:00+03:00", "dateEnd": "2024-10-15T09:00:00+03:00"}
START = ("sprint_start", {"id": SPRINT})
NEW_TASK = ("tasks_task_add", {"fields": {"TITLE": "Spare", "RESPONSIBLE_ID": 2, "GROUP_ID": 12}})

# tool -> steps; the last step is the call under test, the others set the portal up.
Step = tuple[str, dict[str, Any]]
CASES: dict[str, list[Step]] = {
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

SPECS = {spec.name: spec for spec in ALL_TOOLS}


def _resolve(value: Any, previous: dict[str, Any]) -> Any:
    """`$id`, `$result`, `$items.0.id`: values taken from the previous step's answer."""
    if isinstance(value, dict):
        return {k: _resolve(v, previous) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        found: Any = previous
        for part in value[1:].split("."):
            found = found[int(part)] if part.isdigit() else found[part]
        return int(found)
    return value


def test_every_tool_has_a_sandbox_case() -> None:
    assert set(CASES) == set(SPECS)


@pytest.mark.parametrize("tool", sorted(CASES))
async def test_tool_succeeds_on_the_sandbox_and_matches_its_output_schema(
    sandbox: LiveSandbox, tool: str
) -> None:
    previous: dict[str, Any] = {}
    async with mcp_session(sandbox.webhook_url) as (session, _):
        for name, arguments in CASES[tool]:
            result = await session.call_tool(name, _resolve(arguments, previous))
            assert not result.is_error, (name, result.content)
            assert result.structured_content is not None
            previous = result.structured_content
            jsonschema.validate(previous, output_schema(SPECS[name]))
    if tool == "scrum_batch":
        assert previous["succeeded"] == 2
