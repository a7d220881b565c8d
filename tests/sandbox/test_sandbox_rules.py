"""Scrum business rules: sprint lifecycle, kanban, moves, filters and transactional failure."""

from __future__ import annotations

import httpx2
import pytest
from sbx_support import OUTSIDER_HOOK, call, result

from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_BACKLOG_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SECOND_BACKLOG_ID,
    DEMO_SECOND_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
)

pytestmark = pytest.mark.anyio
S = "tasks.api.scrum."
G, B, SP = DEMO_SCRUM_GROUP_ID, DEMO_BACKLOG_ID, DEMO_SPRINT_ID
NEXT_SPRINT = {
    "groupId": G,
    "name": "Sprint 2",
    "createdBy": 1,
    "status": "planned",
    "dateStart": 1727730000,
    "dateEnd": "2024-10-14",
}


async def _stages(client: httpx2.AsyncClient, sprint_id: int) -> dict[str, int]:
    stages = await result(client, S + "kanban.getStages", {"sprintId": sprint_id})
    return {s["name"]: int(s["id"]) for s in stages}


async def test_complete_closes_finished_tasks_and_returns_the_rest(
    client: httpx2.AsyncClient,
) -> None:
    await result(client, S + "sprint.start", {"id": SP})
    stages = await _stages(client, SP)
    assert list(stages) == ["New", "In Progress", "Done"]
    await result(
        client, S + "kanban.addTask", {"sprintId": SP, "taskId": 101, "stageId": stages["Done"]}
    )
    completed = await result(client, S + "sprint.complete", {"id": G})  # the GROUP id
    assert (completed["id"], completed["status"]) == (SP, "completed")
    assert (await result(client, S + "task.get", {"id": 101}))["entityId"] == SP
    task = await result(client, "tasks.task.get", {"taskId": 101})
    assert task["task"]["status"] == "5"
    for task_id in (102, 103):
        assert (await result(client, S + "task.get", {"id": task_id}))["entityId"] == B


async def test_next_sprint_copies_the_previous_kanban(client: httpx2.AsyncClient) -> None:
    await result(client, S + "sprint.start", {"id": SP})
    qa = await result(
        client, S + "kanban.addStage", {"fields": {"sprintId": SP, "name": "QA", "sort": 250}}
    )
    assert isinstance(qa, int)
    await result(client, S + "sprint.complete", {"id": G})
    sprint = await result(client, S + "sprint.add", {"fields": NEXT_SPRINT})
    assert sprint["dateStart"] == "2024-10-01T00:00:00+03:00"
    assert sprint["dateEnd"] == "2024-10-14T00:00:00+03:00"
    await result(client, S + "task.update", {"id": 104, "fields": {"entityId": sprint["id"]}})
    await result(client, S + "sprint.start", {"id": sprint["id"]})
    stages = await result(client, S + "kanban.getStages", {"sprintId": sprint["id"]})
    # portal: KanbanService::createSprintStages copies title, type and colour, sorts 100, 200...
    assert [(s["name"], s["sort"]) for s in stages] == [
        ("New", "100"),
        ("In Progress", "200"),
        ("QA", "300"),
        ("Done", "400"),
    ]


async def test_only_one_sprint_per_group_is_active(client: httpx2.AsyncClient) -> None:
    await result(client, S + "sprint.add", {"fields": {**NEXT_SPRINT, "status": "active"}})
    again = await call(client, S + "sprint.add", {"fields": {**NEXT_SPRINT, "status": "active"}})
    assert again.json()["error_description"] == "Unable to add two active sprint"
    start = await call(client, S + "sprint.start", {"id": SP})
    # portal: Sprint::startAction sends every service failure as "Unable to start sprint".
    assert start.json()["error_description"] == "Unable to start sprint"


async def test_deleting_a_sprint_moves_its_tasks_to_the_backlog(client: httpx2.AsyncClient) -> None:
    assert await result(client, S + "sprint.delete", {"id": SP}) == []
    assert (await result(client, S + "task.get", {"id": 101}))["entityId"] == B
    missing = await call(client, S + "sprint.get", {"id": SP})
    assert missing.json()["error_description"] == "Sprint not found"


async def test_failed_call_changes_nothing(client: httpx2.AsyncClient) -> None:
    failed = await call(
        client,
        S + "sprint.update",
        {"id": SP, "fields": {"name": "Half-applied", "status": "bogus"}},
    )
    assert failed.status_code == 400
    assert (await result(client, S + "sprint.get", {"id": SP}))["name"] == "Sprint 1"


