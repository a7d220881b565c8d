"""Every error methods.json documents, produced over HTTP with its exact body and status.

One row per documented error. Catch-all messages that a portal only emits on an internal
failure ("Unknown error", "Sprint not created", ...) are produced through the documented
`FaultConfig.force_errors` hook. A last test checks the table covers every documented row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from sbx_support import HOOK, OUTSIDER_HOOK, call, result

from bitrix24_scrum_mcp.sandbox import FaultConfig, Portal
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_BACKLOG_ID,
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
    backlog = await result(client, S + "backlog.add", {"fields": {"groupId": PLAIN}})
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
        {"id": int(task["task"]["id"]), "fields": {"entityId": sprint["id"]}},
    )
    return {"$SPRINT": sprint["id"]}


@dataclass
class Case:
    method: str
    message: str
    params: dict[str, Any]
    code: int = 0
    setup: Setup | None = None
    hook: str = HOOK
    force: bool = False
    sent: str = field(default="abc")  # what `{stringValue}` stands for in the message

    @property
    def id(self) -> str:
        return f"{self.method.removeprefix(S)}:{self.message[:40]}"


def _binding(
    method: str, param: str, kind: str, period: bool, params: dict[str, Any]
) -> list[Case]:
    tail = "." if period else ""
    return [
        Case(
            method,
            f"Could not find value for parameter {{{param}}}",
            {k: v for k, v in params.items() if k != param},
            code=100,
        ),
        Case(
            method,
            f"Invalid value {{stringValue}} to match with parameter {{{param}}}. "
            f"Should be value of type {kind}{tail}",
            {**params, param: "abc"},
            code=100,
        ),
    ]


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
    Case(S + "backlog.add", "Unable to add backlog", {"fields": {"groupId": PLAIN}}, force=True),
    Case(S + "backlog.add", "Unknown error", {"fields": {"groupId": PLAIN}}, force=True),
    # backlog.update
    Case(S + "backlog.update", "Could not find value for parameter {fields}", {"id": B}, code=100),
    Case(S + "backlog.update", "Backlog id not found", {"id": 0, "fields": {}}),
    Case(S + "backlog.update", "Backlog not found", {"id": 999, "fields": {}}),
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
    Case(S + "backlog.update", "Unknown error", {"id": B, "fields": {}}, force=True),
    # backlog.get (id is the GROUP id)
    Case(S + "backlog.get", "Group id not found", {"id": 0}),
    Case(S + "backlog.get", "Backlog not found", {"id": PLAIN}),
    Case(S + "backlog.get", "Access denied", {"id": G}, hook=OUTSIDER_HOOK),
    Case(S + "backlog.get", "Unknown error", {"id": G}, force=True),
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
    ),
    Case(
        S + "backlog.delete",
        "Unknown error",
        {"id": "$EMPTY_BACKLOG"},
        setup=_empty_backlog,
        force=True,
    ),
    # epic.add
    Case(
        S + "epic.add", "Access denied", {"fields": {"name": "E", "groupId": G}}, hook=OUTSIDER_HOOK
    ),
    Case(S + "epic.add", "Epic not created", {"fields": {"name": "E", "groupId": G}}, force=True),
    Case(
        S + "epic.add",
        "createdBy user not found",
        {"fields": {"name": "E", "groupId": G, "createdBy": 999}},
    ),
    Case(
        S + "epic.add",
        "modifiedBy user not found",
        {"fields": {"name": "E", "groupId": G, "modifiedBy": 999}},
    ),
    Case(S + "epic.add", "Group is not found", {"fields": {"name": "E"}}),
    Case(S + "epic.add", "Name is not found", {"fields": {"groupId": G}}),
    # epic.update
    Case(
        S + "epic.update",
        "Access denied",
        {"id": EPIC, "fields": {"name": "x"}},
        hook=OUTSIDER_HOOK,
    ),
    Case(S + "epic.update", "Epic not found", {"id": 999, "fields": {"name": "x"}}),
    Case(S + "epic.update", "Epic not updated", {"id": EPIC, "fields": {"name": "x"}}, force=True),
    Case(S + "epic.update", "createdBy user not found", {"id": EPIC, "fields": {"createdBy": 999}}),
    Case(
        S + "epic.update", "modifiedBy user not found", {"id": EPIC, "fields": {"modifiedBy": 999}}
    ),
    *_binding(S + "epic.update", "id", "int", True, {"id": EPIC, "fields": {"name": "x"}}),
    # epic.get / list / delete
    Case(S + "epic.get", "Access denied", {"id": EPIC}, hook=OUTSIDER_HOOK),
    Case(S + "epic.get", "Epic not found", {"id": 999}),
    *_binding(S + "epic.get", "id", "int", True, {"id": EPIC}),
    Case(S + "epic.list", "Could not load list", {"filter": {"NO_SUCH_FIELD": 1}}),
    Case(S + "epic.delete", "Access denied", {"id": EPIC}, hook=OUTSIDER_HOOK),
    Case(S + "epic.delete", "Epic not found", {"id": 999}),
    *_binding(S + "epic.delete", "id", "int", True, {"id": EPIC}),
    # kanban.addStage
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
        "Unknown error",
        {"fields": {"sprintId": SP, "name": "QA"}},
        force=True,
    ),
    # kanban.updateStage
    Case(S + "kanban.updateStage", "Stage id not found", {"stageId": 0, "fields": {}}),
    Case(S + "kanban.updateStage", "Stage not found", {"stageId": 9999, "fields": {}}),
    Case(
        S + "kanban.updateStage",
        "Incorrect sprintId value",
        {"stageId": "$WORK", "fields": {"sprintId": 999}},
        setup=_started,
    ),
    Case(
        S + "kanban.updateStage",
        "Access denied",
        {"stageId": "$WORK", "fields": {"name": "x"}},
        setup=_started,
        hook=OUTSIDER_HOOK,
    ),
    Case(
        S + "kanban.updateStage",
        "Unknown error",
        {"stageId": "$WORK", "fields": {"name": "x"}},
        setup=_started,
        force=True,
    ),
    # kanban.getStages
    Case(S + "kanban.getStages", "Sprint id not found", {"sprintId": 0}),
    Case(S + "kanban.getStages", "Sprint not found", {"sprintId": 999}),
    Case(S + "kanban.getStages", "Access denied", {"sprintId": SP}, hook=OUTSIDER_HOOK),
    Case(S + "kanban.getStages", "Unknown error", {"sprintId": SP}, force=True),
    # kanban.deleteStage
    Case(S + "kanban.deleteStage", "Stage id not found", {"stageId": 0}),
    Case(S + "kanban.deleteStage", "Stage not found", {"stageId": 9999}),
    Case(S + "kanban.deleteStage", "Stage has tasks", {"stageId": "$NEW"}, setup=_started),
    Case(
        S + "kanban.deleteStage",
        "Access denied",
        {"stageId": "$WORK"},
        setup=_started,
        hook=OUTSIDER_HOOK,
    ),
    Case(
        S + "kanban.deleteStage", "Unknown error", {"stageId": "$WORK"}, setup=_started, force=True
    ),
    # kanban.addTask
    Case(S + "kanban.addTask", "Sprint id not found", {"sprintId": 0, "taskId": 101, "stageId": 1}),
    Case(S + "kanban.addTask", "TaskId id not found", {"sprintId": SP, "taskId": 0, "stageId": 1}),
    Case(
        S + "kanban.addTask", "StageId id not found", {"sprintId": SP, "taskId": 101, "stageId": 0}
    ),
    Case(S + "kanban.addTask", "Sprint not found", {"sprintId": 999, "taskId": 101, "stageId": 1}),
    Case(S + "kanban.addTask", "Stage not found", {"sprintId": SP, "taskId": 101, "stageId": 9999}),
    Case(
        S + "kanban.addTask",
        "Task not found. The task must be with GROUP_ID",
        {"sprintId": SP, "taskId": 112, "stageId": "$WORK"},
        setup=_started,
    ),
    Case(
        S + "kanban.addTask",
        "Access denied",
        {"sprintId": SP, "taskId": 101, "stageId": "$WORK"},
        setup=_started,
        hook=OUTSIDER_HOOK,
    ),
    Case(
        S + "kanban.addTask",
        "Unknown error",
        {"sprintId": SP, "taskId": 101, "stageId": "$WORK"},
        setup=_started,
        force=True,
    ),
    # kanban.deleteTask
    Case(S + "kanban.deleteTask", "Sprint id not found", {"sprintId": 0, "taskId": 101}),
    Case(S + "kanban.deleteTask", "TaskId id not found", {"sprintId": SP, "taskId": 0}),
    Case(S + "kanban.deleteTask", "Sprint not found", {"sprintId": 999, "taskId": 101}),
    Case(
        S + "kanban.deleteTask",
        "Task not found. The task must be with GROUP_ID",
        {"sprintId": SP, "taskId": 112},
    ),
    Case(
        S + "kanban.deleteTask",
        "Access denied",
        {"sprintId": SP, "taskId": 101},
        hook=OUTSIDER_HOOK,
    ),
    Case(S + "kanban.deleteTask", "Unknown error", {"sprintId": SP, "taskId": 101}, force=True),
    # sprint.add
    Case(S + "sprint.add", "Access denied", {"fields": VALID_SPRINT}, hook=OUTSIDER_HOOK),
    Case(S + "sprint.add", "Sprint not created", {"fields": VALID_SPRINT}, force=True),
    Case(
        S + "sprint.add",
        "Incorrect dateStart format",
        {"fields": {**VALID_SPRINT, "dateStart": "soon"}},
    ),
    Case(
        S + "sprint.add",
        "Incorrect dateEnd format",
        {"fields": {**VALID_SPRINT, "dateEnd": "later"}},
    ),
    Case(
        S + "sprint.add", "createdBy user not found", {"fields": {**VALID_SPRINT, "createdBy": 999}}
    ),
    Case(
        S + "sprint.add",
        "modifiedBy user not found",
        {"fields": {**VALID_SPRINT, "modifiedBy": 999}},
    ),
    *_binding(S + "sprint.add", "fields", "array", False, {"fields": VALID_SPRINT}),
    # sprint.update
    Case(
        S + "sprint.update",
        "Access denied",
        {"id": SP, "fields": {"name": "x"}},
        hook=OUTSIDER_HOOK,
    ),
    Case(
        S + "sprint.update", "Sprint not created", {"id": SP, "fields": {"name": "x"}}, force=True
    ),
    Case(
        S + "sprint.update",
        "Incorrect dateStart format",
        {"id": SP, "fields": {"dateStart": "soon"}},
    ),
    Case(
        S + "sprint.update", "Incorrect dateEnd format", {"id": SP, "fields": {"dateEnd": "later"}}
    ),
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
        S + "sprint.update", "Incorrect sprint status", {"id": SP, "fields": {"status": "running"}}
    ),
    *_binding(S + "sprint.update", "fields", "array", False, {"id": SP, "fields": {"name": "x"}}),
    # sprint.start / complete / get / list / delete
    Case(S + "sprint.start", "Access denied", {"id": SP}, hook=OUTSIDER_HOOK),
    Case(S + "sprint.start", "Sprint not found", {"id": 999}),
    Case(S + "sprint.start", "Sprint must be planned", {"id": SP}, setup=_started),
    *_binding(S + "sprint.start", "id", "int", False, {"id": SP}),
    Case(S + "sprint.complete", "Access denied", {"id": G}, setup=_started, hook=OUTSIDER_HOOK),
    Case(S + "sprint.complete", "Sprint not found", {"id": G}),
    *_binding(S + "sprint.complete", "id", "int", False, {"id": G}),
    Case(S + "sprint.get", "Access denied", {"id": SP}, hook=OUTSIDER_HOOK),
    Case(S + "sprint.get", "Sprint not found", {"id": 999}),
    *_binding(S + "sprint.get", "id", "int", False, {"id": SP}),
    Case(S + "sprint.list", "Could not load list", {"filter": {"NO_SUCH_FIELD": 1}}),
    Case(S + "sprint.delete", "Access denied", {"id": SP}, hook=OUTSIDER_HOOK),
    Case(S + "sprint.delete", "Sprint not found", {"id": 999}),
    Case(
        S + "sprint.delete",
        "It is forbidden remove a sprint with items",
        {"id": "$SPRINT"},
        setup=_sprint_without_backlog,
    ),
    Case(
        S + "sprint.delete", "Sprint items have not been moved to backlog", {"id": SP}, force=True
    ),
    *_binding(S + "sprint.delete", "id", "int", False, {"id": SP}),
    # task.update / task.get
    Case(S + "task.update", "Epic not found", {"id": 104, "fields": {"epicId": 999}}),
    Case(S + "task.update", "Task not found", {"id": 9999, "fields": {"entityId": B}}),
    Case(
        S + "task.update",
        "Access denied",
        {"id": 104, "fields": {"storyPoints": "1"}},
        hook=OUTSIDER_HOOK,
    ),
    Case(S + "task.update", "Item not created", {"id": DEMO_PLAIN_TASK_ID, "fields": {}}),
    Case(S + "task.get", "Task not found", {"id": 9999}),
    *_binding(S + "task.get", "id", "int", True, {"id": 101}),
]


def _resolve(value: Any, names: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, names) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        return names[value]
    return value


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_documented_error_has_exact_body_and_status(
    case: Case, client: httpx2.AsyncClient, portal: Portal, faults: FaultConfig
) -> None:
    names = await case.setup(client, portal) if case.setup else {}
    if case.force:
        faults.force_errors[case.method] = case.message
    response = await call(client, case.method, _resolve(case.params, names), hook=case.hook)
    expected_status = 200 if case.method == S + "task.get" else 400
    assert response.status_code == expected_status
    message = case.message.replace("{stringValue}", case.sent)
    assert response.json() == {"error": case.code, "error_description": message}


def test_error_table_covers_every_documented_error() -> None:
    documented = {
        (m["method"], e["message"], int(e["code"]), e["http_status"])
        for m in methods().values()
        for e in m["errors"]
    }
    covered = {
        (c.method, c.message, c.code, 200 if c.method == S + "task.get" else 400) for c in CASES
    }
    assert documented - covered == set()
