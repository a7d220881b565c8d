"""Call forms, authentication, system errors and pagination on the wire."""

from __future__ import annotations

import httpx2
import pytest
from sbx_support import HOOK, NO_TASK_HOOK, call, result

from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, Portal
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_SCRUM_GROUP_ID,
    DEMO_SECOND_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
    seeded_tasks,
)

pytestmark = pytest.mark.anyio

SPRINT_GET = "tasks.api.scrum.sprint.get"


async def test_form_encoded_body_with_php_nesting_is_understood(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        f"{HOOK}/tasks.api.scrum.epic.add",
        data={
            "fields[name]": "Gift cards",
            "fields[groupId]": str(DEMO_SCRUM_GROUP_ID),
            "fields[files][]": "n12",
        },
    )
    assert response.status_code == 200
    epic = response.json()["result"]
    assert (epic["name"], epic["groupId"]) == ("Gift cards", DEMO_SCRUM_GROUP_ID)


async def test_get_with_query_string_and_json_suffix(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{HOOK}/{SPRINT_GET}.json", params={"id": str(DEMO_SPRINT_ID)})
    assert response.status_code == 200
    assert response.json()["result"]["id"] == DEMO_SPRINT_ID


async def test_list_filter_from_query_string_uses_php_keys(client: httpx2.AsyncClient) -> None:
    # The `=` of `>=` must be URL-encoded in a key, as PHP's parser splits at the first `=`.
    query = f"filter[GROUP_ID]={DEMO_SECOND_SCRUM_GROUP_ID}&filter[%3E%3DID]=35&select[]=ID"
    response = await client.get(f"{HOOK}/tasks.api.scrum.epic.list?{query}")
    assert [epic["id"] for epic in response.json()["result"]] == [35]


async def test_non_numeric_id_from_a_form_is_a_binding_error(client: httpx2.AsyncClient) -> None:
    response = await client.post(f"{HOOK}/{SPRINT_GET}", data={"id": "twenty"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "100",
        "error_description": "Invalid value {twenty} to match with parameter {id}. "
        "Should be value of type int.",
    }


async def test_numeric_string_id_is_coerced(client: httpx2.AsyncClient) -> None:
    assert (await result(client, SPRINT_GET, {"id": f" {DEMO_SPRINT_ID}"}))["id"] == DEMO_SPRINT_ID


async def test_method_names_are_case_insensitive(client: httpx2.AsyncClient) -> None:
    response = await call(client, "TASKS.API.SCRUM.SPRINT.GET", {"id": DEMO_SPRINT_ID})
    assert response.status_code == 200


async def test_unknown_method_is_404_method_not_found(client: httpx2.AsyncClient) -> None:
    response = await call(client, "tasks.api.scrum.type.list")
    assert response.status_code == 404
    assert response.json() == {
        "error": "ERROR_METHOD_NOT_FOUND",
        "error_description": "Method not found!",
    }


@pytest.mark.parametrize(
    "path", [f"/rest/{DEMO_USER_ID}/wrongcode0000000", "/rest/999/sbx1demo2code3ab", "/rest/x/y"]
)
async def test_wrong_webhook_is_401_invalid_credentials(
    client: httpx2.AsyncClient, path: str
) -> None:
    response = await client.post(f"{path}/{SPRINT_GET}", json={"id": DEMO_SPRINT_ID})
    assert response.status_code == 401
    assert response.json() == {
        "error": "INVALID_CREDENTIALS",
        "error_description": "Invalid request credentials",
    }


async def test_no_auth_at_all_is_401_no_auth_found(client: httpx2.AsyncClient) -> None:
    response = await client.post(f"/rest/{SPRINT_GET}", json={"id": DEMO_SPRINT_ID})
    assert response.status_code == 401
    assert response.json() == {
        "error": "NO_AUTH_FOUND",
        "error_description": "Wrong authorization data",
    }


async def test_webhook_without_task_scope_is_403_insufficient_scope(
    client: httpx2.AsyncClient,
) -> None:
    response = await call(client, SPRINT_GET, {"id": DEMO_SPRINT_ID}, hook=NO_TASK_HOOK)
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert (await result(client, "user.current", hook=NO_TASK_HOOK))["ID"] == "1"
    assert await result(client, "scope", hook=NO_TASK_HOOK) == ["basic", "user"]


async def test_scope_full_lists_every_scope(client: httpx2.AsyncClient) -> None:
    full = await result(client, "scope", {"full": True})
    assert {"task", "user", "sonet_group", "basic", "crm"} <= set(full)


async def test_scrum_lists_send_plain_pages_without_total_or_next(
    client: httpx2.AsyncClient, portal: Portal
) -> None:
    cmd = {
        f"e{i}": f"tasks.api.scrum.epic.add?fields[name]=Epic {i}&fields[groupId]=12"
        for i in range(49)
    }
    await result(client, "batch", {"cmd": cmd})
    second_group = {"filter": {"GROUP_ID": DEMO_SECOND_SCRUM_GROUP_ID}}  # 2 seeded + 49 = 51
    page1 = (await call(client, "tasks.api.scrum.epic.list", second_group)).json()
    # portal: Epic::listAction returns a plain array; the gateway adds total/next to Pages only.
    assert len(page1["result"]) == 50 and set(page1) == {"result", "time"}
    page2 = (await call(client, "tasks.api.scrum.epic.list", {**second_group, "start": 50})).json()
    assert [e["name"] for e in page2["result"]] == ["Epic 48"]
    # RestManager: the offset is `start` rounded down to a multiple of 50.
    rounded = await call(client, "tasks.api.scrum.epic.list", {**second_group, "start": 99})
    assert rounded.json()["result"] == page2["result"]
    negative = await call(client, "tasks.api.scrum.epic.list", {**second_group, "start": -7})
    assert negative.json()["result"] == page1["result"]


async def test_paged_companion_lists_send_total_and_next(client: httpx2.AsyncClient) -> None:
    cmd = {
        f"t{i}": f"tasks.task.add?fields[TITLE]=T{i}&fields[RESPONSIBLE_ID]=1" for i in range(40)
    }
    await result(client, "batch", {"cmd": cmd})
    total = len(seeded_tasks()) + 40
    first = (await call(client, "tasks.task.list", {"select": ["ID"]})).json()
    assert (len(first["result"]["tasks"]), first["next"], first["total"]) == (50, 50, total)
    second = (await call(client, "tasks.task.list", {"select": ["ID"], "start": 57})).json()
    assert len(second["result"]["tasks"]) == total - 50 and "next" not in second
    fast = (await call(client, "tasks.task.list", {"select": ["ID"], "start": -1})).json()
    assert len(fast["result"]["tasks"]) == 50 and "total" not in fast and "next" not in fast


async def test_every_success_carries_the_documented_time_block(client: httpx2.AsyncClient) -> None:
    body = (await call(client, "server.time")).json()
    assert set(body) == {"result", "time"}
    assert set(body["time"]) == {
        "start",
        "finish",
        "duration",
        "processing",
        "date_start",
        "date_finish",
        "operating_reset_at",
        "operating",
    }
    assert body["result"].endswith("+03:00")
