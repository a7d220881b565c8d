"""Property-based fuzzing of every tool through one long-lived MCP session.

Valid inputs come from each tool's own published `inputSchema` (hypothesis-jsonschema);
invalid ones are mutations of them. The oracle is the published schema itself: whatever it
rejects must come back as INVALID_ARGUMENTS with zero requests sent, whatever it accepts
must be answered (success or the portal's error), and nothing may ever be an internal
error. Seeds are fixed (`derandomize=True`), so CI runs the same few thousand calls.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import jsonschema
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema  # pyright: ignore[reportUnknownVariableType]
from mcp import Client
from starlette.responses import Response

from bitrix24_scrum_mcp.json_types import is_array, is_object
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from bitrix24_scrum_mcp.tools.results import ListResult, ValueResult
from bitrix24_scrum_mcp.tools.schema import input_schema, output_schema
from bitrix24_scrum_mcp.tools.spec import ToolSpec
from tests.helpers import limits, mcp_session, text_of
from tests.reliability.support import (
    SPRINT_FIELDS,
    AsyncPortal,
    Req,
    hypothesis_jsonschema_compat,
    json_response,
    running_async_portal,
)

hypothesis_jsonschema_compat()

SPECS = {spec.name: spec for spec in ALL_TOOLS}
BY_METHOD = {spec.method: spec for spec in ALL_TOOLS}
SCHEMAS = {name: input_schema(spec) for name, spec in SPECS.items()}
VALIDATORS = {name: jsonschema.Draft202012Validator(s) for name, s in SCHEMAS.items()}
EXAMPLES_PER_TOOL = 50
FUZZ = settings(
    max_examples=EXAMPLES_PER_TOOL,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=cast("list[HealthCheck]", list(HealthCheck)),  # all but deprecated
)


def answer_for(spec: ToolSpec | None) -> Any:
    """A success the tool's output schema accepts, whatever was asked."""
    if spec is None or not spec.forwards:
        return {"result": {}, "result_error": {}, "result_total": {}, "result_next": {}}
    result = spec.result
    if isinstance(result, ListResult):
        return [] if not result.key else {result.key: []}
    if isinstance(result, ValueResult):
        samples: dict[str, Any] = {"array": [], "boolean": True, "integer": 1, "object": {}}
        return samples.get(str(result.value.get("type")), True)
    return {}


async def generic_success(request: Req) -> Response:
    return json_response({"result": answer_for(BY_METHOD.get(request.method))})


@dataclass
class Live:
    standin: AsyncPortal
    portal: BlockingPortal
    session: Client
    stats: dict[str, int] = field(default_factory=dict[str, int])

    def call(self, tool: str, arguments: Any) -> tuple[Any, int]:
        before = len(self.standin.requests)
        result = self.portal.call(self.session.call_tool, tool, arguments)
        return result, len(self.standin.requests) - before

    def count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with running_async_portal() as standin, start_blocking_portal("asyncio") as portal:
        standin.handler = generic_success
        fast = limits(max_retries=0, total_timeout_s=30.0)
        url = standin.webhook_url()
        with portal.wrap_async_context_manager(mcp_session(url, limits=fast)) as (
            session,
            _client,
        ):
            state = Live(standin, portal, session)
            yield state
            # the server still answers after everything
            result, sent = state.call("sprint_get", {"id": 1})
            assert not result.is_error and sent == 1
    print(f"\nfuzz stats: {json.dumps(state.stats, sort_keys=True)}")


def _no_nulls(value: Any) -> Any:
    if is_object(value):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    return value


def _as_published(tool: str, arguments: Any) -> Any:
    """The documented widenings, in the published form: scrum_batch's `arguments` may be
    an object as well as its JSON text (bulk.py), so an object counts as its text."""
    calls = arguments.get("calls") if tool == "scrum_batch" else None
    if not is_array(calls):
        return arguments
    return {
        **arguments,
        "calls": [
            {**c, "arguments": json.dumps(c["arguments"])}
            if is_object(c) and isinstance(c.get("arguments"), dict)
            else c
            for c in calls
        ],
    }


def check(live: Live, tool: str, arguments: Any) -> None:
    """The oracle: schema-invalid -> INVALID_ARGUMENTS, 0 requests; never an internal error."""
    result, sent = live.call(tool, arguments)
    payload = result.structured_content
    assert payload is not None, result.content
    # null is how a client omits an optional field; the server drops it the same way
    # jsonschema's stubs leave part of `is_valid`'s JSON type unknown
    schema_valid = is_object(arguments) and VALIDATORS[tool].is_valid(  # pyright: ignore[reportUnknownMemberType]
        _as_published(tool, _no_nulls(arguments))
    )
    if result.is_error:
        assert payload["error"] != "ERROR", f"internal error for {tool}({arguments!r:.300})"
        assert isinstance(payload["error_description"], str)
        if payload["error"] == "INVALID_ARGUMENTS":
            assert sent == 0, f"{tool} sent {sent} requests for invalid arguments"
            assert payload["details"], payload
            if schema_valid:  # stricter than the schema: fine, nothing was sent; noted below
                kinds = sorted({d["type"] for d in payload["details"]})
                live.count(f"schema-valid but rejected: {tool}: {','.join(kinds)}")
            else:
                live.count("rejected")
            return
    assert schema_valid, f"{tool} accepted arguments its schema rejects: {arguments!r:.300}"
    assert sent >= 1
    live.count("sent")


# --- valid inputs ----------------------------------------------------------------------


def _valid(tool: str) -> st.SearchStrategy[Any]:
    """Schema-valid arguments (hypothesis-jsonschema's JSON type has a bare `list`)."""
    return cast("st.SearchStrategy[Any]", from_schema(SCHEMAS[tool]))


