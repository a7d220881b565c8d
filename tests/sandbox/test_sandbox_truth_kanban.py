"""Kanban placement as a portal keeps it: the (task, stage) relation and the STAGE_ID column.

portal: REST `kanban.addTask` only adds a relation, `kanban.deleteTask` removes the
sprint's relations and zeroes the column, the kanban service (sprint start and complete,
`task.stages.movetask`) moves the relation and writes the column; `tasks.task.list`
filters STAGE_ID on the column and STAGES_ID on the relation. Each test names the
divergence of /work/notes/portal-truth.md §4 (K5, C2, ...) or §5 it pins.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sbx_support import OUTSIDER_HOOK, call, result

from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_BACKLOG_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
)

pytestmark = pytest.mark.anyio
S = "tasks.api.scrum."
G, B, SP = DEMO_SCRUM_GROUP_ID, DEMO_BACKLOG_ID, DEMO_SPRINT_ID


async def _board(client: httpx2.AsyncClient) -> list[dict[str, Any]]:
    await result(client, S + "sprint.start", {"id": SP})
    stages: list[dict[str, Any]] = await result(client, S + "kanban.getStages", {"sprintId": SP})
    return stages


async def _on(client: httpx2.AsyncClient, key: str, stage_id: str) -> list[int]:
    listed = await result(client, "tasks.task.list", {"filter": {key: stage_id}, "select": ["ID"]})
    return sorted(int(t["id"]) for t in listed["tasks"])


async def _stage_column(client: httpx2.AsyncClient, task_id: int) -> str:
    task = await result(client, "tasks.task.get", {"taskId": task_id})
    return str(task["task"]["stageId"])


async def test_add_task_adds_a_relation_and_leaves_the_column(client: httpx2.AsyncClient) -> None:
    # K5: AddTaskStageRelationCommand upserts (task, stage) and nothing else.
    new, work, _ = await _board(client)
    assert await result(
        client, S + "kanban.addTask", {"sprintId": SP, "taskId": 101, "stageId": work["id"]}
    )
    assert await _on(client, "STAGES_ID", work["id"]) == [101]
    assert 101 in await _on(client, "STAGES_ID", new["id"])  # now in two columns
    assert await _stage_column(client, 101) == new["id"]  # the column is stale
    assert await _on(client, "STAGE_ID", work["id"]) == []


async def test_delete_task_removes_the_sprints_relations_and_zeroes_the_column(
    client: httpx2.AsyncClient,
) -> None:
    # K6: KanbanService::removeTasksFromKanban; the task stays in the sprint.
    new, work, _ = await _board(client)
    await result(
        client, S + "kanban.addTask", {"sprintId": SP, "taskId": 101, "stageId": work["id"]}
    )
    assert await result(client, S + "kanban.deleteTask", {"sprintId": SP, "taskId": 101}) is True
    assert 101 not in await _on(client, "STAGES_ID", new["id"]) + await _on(
        client, "STAGES_ID", work["id"]
    )
    assert await _stage_column(client, 101) == "0"
    assert (await result(client, S + "task.get", {"id": 101}))["entityId"] == SP


async def test_movetask_moves_the_card_and_completes_on_finish(client: httpx2.AsyncClient) -> None:
    # §5: task.stages.movetask → Stages::moveScrumTask moves the relation, writes the
    # column, completes the task on a FINISH stage and renews it elsewhere.
    new, work, done = await _board(client)
    assert await result(client, "task.stages.movetask", {"id": 101, "stageId": done["id"]}) is True
    assert await _on(client, "STAGES_ID", done["id"]) == [101]
    assert 101 not in await _on(client, "STAGES_ID", new["id"])
    task = (await result(client, "tasks.task.get", {"taskId": 101}))["task"]
    assert (task["stageId"], task["status"]) == (done["id"], "5")
    await result(client, "task.stages.movetask", {"id": 101, "stageId": work["id"]})
    task = (await result(client, "tasks.task.get", {"taskId": 101}))["task"]
    assert (task["stageId"], task["status"]) == (work["id"], "2")


async def test_movetask_answers_false_for_a_backlog_task_and_errors_for_unknown_ids(
    client: httpx2.AsyncClient,
) -> None:
    new, _, _ = await _board(client)
    assert await result(client, "task.stages.movetask", {"id": 104, "stageId": new["id"]}) is False
    unknown = await call(client, "task.stages.movetask", {"id": 101, "stageId": 9999})
    assert unknown.status_code == 400 and unknown.json()["error"] == "ERROR_CORE"
    hidden = await call(
        client, "task.stages.movetask", {"id": 101, "stageId": new["id"]}, OUTSIDER_HOOK
    )
    assert hidden.status_code == 400


async def test_add_stage_takes_a_backlog_id_and_defaults_show_on_get_stages(
    client: httpx2.AsyncClient,
) -> None:
    # K7: getSprintById has no type check; K8: an empty title shows its type's default,
    # an empty colour 47D1E2.
    stage_id = await result(client, S + "kanban.addStage", {"fields": {"sprintId": B, "name": ""}})
    assert isinstance(stage_id, int)
    await result(
        client,
        S + "kanban.addStage",
        {"fields": {"sprintId": SP, "name": "", "color": "", "type": "FINISH"}},
    )
    shown = (await result(client, S + "kanban.getStages", {"sprintId": SP}))[0]
    assert (shown["name"], shown["color"]) == ("Done", "47D1E2")


async def test_task_views_tell_sprint_and_backlog_apart(client: httpx2.AsyncClient) -> None:
    # C3: sprintId only for a sprint item, backlogId only for a backlog item.
    in_sprint = (await result(client, "tasks.task.get", {"taskId": 101}))["task"]
    in_backlog = (await result(client, "tasks.task.get", {"taskId": 104}))["task"]
    plain = (await result(client, "tasks.task.get", {"taskId": 120}))["task"]
    assert (in_sprint["sprintId"], in_sprint["backlogId"]) == (str(SP), None)
    assert (in_backlog["sprintId"], in_backlog["backlogId"]) == (None, str(B))
    assert (plain["sprintId"], plain["backlogId"], plain["stageId"]) == (None, None, "0")


async def test_sprint_and_backlog_filters_require_the_entity_type(
    client: httpx2.AsyncClient,
) -> None:
    # C4: SPRINT_ID matches sprint items only, BACKLOG_ID backlog items only.
    assert await _on(client, "BACKLOG_ID", str(SP)) == []
    assert await _on(client, "SPRINT_ID", str(B)) == []
    assert await _on(client, "SPRINT_ID", str(SP)) == [101, 102, 103]


async def test_task_update_stage_id_writes_the_column_only(client: httpx2.AsyncClient) -> None:
    # C5: tasks.task.update STAGE_ID is the column; the board relation does not follow.
    new, work, _ = await _board(client)
    await result(client, "tasks.task.update", {"taskId": 102, "fields": {"STAGE_ID": work["id"]}})
    assert await _stage_column(client, 102) == work["id"]
    assert await _on(client, "STAGES_ID", work["id"]) == []
    assert 102 in await _on(client, "STAGES_ID", new["id"])
