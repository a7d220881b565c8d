"""Companion methods: tasks.task.*, workgroups and the utility methods, shaped as documented."""

from __future__ import annotations

import httpx2
import pytest
from sbx_support import OUTSIDER_HOOK, call, result

from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_OUTSIDER_USER_ID,
    DEMO_PLAIN_GROUP_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SECOND_BACKLOG_ID,
    DEMO_SECOND_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
)

pytestmark = pytest.mark.anyio


async def test_task_add_answers_camel_case_strings(client: httpx2.AsyncClient) -> None:
    created = await result(
        client, "tasks.task.add", {"fields": {"TITLE": "Write release notes", "RESPONSIBLE_ID": 3}}
    )
    task = created["task"]
    assert (task["title"], task["responsibleId"], task["groupId"], task["status"]) == (
        "Write release notes",
        "3",
        "0",
        "2",
    )
    assert task["group"] == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"RESPONSIBLE_ID": 1}, "Task title is not specified<br>"),
        ({"TITLE": "x"}, "Responsible person not specified<br>"),
        (
            {"TITLE": "x", "RESPONSIBLE_ID": 999},
            'User specified in the "Responsible" field not found<br>',
        ),
        ({"TITLE": "x", "RESPONSIBLE_ID": 1, "STATUS": 9}, "Incorrect status<br>"),
    ],
)
async def test_task_add_errors_are_error_core(
    client: httpx2.AsyncClient, fields: dict[str, object], message: str
) -> None:
    response = await call(client, "tasks.task.add", {"fields": fields})
    assert response.status_code == 400
    assert response.json() == {"error": "ERROR_CORE", "error_description": message}


async def test_task_get_of_a_missing_task_is_an_empty_result(client: httpx2.AsyncClient) -> None:
    assert await result(client, "tasks.task.get", {"taskId": 9999}) == []


async def test_task_list_filters_by_sprint(client: httpx2.AsyncClient) -> None:
    body = (
        await call(
            client,
            "tasks.task.list",
            {
                "filter": {"SPRINT_ID": DEMO_SPRINT_ID},
                "select": ["ID", "TITLE"],
                "order": {"ID": "asc"},
            },
        )
    ).json()
    assert [t["id"] for t in body["result"]["tasks"]] == ["101", "102", "103"]
    # docs: "Even with a narrow select the example still includes descriptionInBbcode,
    # favorite, group, creator, responsible and action".
    always = {"descriptionInBbcode", "favorite", "group", "creator", "responsible", "action"}
    assert body["total"] == 3 and set(body["result"]["tasks"][0]) == {"id", "title", *always}


async def test_moving_a_task_to_another_scrum_moves_it_to_that_backlog(
    client: httpx2.AsyncClient,
) -> None:
    await result(
        client,
        "tasks.task.update",
        {"taskId": 104, "fields": {"GROUP_ID": DEMO_SECOND_SCRUM_GROUP_ID}},
    )
    scrum = await result(client, "tasks.api.scrum.task.get", {"id": 104})
    assert scrum["entityId"] == DEMO_SECOND_BACKLOG_ID


async def test_workgroup_list_tells_scrums_apart(client: httpx2.AsyncClient) -> None:
    groups = await result(
        client,
        "socialnetwork.api.workgroup.list",
        {"select": ["ID", "NAME", "TYPE", "SCRUM_MASTER_ID"]},
    )
    by_id = {g["id"]: g for g in groups["workgroups"]}
    assert by_id[str(DEMO_SCRUM_GROUP_ID)]["type"] == "scrum"
    assert by_id[str(DEMO_PLAIN_GROUP_ID)]["scrumMasterId"] == "0"
    ids_only = await result(client, "socialnetwork.api.workgroup.list")
    assert all(set(g) == {"id"} for g in ids_only["workgroups"])


async def test_sonet_group_get_is_a_flat_upper_case_list(client: httpx2.AsyncClient) -> None:
    groups = await result(client, "sonet_group.get", {"ORDER": {"NAME": "ASC"}})
    assert [g["NAME"] for g in groups] == ["Checkout Revamp", "Marketing", "Mobile App 2.0"]
    assert "SCRUM_MASTER_ID" not in groups[0]


async def test_user_current_reports_the_webhook_owner(client: httpx2.AsyncClient) -> None:
    user = await result(client, "user.current", hook=OUTSIDER_HOOK)
    assert user["ID"] == str(DEMO_OUTSIDER_USER_ID) and user["ACTIVE"] is True
