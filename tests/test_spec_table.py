"""The spec table against the documentation: names, types, required flags, allowed values.

A row that drifts from docs/spec/methods.json (our copy of the documentation) fails here, except for the
documented ambiguities listed in DEVIATIONS, each with the reason we chose otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest

from bitrix24_scrum_mcp.json_types import is_array, is_object
from bitrix24_scrum_mcp.tools import ALL_TOOLS, TOOLSETS, select
from bitrix24_scrum_mcp.tools.schema import input_schema
from bitrix24_scrum_mcp.tools.spec import ToolSpec, tool_name
from tests.spec_source import methods

SCRUM = [spec for spec in ALL_TOOLS if spec.forwards and spec.method.startswith("tasks.api.scrum.")]
BY_METHOD = {spec.method: spec for spec in ALL_TOOLS}

COMPANIONS = {
    "tasks.task.add",
    "tasks.task.get",
    "tasks.task.list",
    "socialnetwork.api.workgroup.list",
    "sonet_group.get",
    "user.current",
}

# (method, where, name) -> why our schema differs from methods.json
DEVIATIONS: dict[tuple[str, str, str], str] = {
    ("tasks.api.scrum.epic.update", "param", "fields"): "typed array, structured as an object",
    ("tasks.api.scrum.sprint.list", "param", "select"): "typed object, described as a list",
    ("tasks.api.scrum.sprint.list", "param", "order"): "documented object; kept",
    ("tasks.api.scrum.epic.list", "param", "order"): "typed array, structured as an object map",
    ("tasks.api.scrum.epic.list", "param", "filter"): "typed array, structured as an object map",
}

# Fields the portal requires although methods.json marks them optional.
REQUIRED_BY_PORTAL: dict[str, set[str]] = {
    "tasks.api.scrum.sprint.add": {"dateStart", "dateEnd", "status"},  # its controller rejects
}
# Documented as required, optional here because the server fills them (tools/creator.py).
FILLED_BY_SERVER: dict[str, set[str]] = {"tasks.api.scrum.backlog.add": {"createdBy"}}

JSON_TYPES = {"integer": "integer", "string": "string", "object": "object", "array": "array"}


def test_every_documented_method_is_exactly_one_tool() -> None:
    documented = set(methods())
    offered = {spec.method for spec in SCRUM}
    assert offered == documented
    assert {spec.name for spec in SCRUM} == {tool_name(m) for m in documented}


def test_the_other_one_to_one_tools_are_the_companions() -> None:
    others = {spec.method for spec in ALL_TOOLS if spec.forwards} - set(methods())
    assert others == COMPANIONS


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("tasks.api.scrum.backlog.add", "backlog_add"),
        ("tasks.api.scrum.sprint.getFields", "sprint_get_fields"),
        ("tasks.api.scrum.task.update", "task_update"),
        ("tasks.api.scrum.kanban.addStage", "kanban_add_stage"),
        ("tasks.task.list", "tasks_task_list"),
        ("socialnetwork.api.workgroup.list", "workgroup_list"),
        ("user.current", "user_current"),
    ],
)
def test_tool_names_are_derived_from_the_method(method: str, name: str) -> None:
    assert tool_name(method) == name


def test_tool_names_suit_every_client() -> None:
    for spec in ALL_TOOLS:
        assert spec.name.replace("_", "").isalnum() and spec.name.islower()
        assert len(spec.name) <= 40  # Claude Code prefixes mcp__<server>__ within 64


def _params(schema: dict[str, Any]) -> dict[str, Any]:
    return {name: non_null(prop) for name, prop in schema.get("properties", {}).items()}


def non_null(prop: dict[str, Any]) -> dict[str, Any]:
    """What a property holds when it is not null: `[T, "null"]` -> T, `anyOf [X, null]` -> X."""
    if "anyOf" in prop:
        rest = [v for v in prop["anyOf"] if v != {"type": "null"}]
        return rest[0] if len(rest) == 1 else prop
    kinds = prop.get("type")
    if is_array(kinds) and "null" in kinds:
        [kind] = [k for k in kinds if k != "null"]
        return {**prop, "type": kind}
    return prop


def _described(prop: dict[str, Any]) -> bool:
    """A description where clients keep it: on the property, or in every branch of a union."""
    branches = [v for v in prop.get("anyOf", []) if v != {"type": "null"}]
    if len(branches) > 1:
        return all(branch.get("description") for branch in branches)
    return bool(non_null(prop).get("description"))


def nullable(prop: dict[str, Any]) -> bool:
    kinds = prop.get("type")
    return {"type": "null"} in prop.get("anyOf", []) or (is_array(kinds) and "null" in kinds)


def _check_property(
    spec: ToolSpec, where: str, doc: dict[str, Any], schema: dict[str, Any]
) -> None:
    key = (spec.method, where, doc["name"])
    if key in DEVIATIONS:
        return
    expected = JSON_TYPES[doc["type"]]
    assert schema.get("type") == expected, f"{key}: type {schema.get('type')} != {expected}"
    if doc.get("allowed_values"):
        assert set(schema["enum"]) == set(doc["allowed_values"]), key


@pytest.mark.parametrize("spec", SCRUM, ids=lambda s: s.name)
def test_parameters_match_the_documentation(spec: ToolSpec) -> None:
    doc = methods()[spec.method]
    schema = input_schema(spec)
    props = _params(schema)
    documented = {p["name"] for p in doc["params"]}
    ours = set(props) - {"limit"}  # limit is ours: several pages in one call
    assert ours == documented
    required = {p["name"] for p in doc["params"] if p["required"]}
    assert set(schema.get("required", [])) == required
    for param in doc["params"]:
        _check_property(spec, "param", param, props[param["name"]])


def _field_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    # epic.list documents its filter vocabulary as pseudo-fields; checked by the list test.
    return [f for f in doc.get("fields", []) if " " not in f["name"]]


@pytest.mark.parametrize(
    "spec",
    [s for s in SCRUM if "fields" in _params(input_schema(s))],
    ids=lambda s: s.name,
)
def test_fields_match_the_documentation(spec: ToolSpec) -> None:
    doc = methods()[spec.method]
    fields_schema = _params(input_schema(spec))["fields"]
    props = _params(fields_schema)
    documented = {f["name"] for f in _field_rows(doc)}
    extra_ok = {"createdBy", "modifiedBy"} if spec.method.endswith("sprint.add") else set[str]()
    assert set(props) == documented | extra_ok
    required = {f["name"] for f in _field_rows(doc) if f["required"]}
    required |= REQUIRED_BY_PORTAL.get(spec.method, set())
    required -= FILLED_BY_SERVER.get(spec.method, set())
    assert set(fields_schema.get("required", [])) == required
    for field in _field_rows(doc):
        _check_property(spec, "field", field, props[field["name"]])


@pytest.mark.parametrize(
    ("method", "documented"),
    [
        ("tasks.api.scrum.sprint.list", None),
        ("tasks.api.scrum.epic.list", None),
    ],
)
def test_list_fields_match_the_documentation(method: str, documented: None) -> None:
    doc = methods()[method]
    spec = BY_METHOD[method]
    select_enum = set(_params(input_schema(spec))["select"]["items"]["enum"]) - {"*"}
    if method.endswith("sprint.list"):
        assert select_enum == {f["name"] for f in doc["fields"]}
    else:
        vocabulary = next(f for f in doc["fields"] if f["name"].startswith("filterable"))
        assert select_enum == set(vocabulary["allowed_values"])


def _walk(schema: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if is_object(schema):
        found.append((path, schema))
        for key, value in schema.items():
            found.extend(_walk(value, f"{path}/{key}"))
    elif is_array(schema):
        for index, value in enumerate(schema):
            found.extend(_walk(value, f"{path}/{index}"))
    return found


# Keywords some converter drops or refuses (docs/clients/README.md): validation enforces them.
UNPUBLISHED = {"$ref", "$defs", "maxLength", "minLength", "maxItems", "minItems", "maxProperties",
               "exclusiveMinimum", "exclusiveMaximum", "default", "patternProperties",
               "propertyNames"}  # fmt: skip
MAPS = ("/filter/anyOf/0", "/order/anyOf/0", "/FILTER/anyOf/0", "/ORDER/anyOf/0")


@pytest.mark.parametrize("spec", ALL_TOOLS, ids=lambda s: s.name)
def test_input_schemas_are_described_and_portable(spec: ToolSpec) -> None:
    """Every client library converts them (tests/clients/): optional means nullable, no
    boolean additionalProperties, no keyword a converter drops, descriptions where
    google-genai keeps them (beside a type list, or inside an anyOf branch)."""
    schema = input_schema(spec)
    assert schema["type"] == "object" and "properties" in schema
    for path, node in _walk(schema):
        assert not UNPUBLISHED & set(node), f"{spec.name}{path}: {UNPUBLISHED & set(node)}"
        assert not isinstance(node.get("additionalProperties"), bool), f"{spec.name}{path}"
        if "anyOf" in node:
            assert set(node) == {"anyOf"}, f"{spec.name}{path}: keywords beside anyOf are lost"
        if isinstance(node.get("type"), list):
            assert "enum" not in node and "object" not in node["type"], f"{spec.name}{path}"
        if "enum" in node:
            assert node.get("type") == "string", f"{spec.name}{path}: Gemini enums are strings"
        if node.get("type") != "object" or "properties" not in node:
            continue
        required = set(node.get("required", []))
        for name, prop in node["properties"].items():
            where = f"{spec.name}{path}/properties/{name}"
            assert nullable(prop) == (name not in required), f"{where}: optional = nullable"
            if not path.endswith(MAPS):  # declared filter/order keys are field names
                assert _described(prop), f"{where} has no description"


@pytest.mark.parametrize("spec", [s for s in ALL_TOOLS if s.forwards], ids=lambda s: s.name)
def test_annotations_of_one_to_one_tools_follow_their_method(spec: ToolSpec) -> None:
    action = spec.method.rsplit(".", 1)[-1]
    reads = action.startswith(("get", "list")) or spec.method in ("user.current", "sonet_group.get")
    assert spec.read_only == reads, spec.name
    assert spec.destructive == action.startswith("delete"), spec.name


def test_toolsets_and_read_only_select_rows() -> None:
    assert {spec.toolset for spec in ALL_TOOLS} == set(TOOLSETS)
    read_only = select(read_only=True)
    assert read_only and all(spec.read_only for spec in read_only)
    assert {s.name for s in select(["sprint"])} == {
        s.name for s in ALL_TOOLS if s.toolset == "sprint"
    }
    with pytest.raises(ValueError, match="unknown toolset"):
        select(["sprints"])
