"""Every error a controller records, produced over HTTP as a portal puts it on the wire.

One row per controller error. What reaches the wire is the gateway's decision
(`RestManager::processMethodRequest`): an action that returns null after recording an
error gets HTTP 400 `{"error": "0", "error_description": ...}` (codes are JSON strings,
and there is no `time`); one that returns something else (`false` from the kanban writes,
`[]` from the lists and the deletes' last step) gets that as a success and the message is
dropped. Internal failures a portal only meets when its database fails are produced
through the `FaultConfig.force_errors` hook. The last test checks that every error the
docs list is either one of these rows or named in `NEVER_SENT` with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from sbx_support import HOOK, MEMBER_HOOK, OUTSIDER_HOOK, call, result

from bitrix24_scrum_mcp.json_types import is_object
from bitrix24_scrum_mcp.sandbox import FaultConfig, Portal
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_BACKLOG_ID,
    DEMO_EPIC_ONBOARDING_ID,
    DEMO_EPIC_PAYMENTS_ID,
    DEMO_PLAIN_GROUP_ID,
    DEMO_PLAIN_TASK_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
)
from tests.spec_source import methods

pytestmark = pytest.mark.anyio

S = "tasks.api.scrum."
G, PLAIN, B, SP = DEMO_SCRUM_GROUP_ID, DEMO_PLAIN_GROUP_ID, DEMO_BACKLOG_ID, DEMO_SPRINT_ID
EPIC = DEMO_EPIC_PAYMENTS_ID
VALID_SPRINT = {
    "groupId": G,
    "name": "Sprint 2",
    "createdBy": 1,
    "status": "planned",
    "dateStart": "2024-10-01T00:00:00+03:00",
    "dateEnd": "2024-10-14T00:00:00+03:00",
}
Setup = Callable[[httpx2.AsyncClient, Portal], Awaitable[dict[str, Any]]]


async def _started(client: httpx2.AsyncClient, portal: Portal) -> dict[str, Any]:
    """Start the demo sprint: its kanban gets NEW (holding 3 tasks), WORK and FINISH stages."""
    await result(client, S + "sprint.start", {"id": SP})
    stages = await result(client, S + "kanban.getStages", {"sprintId": SP})
    by_type = {s["type"]: int(s["id"]) for s in stages}
    return {"$NEW": by_type["NEW"], "$WORK": by_type["WORK"]}


async def _empty_backlog(client: httpx2.AsyncClient, portal: Portal) -> dict[str, Any]:
    backlog = await result(
        client, S + "backlog.add", {"fields": {"groupId": PLAIN, "createdBy": 1}}
    )
    return {"$EMPTY_BACKLOG": backlog["id"]}


async def _second_active(client: httpx2.AsyncClient, portal: Portal) -> dict[str, Any]:
    await result(client, S + "sprint.add", {"fields": {**VALID_SPRINT, "status": "active"}})
    return {}


async def _sprint_without_backlog(client: httpx2.AsyncClient, portal: Portal) -> dict[str, Any]:
    group = portal.add_group("No backlog", scrum_master_id=1, with_backlog=False)
    sprint = await result(client, S + "sprint.add", {"fields": {**VALID_SPRINT, "groupId": group}})
    task = await result(
        client, "tasks.task.add", {"fields": {"TITLE": "t", "RESPONSIBLE_ID": 1, "GROUP_ID": group}}
    )
    await result(
        client,
        S + "task.update",
        {"id": int(task["task"]["id"]), "fields": {"entityId": sprint["id"], "createdBy": 1}},
    )
    return {"$SPRINT": sprint["id"]}


async def _plain_task_in_backlog(client: httpx2.AsyncClient, portal: Portal) -> dict[str, Any]:
    backlog = await result(
        client, S + "backlog.add", {"fields": {"groupId": PLAIN, "createdBy": 1}}
    )
    return {"$PLAIN_BACKLOG": backlog["id"]}


ERROR = object()
"""`Case.answer` for a reported error: HTTP 400 `{"error": code, "error_description": message}`."""


@dataclass
class Case:
    method: str
    message: str
    params: dict[str, Any]
    code: str = "0"
    setup: Setup | None = None
    hook: str = HOOK
    force: bool = False
    answer: Any = ERROR  # what the portal answers instead, when the action drops the error
    sent: str = field(default="abc")  # what `{stringValue}` stands for in the message

    @property
    def id(self) -> str:
        return f"{self.method.removeprefix(S)}:{self.message[:40]}"


def _binding(method: str, param: str, kind: str, params: dict[str, Any]) -> list[Case]:
    """The binder's two errors for one parameter (portal: a trailing period, always)."""
    return [
        Case(
            method,
            f"Could not find value for parameter {{{param}}}",
            {k: v for k, v in params.items() if k != param},
            code="100",
        ),
        Case(
            method,
            f"Invalid value {{stringValue}} to match with parameter {{{param}}}. "
            f"Should be value of type {kind}.",
            {**params, param: "abc"},
            code="100",
        ),
    ]


