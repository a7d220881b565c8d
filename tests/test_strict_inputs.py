"""What a strict-mode client sends is what it means: null is "not set", never a value.

OpenAI strict mode (openai-agents, langchain `strict=True`, pydantic-ai) makes every
property required, so a model sends null for each field it leaves out, and the declared
filter/order keys are its only way to filter and sort. These tests send the strict form of
every documented request and check the portal receives exactly the documented body.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.schema import input_schema
from tests.helpers import data_of, mcp_session, text_of
from tests.live_sandbox import LiveSandbox
from tests.standin import StandIn, ok
from tests.strict_form import strict_form
from tests.test_forwarding import COMPANION_CASES, SCRUM_CASES

pytestmark = pytest.mark.anyio

SPECS = {spec.name: spec for spec in ALL_TOOLS}


@pytest.mark.parametrize(("tool", "arguments", "method"), SCRUM_CASES + COMPANION_CASES)
async def test_null_for_every_unset_field_posts_the_documented_body(
    standin: StandIn, tool: str, arguments: dict[str, Any], method: str
) -> None:
    strict = strict_form(input_schema(SPECS[tool]), arguments)
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool(tool, strict)
    assert not (result.is_error and data_of(result)["error"] == "INVALID_ARGUMENTS"), result.content
    [request] = standin.requests
    assert request.method == method
    assert request.body == arguments


async def test_null_filter_and_order_values_are_no_condition(standin: StandIn) -> None:
    standin.reply_with(ok([], total=0))
    arguments = {
        "filter": {"GROUP_ID": 11, "STATUS": None, "NAME": None, ">=DATE_END": None},
        "order": {"ID": None, "SORT": "desc"},
    }
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("sprint_list", arguments)
        nothing = await session.call_tool("sprint_list", {"filter": {"ID": None}, "order": {}})
    assert not result.is_error and not nothing.is_error
    assert [r.body for r in standin.requests] == [
        {"filter": {"GROUP_ID": 11}, "order": {"SORT": "desc"}},
        {},
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11", "filter 'GROUP_ID': Input should be a valid integer"),
        ([11, 12], "filter 'GROUP_ID' takes one value; for any of several use '=GROUP_ID': [...]"),
    ],
)
async def test_declared_filter_keys_hold_exactly_their_published_type(
    standin: StandIn, value: Any, message: str
) -> None:
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("sprint_list", {"filter": {"GROUP_ID": value}})
    assert data_of(result)["details"] == [
        {"field": "filter", "type": "filter_value", "message": message}
    ]
    assert standin.requests == []


async def test_operator_keys_stay_available_beside_the_declared_ones(
    sandbox: LiveSandbox,
) -> None:
    async with mcp_session(sandbox.webhook_url) as (session, _):
        several = await session.call_tool(
            "epic_list", {"filter": {"=ID": [31, 34]}, "select": ["ID"]}
        )
        later = await session.call_tool(
            "epic_list", {"filter": {"GROUP_ID": 11, ">=ID": 32}, "order": {"ID": "DESC"}}
        )
    assert [e["id"] for e in data_of(several)["items"]] == [31, 34]
    assert [e["id"] for e in data_of(later)["items"]] == [33, 32]


async def test_scrum_batch_takes_arguments_as_json_text_or_as_an_object(
    standin: StandIn,
) -> None:
    standin.reply_with(ok({"result": {"c0": {"id": 23}, "c1": {"id": 23}}}))
    text = {"tool": "sprint_get", "arguments": json.dumps({"id": 23})}
    obj = {"tool": "sprint_get", "arguments": {"id": 23}}
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("scrum_batch", {"calls": [text, obj], "halt": None})
    assert not result.is_error, result.content
    [request] = standin.requests
    assert request.body["cmd"] == {"c0": "tasks.api.scrum.sprint.get?id=23",
                                   "c1": "tasks.api.scrum.sprint.get?id=23"}  # fmt: skip
    assert request.body["halt"] == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("{id: 5}", "not valid JSON: Expecting property name enclosed in double quotes: "
         "line 1 column 2 (char 1)"),
        ("[5]", 'must be a JSON object, e.g. \'{"id": 5}\''),
    ],
)  # fmt: skip
async def test_scrum_batch_arguments_text_that_is_not_an_object_is_refused_unsent(
    standin: StandIn, arguments: str, message: str
) -> None:
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool(
            "scrum_batch", {"calls": [{"tool": "sprint_get", "arguments": arguments}]}
        )
    assert data_of(result)["details"] == [
        {"field": "calls[0].arguments", "type": "json_object", "message": message}
    ]
    assert f"calls[0].arguments: {message}" in text_of(result)
    assert standin.requests == []


async def test_renaming_a_sprint_in_strict_form_changes_nothing_else(
    sandbox: LiveSandbox,
) -> None:
    schema = input_schema(SPECS["sprint_update"])
    rename = strict_form(schema, {"id": 23, "fields": {"name": "Renamed"}})
    assert rename["fields"] == {"groupId": None, "name": "Renamed", "sort": None,
                                "dateStart": None, "dateEnd": None, "status": None}  # fmt: skip
    async with mcp_session(sandbox.webhook_url) as (session, _):
        before = (await session.call_tool("sprint_get", {"id": 23})).structured_content
        result = await session.call_tool("sprint_update", rename)
        after = (await session.call_tool("sprint_get", {"id": 23})).structured_content
    assert not result.is_error, result.content
    assert before is not None and after is not None
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= {"name", "modifiedBy"} and after["name"] == "Renamed"
