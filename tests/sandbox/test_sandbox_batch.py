"""batch: sub-call results, references, halt, limits, per-command transactions."""

from __future__ import annotations

import httpx2
import pytest
from sbx_support import HOOK, call, result

from bitrix24_scrum_mcp.sandbox import Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_BACKLOG_ID, DEMO_SCRUM_GROUP_ID, DEMO_SPRINT_ID

pytestmark = pytest.mark.anyio
BATCH_KEYS = {"result", "result_error", "result_total", "result_next", "result_time"}


async def test_batch_results_reference_earlier_commands(client: httpx2.AsyncClient) -> None:
    body = await result(
        client,
        "batch",
        {
            "halt": 0,
            "cmd": {
                "sprint": f"tasks.api.scrum.sprint.get?id={DEMO_SPRINT_ID}",
                "backlog": "tasks.api.scrum.backlog.get?id=$result[sprint][groupId]",
                "epics": "tasks.api.scrum.epic.list?filter[GROUP_ID]=$result[sprint][groupId]",
                "first": "tasks.api.scrum.epic.get?id=$result[epics][0][id]",
            },
        },
    )
    assert set(body) == BATCH_KEYS
    assert body["result"]["backlog"]["id"] == DEMO_BACKLOG_ID
    assert body["result"]["first"]["id"] == body["result"]["epics"][0]["id"]
    assert body["result_error"] == []  # PHP's empty array, not {}
    assert body["result_total"] == {"epics": 3}
    assert body["result_next"] == []
    assert set(body["result_time"]) == {"sprint", "backlog", "epics", "first"}


async def test_batch_with_array_cmd_answers_lists(client: httpx2.AsyncClient) -> None:
    body = await result(client, "batch", {"cmd": ["server.time", "scope"]})
    assert isinstance(body["result"], list) and len(body["result"]) == 2


async def test_failed_sub_call_is_reported_and_rolled_back_alone(
    client: httpx2.AsyncClient,
) -> None:
    body = await result(
        client,
        "batch",
        {
            "cmd": {
                "ok": "tasks.api.scrum.sprint.update?id=23&fields[name]=Renamed",
                "bad": "tasks.api.scrum.sprint.update?id=23&fields[name]=Lost&fields[status]=nope",
                "after": "tasks.api.scrum.sprint.get?id=23",
            }
        },
    )
    assert body["result_error"] == {
        "bad": {"error": 0, "error_description": "Incorrect sprint status"}
    }
    assert body["result"]["after"]["name"] == "Renamed"


async def test_halt_stops_at_the_first_error(client: httpx2.AsyncClient) -> None:
    body = await result(
        client,
        "batch",
        {"halt": 1, "cmd": {"a": "tasks.api.scrum.sprint.get?id=999", "b": "server.time"}},
    )
    assert body["result"] == [] and set(body["result_error"]) == {"a"}


async def test_nested_batch_is_not_allowed(client: httpx2.AsyncClient) -> None:
    body = await result(client, "batch", {"cmd": {"inner": "batch?cmd[x]=server.time"}})
    assert body["result_error"] == {
        "inner": {
            "error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
            "error_description": "Method is not allowed for batch usage",
        }
    }


async def test_more_than_fifty_commands_is_rejected(client: httpx2.AsyncClient) -> None:
    response = await call(client, "batch", {"cmd": {f"c{i}": "server.time" for i in range(51)}})
    assert response.status_code == 400
    assert response.json() == {
        "error": "ERROR_BATCH_LENGTH_EXCEEDED",
        "error_description": "Max batch length exceeded",
    }


async def test_batch_counts_as_one_request(client: httpx2.AsyncClient, portal: Portal) -> None:
    before = portal.request_count
    await result(client, "batch", {"cmd": {f"c{i}": "server.time" for i in range(10)}})
    assert portal.request_count == before + 1
    assert portal.requests[-1][0] == "batch"


async def test_form_encoded_batch_with_url_encoded_commands(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        f"{HOOK}/batch",
        data={
            "cmd[add]": f"tasks.task.add?fields[TITLE]=Refund%20flow&fields[RESPONSIBLE_ID]=2"
            f"&fields[GROUP_ID]={DEMO_SCRUM_GROUP_ID}",
            "cmd[scrum]": "tasks.api.scrum.task.get?id=$result[add][task][id]",
        },
    )
    body = response.json()["result"]
    assert body["result"]["add"]["task"]["title"] == "Refund flow"
    assert body["result"]["scrum"]["entityId"] == DEMO_BACKLOG_ID