def _dropped(method: str, message: str, params: dict[str, Any], **kw: Any) -> Case:
    """A kanban write's error: recorded, then `return false` → HTTP 200 `{"result": false}`."""
    return Case(S + method, message, params, answer=False, **kw)


TASK_IN_GROUP = {"sprintId": SP, "taskId": 101}
CASES: list[Case] = [
    # backlog.add
    Case(S + "backlog.add", "Group id not found", {"fields": {"createdBy": 1}}),
    Case(S + "backlog.add", "Backlog already added", {"fields": {"groupId": G, "createdBy": 1}}),
    Case(S + "backlog.add", "Access denied", {"fields": {"groupId": G}}, hook=OUTSIDER_HOOK),
    Case(
        S + "backlog.add",
        "createdBy user not found",
        {"fields": {"groupId": PLAIN, "createdBy": 999}},
    ),
    Case(
        S + "backlog.add",
        "modifiedBy user not found",
        {"fields": {"groupId": PLAIN, "modifiedBy": 999}},
    ),
    # portal: without createdBy the creator stays 0 and the save throws.
    Case(S + "backlog.add", "Unable to add backlog", {"fields": {"groupId": PLAIN}}),
    # backlog.update
    Case(
        S + "backlog.update", "Could not find value for parameter {fields}", {"id": B}, code="100"
    ),
    Case(S + "backlog.update", "Backlog id not found", {"id": 0, "fields": {}}),
    Case(S + "backlog.update", "Backlog not found", {"id": 999, "fields": {}}),
    Case(S + "backlog.update", "Backlog not found", {"id": SP, "fields": {}}),  # a sprint id
    Case(S + "backlog.update", "Access denied", {"id": B, "fields": {}}, hook=OUTSIDER_HOOK),
    Case(
        S + "backlog.update",
        "It is forbidden move a backlog with items",
        {"id": B, "fields": {"groupId": PLAIN}},
    ),
    Case(
        S + "backlog.update",
        "The target group already has a backlog",
        {"id": "$EMPTY_BACKLOG", "fields": {"groupId": G}},
        setup=_empty_backlog,
    ),
    Case(S + "backlog.update", "createdBy user not found", {"id": B, "fields": {"createdBy": 999}}),
    Case(
        S + "backlog.update", "modifiedBy user not found", {"id": B, "fields": {"modifiedBy": 999}}
    ),
    Case(S + "backlog.update", "Unable to update backlog", {"id": B, "fields": {}}, force=True),
    # backlog.get (id is the GROUP id)
    Case(S + "backlog.get", "Group id not found", {"id": 0}),
    Case(S + "backlog.get", "Backlog not found", {"id": PLAIN}),
    Case(S + "backlog.get", "Access denied", {"id": G}, hook=OUTSIDER_HOOK),
    # backlog.delete
    Case(S + "backlog.delete", "Backlog id not found", {"id": 0}),
    Case(S + "backlog.delete", "Backlog not found", {"id": 999}),
    Case(S + "backlog.delete", "Access denied", {"id": B}, hook=OUTSIDER_HOOK),
    Case(S + "backlog.delete", "It is forbidden remove a backlog with items", {"id": B}),
    Case(
        S + "backlog.delete",
        "Backlog not deleted",
        {"id": "$EMPTY_BACKLOG"},
        setup=_empty_backlog,
        force=True,
        answer=[],
    ),
    # epic.add: createdBy is checked first, then the group, the name and access.
    Case(
        S + "epic.add", "Access denied", {"fields": {"name": "E", "groupId": G}}, hook=OUTSIDER_HOOK
    ),
    Case(S + "epic.add", "Access denied", {"fields": {"name": "E", "groupId": 999}}),
    Case(S + "epic.add", "Epic not created", {"fields": {"name": "E" * 256, "groupId": G}}),
    Case(
        S + "epic.add",
        "Epic not created",
        {"fields": {"name": "E", "groupId": G, "color": "#" * 19}},
    ),
    Case(
        S + "epic.add",
        "Epic files not attached",
        {"fields": {"name": "E", "groupId": G, "files": ["n1"]}},
        force=True,
    ),
    Case(
        S + "epic.add",
        "createdBy user not found",
        {"fields": {"createdBy": 999}},
    ),
    Case(S + "epic.add", "Group id not found", {"fields": {"name": "E"}}),
    Case(S + "epic.add", "Group id not found", {"fields": {"name": "E", "groupId": "12abc"}}),
    Case(S + "epic.add", "Name not found", {"fields": {"groupId": G}}),
    Case(S + "epic.add", "Name not found", {"fields": {"groupId": G, "name": 123}}),
    # epic.update
    Case(
        S + "epic.update",
        "Access denied",
        {"id": EPIC, "fields": {"name": "x"}},
        hook=OUTSIDER_HOOK,
    ),
    Case(S + "epic.update", "Access denied", {"id": EPIC, "fields": {"groupId": 999}}),
    Case(S + "epic.update", "Epic not found", {"id": 999, "fields": {"name": "x"}}),
    Case(S + "epic.update", "Epic not found", {"id": 0, "fields": {"name": "x"}}),
    Case(S + "epic.update", "Epic not updated", {"id": EPIC, "fields": {"name": "x" * 256}}),
    Case(
        S + "epic.update",
        "Epic files not attached",
        {"id": EPIC, "fields": {"files": ["n2"]}},
        force=True,
    ),
    Case(S + "epic.update", "createdBy user not found", {"id": EPIC, "fields": {"createdBy": 999}}),
    Case(
        S + "epic.update", "modifiedBy user not found", {"id": EPIC, "fields": {"modifiedBy": 999}}
    ),
    *_binding(S + "epic.update", "id", "int", {"id": EPIC, "fields": {"name": "x"}}),
    *_binding(S + "epic.update", "fields", "array", {"id": EPIC, "fields": {"name": "x"}}),
    # epic.get / list / delete
    Case(S + "epic.get", "Access denied", {"id": EPIC}, hook=OUTSIDER_HOOK),
    Case(S + "epic.get", "Epic not found", {"id": 999}),
    *_binding(S + "epic.get", "id", "int", {"id": EPIC}),
    Case(S + "epic.list", "Could not load list", {"filter": {"NO_SUCH_FIELD": 1}}, answer=[]),
    Case(S + "epic.list", "Could not load list", {"order": {"ID": "sideways"}}, answer=[]),
    Case(
        S + "epic.list",
        "Invalid value {stringValue} to match with parameter {filter}. "
        "Should be value of type array.",
        {"filter": "GROUP_ID"},
        code="100",
        sent="GROUP_ID",
    ),
    Case(S + "epic.delete", "Access denied", {"id": EPIC}, hook=OUTSIDER_HOOK),
    Case(S + "epic.delete", "Epic not found", {"id": 999}),
    Case(S + "epic.delete", "Epic not deleted", {"id": EPIC}, force=True, answer=[]),
    *_binding(S + "epic.delete", "id", "int", {"id": EPIC}),
    # kanban.addStage (returns null on failure: reported)
    Case(S + "kanban.addStage", "Sprint id not found", {"fields": {"name": "QA"}}),
    Case(S + "kanban.addStage", "Sprint not found", {"fields": {"sprintId": 999, "name": "QA"}}),
    Case(
        S + "kanban.addStage",
        "Access denied",
        {"fields": {"sprintId": SP, "name": "QA"}},
        hook=OUTSIDER_HOOK,
    ),
    Case(S + "kanban.addStage", "Incorrect name format", {"fields": {"sprintId": SP}}),
    Case(
        S + "kanban.addStage",
        "System error",
        {"fields": {"sprintId": SP, "name": "QA"}},
        force=True,
    ),
    # kanban.updateStage (`: bool`: every failure is `{"result": false}`)
    _dropped("kanban.updateStage", "Stage id not found", {"stageId": 0, "fields": {}}),
    _dropped("kanban.updateStage", "Stage not found", {"stageId": 9999, "fields": {}}),
    _dropped(
        "kanban.updateStage",
        "Incorrect sprintId value",
        {"stageId": "$WORK", "fields": {"sprintId": 999}},
        setup=_started,
    ),
    _dropped(
        "kanban.updateStage",
        "Access denied",
        {"stageId": "$WORK", "fields": {"name": "x"}},
        setup=_started,
        hook=OUTSIDER_HOOK,
    ),
    _dropped(
        "kanban.updateStage",
        "System error",
        {"stageId": "$WORK", "fields": {"name": "x"}},
        setup=_started,
        force=True,
    ),
    *_binding(S + "kanban.updateStage", "stageId", "int", {"stageId": 1, "fields": {}}),
    # kanban.getStages
    Case(S + "kanban.getStages", "Sprint id not found", {"sprintId": 0}),
    Case(S + "kanban.getStages", "Sprint not found", {"sprintId": 999}),
    Case(S + "kanban.getStages", "Sprint not found", {"sprintId": B}),  # a backlog id
    Case(S + "kanban.getStages", "Access denied", {"sprintId": SP}, hook=OUTSIDER_HOOK),
    # kanban.deleteStage
    _dropped("kanban.deleteStage", "Stage id not found", {"stageId": 0}),
    _dropped("kanban.deleteStage", "Stage not found", {"stageId": 9999}),
    _dropped("kanban.deleteStage", "Stage has tasks", {"stageId": "$NEW"}, setup=_started),
    _dropped(
        "kanban.deleteStage",
        "Access denied",
        {"stageId": "$WORK"},
        setup=_started,
        hook=OUTSIDER_HOOK,
    ),
    _dropped(
        "kanban.deleteStage", "System error", {"stageId": "$WORK"}, setup=_started, force=True
    ),
    # kanban.addTask
    _dropped("kanban.addTask", "Sprint id not found", {"sprintId": 0, "taskId": 101, "stageId": 1}),
    _dropped("kanban.addTask", "Task id not found", {"sprintId": SP, "taskId": 0, "stageId": 1}),
    _dropped("kanban.addTask", "Stage id not found", {"sprintId": SP, "taskId": 101, "stageId": 0}),
    _dropped("kanban.addTask", "Sprint not found", {"sprintId": 999, "taskId": 101, "stageId": 1}),
    _dropped("kanban.addTask", "Stage not found", {"sprintId": SP, "taskId": 101, "stageId": 9999}),
    _dropped(
        "kanban.addTask",
        "Task not found. The task must be with GROUP_ID",
        {"sprintId": SP, "taskId": 112, "stageId": "$WORK"},
        setup=_started,
    ),
    _dropped(
        "kanban.addTask",
        "Access denied",
        {"sprintId": SP, "taskId": 101, "stageId": "$WORK"},
        setup=_started,
        hook=OUTSIDER_HOOK,
    ),
    _dropped(
        "kanban.addTask",
        "System error",
        {"sprintId": SP, "taskId": 101, "stageId": "$WORK"},
        setup=_started,
        force=True,
    ),
    *_binding(S + "kanban.addTask", "taskId", "int", {"sprintId": SP, "taskId": 1, "stageId": 1}),
    # kanban.deleteTask
    _dropped("kanban.deleteTask", "Sprint id not found", {"sprintId": 0, "taskId": 101}),
    _dropped("kanban.deleteTask", "Task id not found", {"sprintId": SP, "taskId": 0}),
    _dropped("kanban.deleteTask", "Sprint not found", {"sprintId": 999, "taskId": 101}),
    _dropped(
        "kanban.deleteTask",
        "Task not found. The task must be with GROUP_ID",
        {"sprintId": SP, "taskId": 112},
    ),
    _dropped("kanban.deleteTask", "Access denied", TASK_IN_GROUP, hook=OUTSIDER_HOOK),
    _dropped("kanban.deleteTask", "System error", TASK_IN_GROUP, force=True),
    # sprint.add
    Case(S + "sprint.add", "Group id not found", {"fields": {**VALID_SPRINT, "groupId": 0}}),
    Case(S + "sprint.add", "Access denied", {"fields": VALID_SPRINT}, hook=OUTSIDER_HOOK),
    Case(
        S + "sprint.add",
        "Unable to add sprint",
        {"fields": {k: v for k, v in VALID_SPRINT.items() if k != "createdBy"}},
    ),
    Case(S + "sprint.add", "Unable to add sprint", {"fields": {**VALID_SPRINT, "name": ""}}),
    Case(S + "sprint.add", "Unable to add sprint", {"fields": {**VALID_SPRINT, "name": "S" * 256}}),
    Case(
        S + "sprint.add",
        "Incorrect dateStart format",
        {"fields": {k: v for k, v in VALID_SPRINT.items() if k != "dateStart"}},
    ),
    Case(
        S + "sprint.add",
        "Incorrect dateEnd format",
        {"fields": {k: v for k, v in VALID_SPRINT.items() if k != "dateEnd"}},
    ),
    Case(S + "sprint.add", "Incorrect sprint status", {"fields": {**VALID_SPRINT, "status": "x"}}),
    Case(
        S + "sprint.add",
        "Unable to add two active sprint",
        {"fields": {**VALID_SPRINT, "status": "active"}},
        setup=_second_active,
    ),
    Case(
        S + "sprint.add", "createdBy user not found", {"fields": {**VALID_SPRINT, "createdBy": 999}}
    ),
    Case(
        S + "sprint.add",
        "modifiedBy user not found",
        {"fields": {**VALID_SPRINT, "modifiedBy": 999}},
    ),
    *_binding(S + "sprint.add", "fields", "array", {"fields": VALID_SPRINT}),
    # sprint.update
    Case(S + "sprint.update", "Sprint id not found", {"id": 0, "fields": {"name": "x"}}),
    Case(S + "sprint.update", "Sprint not found", {"id": B, "fields": {"name": "x"}}),
    Case(
        S + "sprint.update",
        "Access denied",
        {"id": SP, "fields": {"name": "x"}},
        hook=OUTSIDER_HOOK,
    ),
    Case(
        S + "sprint.update",
        "It is forbidden move a sprint with items",
        {"id": SP, "fields": {"groupId": PLAIN}},
    ),
    Case(S + "sprint.update", "Sprint not updated", {"id": SP, "fields": {"name": "x" * 256}}),
    Case(S + "sprint.update", "createdBy user not found", {"id": SP, "fields": {"createdBy": 999}}),
    Case(
        S + "sprint.update", "modifiedBy user not found", {"id": SP, "fields": {"modifiedBy": 999}}
    ),
    Case(
        S + "sprint.update",
        "Unable to add two active sprint",
        {"id": SP, "fields": {"status": "active"}},
        setup=_second_active,
    ),
    Case(
        S + "sprint.update",
        "Incorrect sprint status",
        {"id": SP, "fields": {"status": "running"}},
    ),
    *_binding(S + "sprint.update", "fields", "array", {"id": SP, "fields": {"name": "x"}}),
    # sprint.start / complete: the owner, a moderator or an admin only
    Case(S + "sprint.start", "Sprint id not found", {"id": 0}),
    Case(S + "sprint.start", "Sprint not found", {"id": 999}),
    Case(S + "sprint.start", "Sprint not found", {"id": B}),
    Case(S + "sprint.start", "Sprint must be planned", {"id": SP}, setup=_started),
    Case(S + "sprint.start", "Access denied", {"id": SP}, hook=OUTSIDER_HOOK),
    Case(S + "sprint.start", "Access denied", {"id": SP}, hook=MEMBER_HOOK),
    Case(S + "sprint.start", "Unable to start sprint", {"id": SP}, setup=_second_active),
    *_binding(S + "sprint.start", "id", "int", {"id": SP}),
    Case(S + "sprint.complete", "Group id not found", {"id": 0}),
    Case(S + "sprint.complete", "Sprint not found", {"id": G}),
    Case(S + "sprint.complete", "Access denied", {"id": G}, setup=_started, hook=OUTSIDER_HOOK),
    Case(S + "sprint.complete", "Access denied", {"id": G}, setup=_started, hook=MEMBER_HOOK),
    # portal: a failing completeSprint returns null with no error recorded.
    Case(
        S + "sprint.complete",
        "Unable to complete sprint",
        {"id": G},
        setup=_started,
        force=True,
        answer=None,
    ),
    *_binding(S + "sprint.complete", "id", "int", {"id": G}),
    Case(S + "sprint.get", "Sprint id not found", {"id": 0}),
    Case(S + "sprint.get", "Access denied", {"id": SP}, hook=OUTSIDER_HOOK),
    Case(S + "sprint.get", "Sprint not found", {"id": 999}),
    *_binding(S + "sprint.get", "id", "int", {"id": SP}),
    Case(S + "sprint.list", "Could not load list", {"filter": {"NO_SUCH_FIELD": 1}}, answer=[]),
    Case(S + "sprint.list", "Could not load list", {"filter": {"GOAL": "x"}}, answer=[]),
    Case(
        S + "sprint.list",
        "Cannot access offset of type string on string",
        {"filter": "GROUP_ID"},
    ),
    Case(S + "sprint.delete", "Access denied", {"id": SP}, hook=OUTSIDER_HOOK),
    Case(S + "sprint.delete", "Sprint not found", {"id": 999}),
    Case(S + "sprint.delete", "Sprint not found", {"id": 0}),
    Case(
        S + "sprint.delete",
        "It is forbidden remove a sprint with items",
        {"id": "$SPRINT"},
        setup=_sprint_without_backlog,
    ),
    Case(
        S + "sprint.delete", "Sprint items have not been moved to backlog", {"id": SP}, force=True
    ),
    Case(S + "sprint.delete", "Sprint not deleted", {"id": SP}, force=True, answer=[]),
    *_binding(S + "sprint.delete", "id", "int", {"id": SP}),
    # task.update
    Case(S + "task.update", "Task id not found", {"id": 0, "fields": {}}),
    Case(S + "task.update", "Access denied", {"id": 104, "fields": {"entityId": 999}}),
    Case(
        S + "task.update",
        "Access denied",
        {"id": 104, "fields": {"storyPoints": "1"}},
        hook=OUTSIDER_HOOK,
    ),
    Case(S + "task.update", "Entity id not found", {"id": DEMO_PLAIN_TASK_ID, "fields": {}}),
    Case(S + "task.update", "Task not found.", {"id": 9999, "fields": {"entityId": B}}),
    Case(
        S + "task.update",
        "Access denied",  # the task's group is not the entity's
        {"id": DEMO_PLAIN_TASK_ID, "fields": {"entityId": B, "createdBy": 1}},
    ),
    Case(
        S + "task.update",
        "createdBy user not found",
        {"id": DEMO_PLAIN_TASK_ID, "fields": {"entityId": "$PLAIN_BACKLOG", "createdBy": 999}},
        setup=_plain_task_in_backlog,
    ),
    Case(
        S + "task.update",
        "Item not created",
        {"id": DEMO_PLAIN_TASK_ID, "fields": {"entityId": "$PLAIN_BACKLOG"}},
        setup=_plain_task_in_backlog,
    ),
    Case(
        S + "task.update",
        "Epic not found",  # an epic of another group
        {"id": 104, "fields": {"epicId": DEMO_EPIC_ONBOARDING_ID}},
    ),
    Case(S + "task.update", "Unable to update task", {"id": 104, "fields": {}}, force=True),
    *_binding(S + "task.update", "fields", "array", {"id": 104, "fields": {}}),
    # task.get
    Case(S + "task.get", "Task id not found", {"id": 0}),
    Case(S + "task.get", "Task not found", {"id": 9999}),
    Case(S + "task.get", "Access denied", {"id": 101}, hook=OUTSIDER_HOOK),
    *_binding(S + "task.get", "id", "int", {"id": 101}),
]

