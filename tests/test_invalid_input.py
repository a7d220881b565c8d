"""Invalid input never leaves the process: INVALID_ARGUMENTS, one detail per field, 0 requests."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from bitrix24_scrum_mcp.json_types import is_array
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.schema import input_schema, output_schema
from tests.helpers import data_of, mcp_session, text_of
from tests.standin import StandIn
from tests.test_forwarding import COMPANION_CASES, SCRUM_CASES
from tests.tool_cases import example_arguments

pytestmark = pytest.mark.anyio

SPECS = {spec.name: spec for spec in ALL_TOOLS}
DOCUMENTED = {tool: args for tool, args, _ in SCRUM_CASES + COMPANION_CASES}
VALID: dict[str, dict[str, Any]] = {t: DOCUMENTED.get(t) or example_arguments(t) for t in SPECS}

WRONG_TYPE = {"integer": "12", "string": 12, "object": [1], "array": {"a": 1}, "boolean": "yes"}


def _type(prop: dict[str, Any]) -> str | None:
    """The non-null JSON type of a property (`["integer", "null"]` -> integer)."""
    kinds = prop.get("type")
    if is_array(kinds):
        return next((k for k in kinds if k != "null"), None)
    return kinds


def _positive(prop: dict[str, Any]) -> bool:
    return prop.get("minimum") == 1


def _mutations(tool: str) -> list[tuple[str, dict[str, Any], str]]:
    """(case id, arguments, field expected in details) derived from the tool's own schema."""
    schema = input_schema(SPECS[tool])
    valid = VALID[tool]
    cases = [("unknown-field", {**valid, "bogus": 1}, "bogus")]
    props = schema.get("properties", {})
    for name in schema.get("required", []):
        dropped = {k: v for k, v in valid.items() if k != name}
        cases.append((f"missing-{name}", dropped, name))
    for name, prop in props.items():
        if name in valid and _type(prop) in WRONG_TYPE:
            cases.append((f"type-{name}", {**valid, name: WRONG_TYPE[str(_type(prop))]}, name))
            break
    for name, prop in props.items():
        if _positive(prop):
            cases.append((f"negative-{name}", {**valid, name: -1}, name))
            break
    fields = props.get("fields", {})
    if "fields" in valid and fields.get("properties"):
        bad = copy.deepcopy(valid)
        bad["fields"]["nameTypo"] = "x"
        cases.append(("unknown-nested-field", bad, "fields.nameTypo"))
        for name, prop in fields["properties"].items():
            if _positive(prop):
                bad = copy.deepcopy(valid)
                bad["fields"][name] = 0
                cases.append((f"zero-fields.{name}", bad, f"fields.{name}"))
                break
    return cases


CASES = [
    pytest.param(tool, args, field, id=f"{tool}-{case}")
    for tool in VALID
    for case, args, field in _mutations(tool)
]


def test_every_tool_has_invalid_cases() -> None:
    assert {c.values[0] for c in CASES} == set(SPECS)
    assert len(CASES) >= 3 * len(SPECS)


@pytest.mark.parametrize(("tool", "arguments", "field"), CASES)
async def test_invalid_arguments_are_rejected_before_any_request(
    standin: StandIn, tool: str, arguments: dict[str, Any], field: str
) -> None:
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool(tool, arguments)
    assert result.is_error
    payload = result.structured_content
    assert payload is not None
    assert payload["error"] == "INVALID_ARGUMENTS"
    assert payload["http_status"] is None and payload["retryable"] is False
    assert payload["method"] == SPECS[tool].method
    assert field in [d["field"] for d in payload["details"]]
    assert standin.requests == []
    jsonschema.validate(payload, output_schema(SPECS[tool]))  # TS-SDK clients check this


