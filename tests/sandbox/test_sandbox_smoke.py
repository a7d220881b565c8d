"""The Scrum happy path end to end: create a task, backlog it, sprint it, read it back."""

from __future__ import annotations

import httpx2
import pytest
from sbx_support import result

from bitrix24_scrum_mcp.sandbox.seed import DEMO_BACKLOG_ID, DEMO_SCRUM_GROUP_ID, DEMO_SPRINT_ID

pytestmark = pytest.mark.anyio


async def test_task_travels_from_backlog_into_a_started_sprint(client: httpx2.AsyncClient) -> None:
    created = await result(
        client,
        "tasks.task.add",
        {
            "fields": {
                "TITLE": "Pay by invoice",
                "RESPONSIBLE_ID": 2,
                "GROUP_ID": DEMO_SCRUM_GROUP_ID,
            }
        },
    )
    task_id = int(created["task"]["id"])
    scrum = await result(client, "tasks.api.scrum.task.get", {"id": task_id})
    assert scrum["entityId"] == DEMO_BACKLOG_ID
    assert (
        await result(
            client,
            "tasks.api.scrum.task.update",
            {"id": task_id, "fields": {"entityId": DEMO_SPRINT_ID, "storyPoints": "5"}},
        )
        is True
    )
    started = await result(client, "tasks.api.scrum.sprint.start", {"id": DEMO_SPRINT_ID})
    assert started["status"] == "active"
    stages = await result(client, "tasks.api.scrum.kanban.getStages", {"sprintId": DEMO_SPRINT_ID})
    assert [s["type"] for s in stages] == ["NEW", "WORK", "FINISH"]
    scrum = await result(client, "tasks.api.scrum.task.get", {"id": task_id})
    # A new task tops the backlog (sort 1); its item's author is the task's creator.
    assert scrum == {
        "entityId": DEMO_SPRINT_ID,
        "storyPoints": "5",
        "epicId": 0,
        "sort": 1,
        "sortFloat": 1,
        "createdBy": 1,
        "modifiedBy": 1,
    }
    on_board = await result(
        client, "tasks.task.list", {"filter": {"STAGES_ID": stages[0]["id"]}, "select": ["ID"]}
    )
    assert str(task_id) in [t["id"] for t in on_board["tasks"]]
