"""Every tool against the sandbox over loopback HTTP: each result says exactly what the
tool's outputSchema says (issue 19).

Every structured result is checked twice: validated as a TypeScript-SDK client validates it,
and key by key both ways (`tests/schema_keys.py`): no key returned that a closed object of
ours does not declare, no required key missing. Covered: every tool's success, the portal's
refusals, transport faults and invalid arguments; bulk runs with failures, calls not run
and a failed chunk; lists paged to their limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from mcp import Client
from mcp.types import CallToolResult

from bitrix24_scrum_mcp.json_types import is_array, is_object
from bitrix24_scrum_mcp.sandbox.faults import FailKind
from bitrix24_scrum_mcp.sandbox.seed import DEMO_SCRUM_GROUP_ID
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.results import ListResult, ObjectResult
from bitrix24_scrum_mcp.tools.schema import output_schema
from tests.helpers import limits, mcp_session
from tests.live_sandbox import LiveSandbox, running_sandbox
from tests.schema_keys import key_mismatches, result_mismatches
from tests.tool_cases import (
    CASES,
    EMPTY,
    GROUP,
    MISSING,
    REFUSED,
    TASK,
    example_arguments,
    resolve,
)

pytestmark = pytest.mark.anyio

FAULTS: tuple[FailKind, ...] = ("500", "html502", "drop_after_write")
RETRIES = 1

SPECS = {spec.name: spec for spec in ALL_TOOLS}


def _checked(tool: str, result: CallToolResult) -> dict[str, Any]:
    """The structured result, after both checks against the tool's own outputSchema."""
    assert result.structured_content is not None, (tool, result.content)
    jsonschema.validate(result.structured_content, output_schema(SPECS[tool]))
    assert result_mismatches(SPECS[tool], result) == []
    return result.structured_content