# Documented errors no controller sends, each with the reason (the controller line read).
NEVER_SENT: dict[tuple[str, str], str] = {
    **{
        (S + m, "Unknown error"): "not a controller message; an exception carries PHP/SQL text"
        for m in (
            "backlog.add backlog.update backlog.get backlog.delete kanban.addStage "
            "kanban.updateStage kanban.getStages kanban.deleteStage kanban.addTask "
            "kanban.deleteTask"
        ).split()
    },
    (S + "epic.add", "modifiedBy user not found"): "Epic::addAction never reads modifiedBy",
    (S + "epic.add", "Group is not found"): 'Epic::addAction says "Group id not found"',
    (S + "epic.add", "Name is not found"): 'Epic::addAction says "Name not found"',
    (S + "kanban.addTask", "TaskId id not found"): 'Kanban::addTaskAction: "Task id not found"',
    (S + "kanban.addTask", "StageId id not found"): 'Kanban::addTaskAction: "Stage id not found"',
    (S + "kanban.deleteTask", "TaskId id not found"): 'deleteTaskAction: "Task id not found"',
    (S + "sprint.add", "Sprint not created"): 'Sprint::addAction: "Unable to add sprint"',
    (S + "sprint.update", "Sprint not created"): 'Sprint::updateAction: "Sprint not updated"',
    (S + "sprint.update", "Incorrect dateStart format"): (
        "Sprint::formatDateField returns ?int, so strtotime's false becomes 0 (1970-01-01)"
    ),
    (S + "sprint.update", "Incorrect dateEnd format"): "as dateStart",
    (S + "task.update", "Task not found"): (
        'Task::updateAction: "Task id not found" (id 0) or "Task not found." (with the period)'
    ),
    **{
        (
            S + m,
            f"Invalid value {{stringValue}} to match with parameter {{{p}}}. "
            f"Should be value of type {k}",
        ): "the binder always ends the sentence with a period"
        for m, p, k in (
            ("sprint.add", "fields", "array"),
            ("sprint.update", "fields", "array"),
            ("sprint.start", "id", "int"),
            ("sprint.complete", "id", "int"),
            ("sprint.get", "id", "int"),
            ("sprint.delete", "id", "int"),
        )
    },
}