async def test_unknown_field_error_lists_the_allowed_names(standin: StandIn) -> None:
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("backlog_add", {"fields": {"groupid": 1, "createdBy": 1}})
    details = data_of(result)["details"]
    assert {"field": "fields.groupid", "type": "extra_forbidden",
            "message": "unknown field; allowed: groupId, createdBy, modifiedBy"} in details  # fmt: skip
    assert text_of(result) == (
        "backlog_add: 2 invalid arguments, nothing was sent:\n"
        "fields.groupid: unknown field; allowed: groupId, createdBy, modifiedBy\n"
        "fields.groupId: required field is missing"
    )


async def test_error_text_lists_every_problem_so_one_retry_fixes_the_call(
    standin: StandIn,
) -> None:
    """The issue's example: text-only clients must see the misspelt `groupid` itself."""
    arguments = {"fields": {"groupid": 11, "name": "x", "dateStart": "2024-13-45"}}
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("sprint_add", arguments)
    text = text_of(result)
    assert text.splitlines() == [
        "sprint_add: 5 invalid arguments, nothing was sent:",
        "fields.groupid: unknown field; allowed: groupId, name, sort, createdBy, modifiedBy, "
        "dateStart, dateEnd, status",
        "fields.groupId, fields.dateEnd, fields.status: required field is missing",
        "fields.dateStart: '2024-13-45' is not a valid date; use YYYY-MM-DDThh:mm:ss+hh:mm or "
        "a unix timestamp",
    ]
    assert len(data_of(result)["details"]) == 5
    assert standin.requests == []


async def test_error_text_is_capped_and_points_to_the_full_details(standin: StandIn) -> None:
    calls: list[dict[str, Any]] = [
        {"tool": "task_update", "arguments": {"id": -i, "fields": {}}} for i in range(1, 300)
    ]
    calls += [
        {"tool": f"no_tool_{letter}"} for letter in "abcdefghijklmnopqrstuvwxyzabcdefghijklmn"
    ]
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("scrum_batch", {"calls": calls})
    text = text_of(result)
    assert len(text) < 1400
    assert "calls[0].arguments.id, calls[1].arguments.id" in text
    assert "and 291 more: Input should be greater than or equal to 1" in text
    assert text.endswith("\n(+38 more; all of them are in structuredContent.details)")
    assert len(data_of(result)["details"]) == 299 + 40


async def test_list_filter_key_typo_names_the_documented_fields(standin: StandIn) -> None:
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("sprint_list", {"filter": {"GROUPID": 1}})
    [detail] = data_of(result)["details"]
    assert detail["field"] == "filter"
    assert "unknown filter field 'GROUPID'" in detail["message"]
    assert "GROUP_ID" in detail["message"]
    assert standin.requests == []


@pytest.mark.parametrize(
    "date", ["2021-13-01T00:00:00+02:00", "22.11.2021", "2021-11-22T25:00:00", "tomorrow"]
)
async def test_dates_outside_the_documented_formats_are_rejected(
    standin: StandIn, date: str
) -> None:
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool(
            "sprint_add",
            {"fields": {"groupId": 1, "name": "S", "status": "planned", "dateStart": date,
                        "dateEnd": "2021-11-29T00:00:00+02:00"}},
        )  # fmt: skip
    assert data_of(result)["error"] == "INVALID_ARGUMENTS"
    fields = [d["field"] for d in data_of(result)["details"]]
    assert fields == ["fields.dateStart"]
    assert standin.requests == []


async def test_bulk_with_one_bad_call_sends_nothing_and_names_it(standin: StandIn) -> None:
    calls: list[dict[str, Any]] = [
        {"tool": "task_update", "arguments": {"id": i, "fields": {"entityId": 5}}}
        for i in range(1, 120)
    ]
    calls[77]["arguments"]["fields"]["entityId"] = -5
    calls.append({"tool": "no_such_tool", "arguments": {}})
    async with mcp_session(standin.webhook_url) as (session, _):
        result = await session.call_tool("scrum_batch", {"calls": calls})
    fields = [d["field"] for d in data_of(result)["details"]]
    assert fields == ["calls[77].arguments.fields.entityId", "calls[119].tool"]
    assert standin.requests == []
