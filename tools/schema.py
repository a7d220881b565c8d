"""JSON schemas for `tools/list`, generated from the spec rows' pydantic models.

All post-processing of pydantic's output happens in `clean()`: `$ref`s inlined, automatic
titles dropped, `anyOf: [T, null]` flattened to `T`. Several clients (Gemini, Vertex,
older Inspector builds) reject `$ref` or `anyOf` beside `default`, and the titles only cost
tokens. Output schemas must also admit the structured error object, because TypeScript-SDK
clients validate `structuredContent` against `outputSchema` even when `isError` is true.
"""

from __future__ import annotations

import copy
from typing import Any

from bitrix24_scrum_mcp.tools.common import ListInput
from bitrix24_scrum_mcp.tools.spec import ToolSpec

JsonSchema = dict[str, Any]


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = copy.deepcopy(defs[ref.removeprefix("#/$defs/")])
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _inline_refs({**target, **rest}, defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _simplify(node: Any, flatten_null: bool = True) -> Any:
    if isinstance(node, list):
        return [_simplify(v, flatten_null) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue  # pydantic's automatic "Groupid" titles; property maps hold dicts
        if key == "default" and value is None:
            continue
        out[key] = _simplify(value, flatten_null)
    variants = out.get("anyOf")
    if flatten_null and isinstance(variants, list):
        non_null = [v for v in variants if v != {"type": "null"}]
        if len(non_null) == 1 and len(non_null) < len(variants):
            del out["anyOf"]
            out = {**non_null[0], **out}
    return out


def clean(schema: JsonSchema, *, flatten_null: bool = True) -> JsonSchema:
    """Make a pydantic schema portable: no `$ref`, no auto titles.

    In inputs `X | None` only means "may be omitted", so the null branch is dropped; in
    outputs null is a value portals really send (`"deadline": null`), so it stays.
    """
    return _simplify(_inline_refs(schema, schema.get("$defs", {})), flatten_null)


def input_schema(spec: ToolSpec) -> JsonSchema:
    model = spec.input
    schema = clean(model.model_json_schema(by_alias=True))
    schema.pop("description", None)  # model docstrings are for us, not for the client
    schema.setdefault("properties", {})
    if issubclass(model, ListInput):
        schema["properties"]["select"]["items"] = {"enum": model.select_enum()}
    return schema


def _open(node: Any) -> Any:
    """Drop `required` and closedness: `select` may return a subset, portals add fields."""
    if isinstance(node, list):
        return [_open(v) for v in node]
    if not isinstance(node, dict):
        return node
    return {
        k: _open(v)
        for k, v in node.items()
        if k not in ("required", "additionalProperties") or not isinstance(v, (list, bool))
    }


def _item_schema(spec: ToolSpec) -> JsonSchema:
    if spec.output is None:
        return {"type": "object"}
    schema = _open(clean(spec.output.model_json_schema(by_alias=True), flatten_null=False))
    schema.pop("description", None)
    return schema


def success_properties(spec: ToolSpec) -> JsonSchema:
    """Properties of a successful call's `structuredContent`."""
    if spec.kind == "list":
        return {
            "items": {"type": "array", "items": _item_schema(spec)},
            "total": {"type": "integer"},
            "next": {"type": "integer"},
        }
    if spec.kind == "value":
        return {"result": spec.value_schema}
    properties = dict(_item_schema(spec).get("properties", {}))
    if spec.value_schema:  # an object result that some portals send as a bare value
        properties["result"] = spec.value_schema
    return properties


def output_schema(spec: ToolSpec) -> JsonSchema:
    """The result shape on success: nothing required and nothing forbidden.

    That openness is what lets the error object `{error, error_description, method,
    http_status, retryable, details?}` validate too (no success property shares its names),
    without repeating its definition in every tool; the server instructions describe it.
    """
    return {"type": "object", "properties": success_properties(spec)}