def _resolve(value: Any, names: dict[str, Any]) -> Any:
    if is_object(value):
        return {k: _resolve(v, names) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        return names[value]
    return value


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_controller_error_reaches_the_wire_as_the_gateway_sends_it(
    case: Case, client: httpx2.AsyncClient, portal: Portal, faults: FaultConfig
) -> None:
    names = await case.setup(client, portal) if case.setup else {}
    if case.force:
        faults.force_errors[case.method] = case.message
    response = await call(client, case.method, _resolve(case.params, names), hook=case.hook)
    if case.answer is ERROR:
        assert response.status_code == 400
        message = case.message.replace("{stringValue}", "{" + case.sent + "}")
        assert response.json() == {"error": case.code, "error_description": message}
    else:
        assert response.status_code == 200
        body = response.json()
        assert body["result"] == case.answer and set(body) == {"result", "time"}


def test_every_documented_error_is_emulated_or_named_as_never_sent() -> None:
    documented = {
        (m["method"], e["message"], str(e["code"])) for m in methods().values() for e in m["errors"]
    }
    covered = {(c.method, c.message, c.code) for c in CASES}
    missing = {
        (method, message, code)
        for method, message, code in documented - covered
        if (method, message) not in NEVER_SENT
    }
    assert missing == set()
    assert not {key for key in NEVER_SENT if key in {(m, msg) for m, msg, _ in covered}}