async def _call(session: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, (tool, result.content)
    return _checked(tool, result)


async def _error(session: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert result.is_error, (tool, result.content)
    return _checked(tool, result)


@pytest.fixture(scope="module")
def shared() -> Iterator[LiveSandbox]:
    """One sandbox for calls that change nothing (refused, empty, invalid)."""
    with running_sandbox() as live:
        yield live


def test_every_tool_has_a_sandbox_case() -> None:
    assert set(CASES) == set(SPECS)


@pytest.mark.parametrize("tool", sorted(CASES))
async def test_tool_succeeds_on_the_sandbox_and_says_exactly_what_its_schema_says(
    sandbox: LiveSandbox, tool: str
) -> None:
    previous: dict[str, Any] = {}
    async with mcp_session(sandbox.webhook_url) as (session, _):
        for name, arguments in CASES[tool]:
            previous = await _call(session, name, resolve(arguments, previous))


@pytest.mark.parametrize("tool", sorted(SPECS))
async def test_refused_invalid_and_empty_calls_say_exactly_what_the_schema_says(
    shared: LiveSandbox, tool: str
) -> None:
    async with mcp_session(shared.webhook_url) as (session, _):
        invalid = await _error(session, tool, {"bogus": 1})
        if tool in REFUSED:
            refused = await _error(session, tool, REFUSED[tool])
            # A composed tool's refusal may come from a sub-call of a batch, which carries no
            # HTTP status of its own.
            allowed = (200, 400) if SPECS[tool].forwards else (200, 400, None)
            assert refused["http_status"] in allowed
        if tool in EMPTY:
            await _call(session, tool, EMPTY[tool])
    assert invalid["error"] == "INVALID_ARGUMENTS" and invalid["details"]


@pytest.mark.parametrize("tool", sorted(SPECS))
async def test_transport_faults_give_error_objects_exactly_as_declared(
    sandbox: LiveSandbox, tool: str
) -> None:
    arguments = REFUSED.get(tool) or example_arguments(tool)
    codes: list[str] = []
    async with mcp_session(sandbox.webhook_url, limits=limits(max_retries=RETRIES)) as (session, _):
        for kind in FAULTS:
            sandbox.faults.fail_next, sandbox.faults.fail_kind = RETRIES + 1, kind
            result = await session.call_tool(tool, arguments)
            structured = _checked(tool, result)
            if tool == "scrum_batch":  # a failed batch request fails its calls, not the tool
                structured = structured["results"][0]["error"]
            codes.append(structured["error"])
    sandbox.faults.fail_next = 0
    # A composed tool's first request is a read (its refused case fails before any write).
    spec = SPECS[tool]
    reads_first = spec.read_only or tool == "scrum_batch" or not spec.forwards
    lost = "TRANSPORT_ERROR" if reads_first else "OUTCOME_UNKNOWN"
    assert codes == ["INTERNAL_SERVER_ERROR", "BAD_RESPONSE", lost]


def _task_calls(count: int) -> list[dict[str, Any]]:
    fields = {"RESPONSIBLE_ID": 2, "GROUP_ID": DEMO_SCRUM_GROUP_ID}
    return [
        {"tool": "tasks_task_add", "arguments": {"fields": {**fields, "TITLE": f"Story {i}"}}}
        for i in range(count)
    ]


async def test_bulk_results_with_failures_and_calls_not_run_say_exactly_what_the_schema_says(
    sandbox: LiveSandbox,
) -> None:
    mixed = [
        {"tool": "task_get", "arguments": {"id": TASK}},
        {"tool": "sprint_get", "arguments": {"id": MISSING}},
        {"tool": "sprint_list", "arguments": {"filter": {"GROUP_ID": GROUP}}},
        {"tool": "task_update", "arguments": {"id": TASK, "fields": {"storyPoints": "3"}}},
    ]
    moves = [
        {"tool": "task_update", "arguments": {"id": TASK, "fields": {"sort": i}}} for i in range(60)
    ]
    async with mcp_session(sandbox.webhook_url) as (session, _):
        free = await _call(session, "scrum_batch", {"calls": mixed})
        halted = await _call(session, "scrum_batch", {"calls": mixed, "halt": True})
        sandbox.faults.fail_next, sandbox.faults.fail_kind = 1, "500"
        chunk_failed = await _call(session, "scrum_batch", {"calls": moves})
        sandbox.faults.fail_next, sandbox.faults.fail_kind = 1, "drop_after_write"
        chunk_lost = await _call(session, "scrum_batch", {"calls": moves[:3]})
        invalid = await _error(
            session, "scrum_batch", {"calls": [{"tool": "task_get", "arguments": {"id": 0}}]}
        )
    counts = [
        (r["succeeded"], r["failed"], r["notRun"], r["requests"])
        for r in (free, halted, chunk_failed, chunk_lost)
    ]
    assert counts == [(3, 1, 0, 1), (1, 1, 2, 1), (0, 50, 10, 1), (0, 3, 0, 1)]
    assert "not_run" not in free  # the pre-0.2 spelling; clients were told notRun
    assert chunk_failed["results"][0]["error"]["error_description"].endswith(
        "check the current state with task_get"
    )
    assert chunk_failed["results"][-1]["error"]["error"] == "NOT_RUN"
    assert chunk_lost["results"][0]["error"]["error"] == "OUTCOME_UNKNOWN"
    assert invalid["details"][0]["field"] == "calls[0].arguments.id"


ALL = 130 + 11  # the tasks created below and the 11 of the demo Scrum (sandbox/seed.py)
# paging arguments -> (first and last index of the items returned, `next`, `total` given)
LIMITS: list[tuple[dict[str, Any], tuple[int, int], int | None, bool]] = [
    ({"limit": 1}, (0, 1), 1, True),
    ({"limit": 49}, (0, 49), 49, True),
    ({"limit": 50}, (0, 50), 50, True),
    ({"limit": 51}, (0, 51), 51, True),
    ({"limit": 500}, (0, ALL), None, True),
    ({"limit": 30, "start": 100}, (100, 130), 130, True),
    ({"limit": 500, "start": 100}, (100, ALL), None, True),
    # docs: start=-1 answers a page without total or next; a full page may have more after
    # it, so the next pages are asked for anyway, and `next` stays uncounted
    ({"limit": 60, "start": -1}, (0, 60), 60, False),
    # portal: a start between pages is rounded down; the tool drops the items before it
    ({"limit": 30, "start": 120}, (120, 141), None, True),
    ({"start": 70}, (70, 100), 100, True),
]


async def test_lists_paged_to_their_limits_say_exactly_what_the_schema_says(
    sandbox: LiveSandbox,
) -> None:
    query = {"filter": {"GROUP_ID": DEMO_SCRUM_GROUP_ID}, "select": ["ID"], "order": {"ID": "asc"}}
    async with mcp_session(sandbox.webhook_url) as (session, _):
        await _call(session, "scrum_batch", {"calls": _task_calls(130)})
        pages = [await _call(session, "tasks_task_list", {**query, **p}) for p, *_ in LIMITS]
        for tool in ("sprint_list", "epic_list", "workgroup_list"):
            await _call(session, tool, {"limit": 2})
    ids = [item["id"] for item in pages[4]["items"]]  # limit 500: the whole list
    assert len(ids) == ALL == len(set(ids))
    for (paging, (first, last), next_, counted), page in zip(LIMITS, pages, strict=True):
        assert [item["id"] for item in page["items"]] == ids[first:last], paging
        assert page.get("next") == next_, paging
        assert page.get("total") == (ALL if counted else None), paging


def test_our_own_objects_have_closed_schemas_and_portal_objects_open_ones() -> None:
    for spec in ALL_TOOLS:
        success, error = output_schema(spec)["anyOf"]
        assert error["additionalProperties"] is False
        if isinstance(spec.result, ObjectResult):  # the portal's object, passed through
            assert "required" not in success and success.get("additionalProperties") is not False
            continue
        assert success["additionalProperties"] is False, spec.name
        if isinstance(spec.result, ListResult):
            assert success["required"] == ["items"]
            assert success["properties"]["items"]["items"].get("additionalProperties") is not False
        else:  # {result: value} and OwnResult models: every object with properties is closed
            assert _open_objects(success) == [], spec.name


def _open_objects(node: Any, path: str = "$") -> list[str]:
    """Paths of the objects in a schema that declare properties but admit others too."""
    found: list[str] = []
    if is_object(node):
        schema = node
        if "properties" in schema and schema.get("additionalProperties") is not False:
            found.append(path)
        for key, value in schema.items():
            found += _open_objects(value, f"{path}/{key}")
    elif is_array(node):
        for index, value in enumerate(node):
            found += _open_objects(value, f"{path}/{index}")
    return found


def test_the_key_check_catches_a_key_spelt_otherwise_than_declared() -> None:
    """What 0.1 returned for scrum_batch: `not_run` where the schema declares `notRun`."""
    returned: dict[str, Any] = {
        "results": [],
        "succeeded": 0,
        "failed": 0,
        "not_run": 0,
        "requests": 1,
    }
    success = output_schema(SPECS["scrum_batch"])["anyOf"][0]
    assert key_mismatches(returned, success) == [
        "$.notRun: required but missing",
        "$.not_run: returned but not declared",
    ]