@pytest.mark.parametrize("tool", sorted(SPECS))
def test_schema_valid_inputs_never_crash(live: Live, tool: str) -> None:
    @FUZZ
    @given(arguments=_valid(tool))
    def run(arguments: dict[str, Any]) -> None:
        check(live, tool, arguments)

    run()


# --- mutated inputs --------------------------------------------------------------------

GARBAGE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip
HOSTILE_SCALARS = st.sampled_from(
    [0, -1, -(2**31), 2**31, 2**63, 10**400, 1.5, -0.0, True, False, "", " ", "1", "-1",
     "x" * 300, "x" * 70_000, "\x00", "\ud800", "'; DROP TABLE b_tasks; --", "$result[x][ID]",
     "../../etc/passwd", "%2e%2e", "<script>", "\u202e", [], {}, None, [None], {"": None}]
)  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if is_object(value):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif is_array(value):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if is_object(value):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


@st.composite
def mutated(draw: st.DrawFn, tool: str) -> Any:
    base = draw(_valid(tool))
    how = draw(st.sampled_from(["replace", "replace", "unknown-key", "drop", "top", "nest"]))
    if how == "top":  # an unrelated object, keys and all
        return draw(st.dictionaries(st.text(max_size=10), HOSTILE_SCALARS | GARBAGE, max_size=4))
    paths = _paths(base)
    path = draw(st.sampled_from(paths))
    if how == "replace":
        return _replace(base, path, draw(HOSTILE_SCALARS | GARBAGE))
    dict_paths = [p for p in paths if _get(base, p).__class__ is dict]
    target = draw(st.sampled_from(dict_paths))
    holder = _get(base, target)
    if how == "unknown-key":
        key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in holder))
        return _replace(base, target, {**holder, key: draw(GARBAGE)})
    if how == "drop" and holder:
        key = draw(st.sampled_from(sorted(holder)))
        return _replace(base, target, {k: v for k, v in holder.items() if k != key})
    nested: Any = draw(GARBAGE)
    for _ in range(draw(st.integers(1, 60))):
        nested = {"a": nested}
    return _replace(base, path, nested)


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


@pytest.mark.parametrize("tool", sorted(SPECS))
def test_mutated_inputs_are_rejected_before_sending(live: Live, tool: str) -> None:
    @FUZZ
    @given(arguments=mutated(tool))
    def run(arguments: Any) -> None:
        if not is_object(arguments):
            return  # MCP arguments are an object; the client refuses others itself
        check(live, tool, arguments)

    run()


# --- hand-written hostile inputs -------------------------------------------------------


DEPTH = 200  # the MCP client itself refuses to serialize much deeper arguments


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"fields": value}
    return value


HOSTILE: list[tuple[str, Any]] = [
    ("sprint_add", {"fields": {**SPRINT_FIELDS, "name": "x" * 1_000_000}}),
    ("task_update", {"id": 1, "fields": {"entityId": 1, "storyPoints": "9" * 100_000}}),
    ("sprint_add", _deep(DEPTH)),
    ("sprint_list", {"filter": _deep(DEPTH)}),
    ("sprint_get", {"id": math.nan}),
    ("sprint_get", {"id": math.inf}),
    ("sprint_get", {"id": True}),
    ("sprint_get", {"id": 1.0}),
    ("sprint_get", {"id": "1"}),
    ("sprint_get", {"id": 2**31}),
    ("sprint_get", {"id": 2**200}),
    ("sprint_list", {"start": -2}),
    ("sprint_list", {"limit": 10**9}),
    ("sprint_list", {"select": ["ID"] * 10_000}),
    ("sprint_list", {"filter": {f"ID{i}": i for i in range(5_000)}}),
    ("sprint_add", {"fields": {**SPRINT_FIELDS, "dateStart": "2021-02-30T00:00:00"}}),
    ("sprint_add", {"fields": {**SPRINT_FIELDS, "dateStart": "9" * 40}}),
    ("scrum_batch", {"calls": [{"tool": "sprint_get", "arguments": {"id": 1}}] * 501}),
    ("scrum_batch", {"calls": [{"tool": "scrum_batch", "arguments": {"calls": []}}]}),
    ("scrum_batch", {"calls": [{"tool": "sprint_get", "arguments": _deep(DEPTH - 10)}]}),
    ("epic_add", {"fields": {"groupId": 1, "name": "e", "description": "\x00" * 30_000}}),
]


@pytest.mark.parametrize(
    ("tool", "arguments"), HOSTILE, ids=[f"{t}-{i}" for i, (t, _) in enumerate(HOSTILE)]
)
def test_hand_written_hostile_inputs(live: Live, tool: str, arguments: Any) -> None:  # fmt: skip
    result, sent = live.call(tool, arguments)
    payload = result.structured_content
    assert result.is_error, f"{tool} accepted {str(arguments)[:200]}"
    assert payload["error"] == "INVALID_ARGUMENTS", payload
    assert sent == 0
    assert len(text_of(result)) < 5_000  # the error does not echo a megabyte back


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, [math.nan]])
def test_nan_and_infinity_never_reach_the_portal_as_such(live: Live, value: Any) -> None:
    """Where a float is allowed (filter values) NaN/inf arrive as null or are refused."""
    result, sent = live.call("sprint_list", {"filter": {"ID": value}})
    assert result.structured_content["error"] != "ERROR" if result.is_error else True
    for request in live.standin.requests[len(live.standin.requests) - sent :]:
        json.dumps(request.body, allow_nan=False)  # strict JSON on the wire


def test_every_answer_used_by_the_fuzzer_fits_its_output_schema() -> None:
    for spec in ALL_TOOLS:
        if spec.forwards:
            shaped = spec.result.shape(answer_for(spec), None, None)
            jsonschema.validate(shaped, output_schema(spec))
