# pyright: strict
"""JSON schemas for `tools/list`, generated from the spec rows' pydantic models.

All post-processing of pydantic's output happens in `clean()`: `$ref`s inlined, automatic
titles dropped, `anyOf: [T, null]` flattened to `T`. Several clients (Gemini, Vertex,
older Inspector builds) reject `$ref` or `anyOf` beside `default`, and the titles only cost
tokens. Output schemas are built from each row's result descriptor (`tools/results.py`)
plus the error object (`errors.ERROR_SCHEMA`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

from bitrix24_scrum_mcp.errors import ERROR_SCHEMA
from bitrix24_scrum_mcp.tools.common import ListInput

if TYPE_CHECKING:  # the spec table imports these schema helpers, so only for typing here
    from bitrix24_scrum_mcp.tools.spec import ToolSpec

JsonSchema = dict[str, Any]
_NULL: JsonSchema = {"type": "null"}


def _each_object(node: Any, change: Callable[[JsonSchema], JsonSchema]) -> Any:
    """Apply `change` to every object of a JSON tree, innermost first."""
    if isinstance(node, list):
        return [_each_object(v, change) for v in cast(list[Any], node)]
    if isinstance(node, dict):
        return change({k: _each_object(v, change) for k, v in cast(JsonSchema, node).items()})
    return node


def _inline_refs(schema: JsonSchema) -> JsonSchema:
    defs: JsonSchema = schema.get("$defs", {})

    def inline(node: JsonSchema) -> JsonSchema:
        node.pop("$defs", None)
        ref = node.pop("$ref", None)
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
            return node
        target = _each_object(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]), inline)
        return {**target, **node}

    return _each_object(schema, inline)


def _without_null(node: JsonSchema) -> JsonSchema:
    """`{anyOf: [T, null], ...}` -> `{...T, ...}` (wider unions stay as they are)."""
    variants: list[Any] = node.get("anyOf", [])
    rest = [v for v in variants if v != _NULL]
    if len(rest) != 1 or len(rest) == len(variants):
        return node
    return {**rest[0], **{k: v for k, v in node.items() if k != "anyOf"}}


def _portable(flatten_null: bool) -> Callable[[JsonSchema], JsonSchema]:
    def change(node: JsonSchema) -> JsonSchema:
        # pydantic's automatic titles ("Groupid") are strings; a property named title is not
        out = {
            k: v
            for k, v in node.items()
            if not (k == "title" and isinstance(v, str)) and not (k == "default" and v is None)
        }
        return _without_null(out) if flatten_null else out

    return change


def clean(schema: JsonSchema, *, flatten_null: bool = True) -> JsonSchema:
    """Make a pydantic schema portable: no `$ref`, no auto titles.

    In inputs `X | None` only means "may be omitted", so the null branch is dropped; in
    outputs null is a value portals really send (`"deadline": null`), so it stays.
    """
    return _each_object(_inline_refs(schema), _portable(flatten_null))


def input_schema(spec: ToolSpec) -> JsonSchema:
    model = spec.input
    schema = clean(model.model_json_schema(by_alias=True))
    schema.pop("description", None)  # model docstrings are for us, not for the client
    schema.setdefault("properties", {})
    if issubclass(model, ListInput):
        schema["properties"]["select"]["items"] = {"enum": model.select_enum()}
    return schema


def _open(node: JsonSchema) -> JsonSchema:
    """Drop `required` and closedness: `select` may return a subset, portals add fields."""
    return {
        k: v
        for k, v in node.items()
        if k not in ("required", "additionalProperties") or not isinstance(v, (list, bool))
    }


def _optional_not_null(node: JsonSchema) -> JsonSchema:
    """`X | None = None` properties become X: our builders leave a None out, never send it.

    Required properties keep their null (the error object's `http_status` is sent as null).
    """
    properties: JsonSchema = node.get("properties", {})
    required: list[str] = node.get("required", [])
    for name, prop in properties.items():
        if name not in required:
            properties[name] = _without_null(prop)
    return node


def model_schema(model: type[BaseModel], *, closed: bool) -> JsonSchema:
    """A result model's schema: closed for what we build, open for what the portal sends.

    Closed: pydantic's own `required` and `additionalProperties: false`, and optional
    properties not nullable, because our builders leave None out. Open: nothing required,
    nothing forbidden, and null kept, because portals really send `"deadline": null`.
    """
    raw = clean(model.model_json_schema(by_alias=True), flatten_null=False)
    schema: JsonSchema = _each_object(raw, _optional_not_null if closed else _open)
    schema.pop("description", None)  # model docstrings are for us, not for the client
    return schema


def output_schema(spec: ToolSpec) -> JsonSchema:
    """The row's result on success, or the error object: clients may check either.

    TypeScript-SDK clients (the MCP Inspector among them) validate `structuredContent`
    against `outputSchema` even when `isError` is true, so the error object is the second
    branch of every tool's schema, declared as exactly as the success branch.
    """
    return {"type": "object", "anyOf": [spec.result.schema(), ERROR_SCHEMA]}
