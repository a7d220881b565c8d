# pyright: strict
"""JSON schemas for `tools/list`, generated from the spec rows' pydantic models.

`clean()` makes any pydantic schema portable: `$ref`s inlined, automatic titles dropped
(several clients, Gemini and Vertex among them, reject `$ref`; the titles only cost
tokens). Input schemas then get the rules that let every client library convert them
without losing meaning (`input_schema`; evidence in docs/clients/README.md): optional
fields nullable, no boolean `additionalProperties`, no keywords a converter drops. These
rules are generic, so a new row gets them from its pydantic model alone. Output schemas
are built from each row's result descriptor (`tools/results.py`) plus the error object
(`errors.ERROR_SCHEMA`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

from bitrix24_scrum_mcp.errors import ERROR_SCHEMA

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


def _untitled(node: JsonSchema) -> JsonSchema:
    # pydantic's automatic titles ("Groupid") are strings; a property named title is not
    return {
        k: v
        for k, v in node.items()
        if not (k == "title" and isinstance(v, str)) and not (k == "default" and v is None)
    }


def clean(schema: JsonSchema) -> JsonSchema:
    """Make a pydantic schema portable: no `$ref`, no auto titles, no `default: null`."""
    return _each_object(_inline_refs(schema), _untitled)


_NOT_PUBLISHED = frozenset(
    {"maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties", "default"}
)
"""Keywords left out of input schemas; validation still enforces what they say.

google-genai's converter drops the length, item-count and property-count keywords silently
and OpenAI strict mode has refused the length ones, while the error a model gets for
breaking one names the limit (they cost ~320 tokens over the tool list). `default` only
restates "omitted = not set", which null now says for every client."""


def _input_keywords(node: JsonSchema) -> JsonSchema:
    """One schema node as every converter reads it the same way.

    No boolean `additionalProperties` (google-genai's adapter fails on it for the whole
    tool list; strict converters add `false` themselves; unknown fields are still refused
    by validation), and a contiguous integer enum as a range (Gemini enums are strings).
    """
    out = {
        k: v
        for k, v in node.items()
        if k not in _NOT_PUBLISHED and not (k == "additionalProperties" and isinstance(v, bool))
    }
    values: list[Any] = out.get("enum", [])
    if values and all(type(v) is int for v in values):
        low, high = min(values), max(values)
        if sorted(values) == list(range(low, high + 1)):
            del out["enum"]
            out.update(minimum=low, maximum=high)
    return out


def _nullable(name: str, prop: JsonSchema) -> JsonSchema:
    """An optional property as `[T, "null"]`, or `anyOf [T, null]` for enums and objects.

    Strict converters (openai-agents, langchain, pydantic-ai) make every property required,
    so "leave it out" must be expressible as null. A type list keeps the description where
    google-genai reads it and costs least; enums and objects take `anyOf` with the
    description inside the branch, because a type list would put null into a Gemini enum
    and pydantic-ai's OpenAI strict mode closes only objects typed plainly `object`.
    """
    variants: list[JsonSchema] = prop.get("anyOf", [])
    if _NULL not in variants:
        raise ValueError(
            f"optional input field '{name}' must accept null (`T | None = None`): clients in "
            "strict mode send null for every field they leave out"
        )
    rest = [v for v in variants if v != _NULL]
    if len(rest) != 1:
        return prop
    base = {**rest[0], **{k: v for k, v in prop.items() if k != "anyOf"}}
    kind = base.get("type")
    if isinstance(kind, str) and kind != "object" and "enum" not in base:
        return {**base, "type": [kind, "null"]}
    return {"anyOf": [base, _NULL]}


def _portable_input(node: JsonSchema) -> JsonSchema:
    node = _input_keywords(node)
    properties: JsonSchema | None = node.get("properties")
    if isinstance(properties, dict):
        required = set(node.get("required", []))
        node["properties"] = {
            name: prop if name in required else _nullable(name, prop)
            for name, prop in properties.items()
        }
    return node


def _each_schema(node: JsonSchema, change: Callable[[JsonSchema], JsonSchema]) -> JsonSchema:
    """Apply `change` to every schema node (not to `properties` maps), innermost first."""
    out = dict(node)
    properties = out.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {
            k: _each_schema(v, change) for k, v in cast(JsonSchema, properties).items()
        }
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = _each_schema(out[key], change)
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(out.get(key), list):
            out[key] = [_each_schema(v, change) for v in cast(list[JsonSchema], out[key])]
    return change(out)


def input_schema(spec: ToolSpec) -> JsonSchema:
    """The inputSchema every client converts without losing meaning (docs/clients/README.md).

    Optional fields are nullable, no boolean `additionalProperties`, no keywords a
    converter drops where the loss would change meaning. What the input model declares
    beyond pydantic's defaults (filter/order keys, select names) comes from the model's
    own `__get_pydantic_json_schema__`.
    """
    raw = clean(spec.input.model_json_schema(by_alias=True))
    raw.pop("description", None)  # model docstrings are for us, not for the client
    raw.setdefault("properties", {})
    return _each_schema(raw, _portable_input)


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
    raw = clean(model.model_json_schema(by_alias=True))
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