async def test_task_update_moves_items_without_touching_the_board(
    client: httpx2.AsyncClient,
) -> None:
    await result(client, S + "sprint.start", {"id": SP})
    stages = await _stages(client, SP)
    busy = await call(client, S + "kanban.deleteStage", {"stageId": stages["New"]})
    assert busy.json()["result"] is False  # "Stage has tasks", dropped by the gateway
    for task_id in (101, 102, 103):
        await result(client, S + "task.update", {"id": task_id, "fields": {"entityId": B}})
    # portal: Task::updateAction changes the item only; the cards stay on the board.
    still = await call(client, S + "kanban.deleteStage", {"stageId": stages["New"]})
    assert still.json()["result"] is False
    await result(client, S + "task.update", {"id": 104, "fields": {"entityId": SP}})
    on_new = await result(
        client, "tasks.task.list", {"filter": {"STAGES_ID": stages["New"]}, "select": ["ID"]}
    )
    assert sorted(t["id"] for t in on_new["tasks"]) == ["101", "102", "103"]


async def test_story_points_are_applied_only_as_strings(client: httpx2.AsyncClient) -> None:
    await result(client, S + "task.update", {"id": 104, "fields": {"storyPoints": 13}})
    assert (await result(client, S + "task.get", {"id": 104}))["storyPoints"] == "5"
    await result(client, S + "task.update", {"id": 104, "fields": {"storyPoints": "XL"}})
    assert (await result(client, S + "task.get", {"id": 104}))["storyPoints"] == "XL"


async def test_epic_list_filter_prefixes_and_order(client: httpx2.AsyncClient) -> None:
    async def names(params: dict[str, object]) -> list[str]:
        return [e["name"] for e in await result(client, S + "epic.list", params)]

    assert await names({"filter": {"%NAME": "ay"}}) == ["Payments"]
    assert await names({"filter": {"=ID": [31, 34]}}) == ["Payments", "Onboarding"]
    assert await names({"filter": {"GROUP_ID": 11, "!=ID": 31}, "order": {"NAME": "desc"}}) == [
        "Checkout UX",
        "Analytics",
    ]
    assert await names({"filter": {">=ID": 34, "!%NAME": "Perf"}}) == ["Onboarding"]
    assert await names({"filter": {"=%NAME": "%ing"}}) == ["Onboarding"]
    bad = await call(client, S + "epic.list", {"order": {"ID": "sideways"}})
    assert bad.json()["result"] == []  # "Could not load list", dropped by the gateway


async def test_sprint_list_filters_on_dates_and_status(client: httpx2.AsyncClient) -> None:
    await result(client, S + "sprint.add", {"fields": NEXT_SPRINT})
    later = await result(
        client,
        S + "sprint.list",
        {"filter": {"GROUP_ID": 11, ">=DATE_END": "2024-10-01T00:00:00+03:00"}},
    )
    assert [s["name"] for s in later] == ["Sprint 2"]
    planned = await result(
        client, S + "sprint.list", {"filter": {"STATUS": "planned"}, "order": {"ID": "DESC"}}
    )
    assert [s["id"] for s in planned][-1] == SP


async def test_outsider_sees_no_scrum_data_in_lists(client: httpx2.AsyncClient) -> None:
    assert await result(client, S + "sprint.list", hook=OUTSIDER_HOOK) == []
    assert await result(client, S + "epic.list", hook=OUTSIDER_HOOK) == []


async def test_backlog_get_takes_the_group_id(client: httpx2.AsyncClient) -> None:
    backlog = await result(client, S + "backlog.get", {"id": DEMO_SECOND_SCRUM_GROUP_ID})
    assert backlog == {
        "id": DEMO_SECOND_BACKLOG_ID,
        "groupId": DEMO_SECOND_SCRUM_GROUP_ID,
        "createdBy": 1,
        "modifiedBy": 1,
    }


async def test_task_update_moves_an_item_to_any_entity_the_caller_may_read(
    client: httpx2.AsyncClient,
) -> None:
    # portal: only the target's readability is checked, not that it is the task's Scrum.
    moved = await result(
        client, S + "task.update", {"id": 104, "fields": {"entityId": DEMO_SECOND_BACKLOG_ID}}
    )
    assert moved is True
    assert (await result(client, S + "task.get", {"id": 104}))["entityId"] == DEMO_SECOND_BACKLOG_ID
