"""batch: sub-call results, references, halt, limits, per-command transactions."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx2
import pytest
from sbx_support import HOOK, call, result

from bitrix24_scrum_mcp.json_types import is_array
from bitrix24_scrum_mcp.sandbox import Portal
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_BACKLOG_ID,
    DEMO_SCRUM_GROUP_ID,
    DEMO_SPRINT_ID,
    seeded_tasks,
)

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
    assert body["result_total"] == []  # epic.list is a plain array: no total (portal)
    assert body["result_next"] == []
    assert set(body["result_time"]) == {"sprint", "backlog", "epics", "first"}


async def test_batch_with_array_cmd_answers_lists(client: httpx2.AsyncClient) -> None:
    body = await result(client, "batch", {"cmd": ["server.time", "scope"]})
    assert is_array(body["result"]) and len(body["result"]) == 2


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
        "bad": {"error": "0", "error_description": "Incorrect sprint status"}
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


async def test_commands_past_fifty_fail_alone_and_the_first_fifty_run(
    client: httpx2.AsyncClient,
) -> None:
    response = await call(client, "batch", {"cmd": {f"c{i}": "server.time" for i in range(52)}})
    assert response.status_code == 200
    body = response.json()["result"]
    assert len(body["result"]) == 50
    exceeded = {
        "error": "ERROR_BATCH_LENGTH_EXCEEDED",
        "error_description": "Max batch length exceeded",
    }
    assert body["result_error"] == {"c50": exceeded, "c51": exceeded}
    halted = await call(client, "batch", {"halt": 1, "cmd": [*["scope"] * 51, "server.time"]})
    assert len(halted.json()["result"]["result"]) == 50
    assert list(halted.json()["result"]["result_error"]) == ["50"]


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


async def _batch(client: httpx2.AsyncClient, params: dict[str, object]) -> dict[str, Any]:
    body: dict[str, Any] = await result(client, "batch", params)
    return body


async def test_a_reference_inside_a_value_is_rewritten_with_another_commands_data(
    client: httpx2.AsyncClient,
) -> None:
    # portal: CRestUtil::processBatchElement substitutes in every decoded value, so text
    # copied into a write is rewritten with what another command answered.
    body = await _batch(
        client,
        {
            "cmd": {
                "me": "user.current",
                "epic": "tasks.api.scrum.epic.add?fields[groupId]=11"
                "&fields[name]=x%20%24result%5Bme%5D%5BEMAIL%5D",
            }
        },
    )
    assert body["result"]["epic"]["name"] == "x maria.ivanova@sandbox.example"
    alone = await result(
        client,
        "tasks.api.scrum.epic.add",
        {"fields": {"groupId": 11, "name": "x $result[me][EMAIL]"}},
    )
    assert alone["name"] == "x $result[me][EMAIL]"  # outside batch the literal is stored


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("$result[me][ID]", "1"),  # the whole value: the node, whatever it is
        ("a $result[me][ID], b", "a 1 b"),  # the token runs to the next space
        ("a $time[me][date_start] b", None),  # any reference map: result, time, next, ...
        ("a $result[me][NOPE] b", "a $result[me][NOPE] b"),  # stops at an array: kept
        ("a $RESULT[me][ID] b", "a $RESULT[me][ID] b"),  # matched, but `RESULT` finds nothing
        ("a $result[] b", "a $result[] b"),  # no segment: no substitution
        ("a $result_error[me] b", "a $result_error[me] b"),  # read as `$result` + `_error[me]`
    ],
)
async def test_references_follow_the_portals_rules(
    client: httpx2.AsyncClient, value: str, stored: str | None
) -> None:
    body = await _batch(
        client,
        {
            "cmd": {
                "me": "user.current",
                "epic": "tasks.api.scrum.epic.add?fields[groupId]=11&fields[name]=" + quote(value),
            }
        },
    )
    name = body["result"]["epic"]["name"]
    if stored is None:
        assert name.startswith("a 20") and name.endswith(" b")
    else:
        assert name == stored


async def test_error_and_total_references_reach_the_other_maps(client: httpx2.AsyncClient) -> None:
    body = await _batch(
        client,
        {
            "cmd": {
                "bad": "tasks.api.scrum.sprint.get?id=999",
                "list": "tasks.task.list?select[]=ID",
                "epic": "tasks.api.scrum.epic.add?fields[groupId]=11"
                "&fields[name]=" + quote("$error[bad][error_description] / $total[list]"),
            }
        },
    )
    assert body["result"]["epic"]["name"] == f"Sprint not found / {len(seeded_tasks())}"


async def test_sub_calls_are_split_like_parse_url(client: httpx2.AsyncClient) -> None:
    body = await _batch(
        client,
        {
            "CMD": {  # any case, as PHP upper-cases the batch's own keys
                "suffix": "server.time.json",  # `.json` is part of the method name
                "fragment": f"tasks.api.scrum.sprint.get?id={DEMO_SPRINT_ID}#ignored",
                "number": 42,  # not a string: skipped without a trace
            }
        },
    )
    assert body["result_error"]["suffix"]["error"] == "ERROR_METHOD_NOT_FOUND"
    assert body["result"]["fragment"]["id"] == DEMO_SPRINT_ID
    assert "number" not in body["result"] and "number" not in body["result_error"]


async def test_halt_is_php_truthiness(client: httpx2.AsyncClient) -> None:
    cmd = {"a": "tasks.api.scrum.sprint.get?id=999", "b": "server.time"}
    halted = await _batch(client, {"halt": "false", "cmd": cmd})  # a non-empty string is true
    assert "b" not in (halted["result"] or {})
    running = await _batch(client, {"halt": "0", "cmd": cmd})
    assert "b" in running["result"]
