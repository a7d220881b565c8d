"""Compare a tool's structured result with its declared outputSchema key by key, both ways.

JSON-schema validation alone would pass a result whose keys only an open schema admits;
this walk reports every returned key a closed object does not declare and every required
key that is missing, at every depth, as readable paths (`$.results[1].error.method`).
"""

from __future__ import annotations

from typing import Any

from mcp.types import CallToolResult

from bitrix24_scrum_mcp.json_types import is_array, is_object
from bitrix24_scrum_mcp.tools.schema import output_schema
from bitrix24_scrum_mcp.tools.spec import ToolSpec

Schema = dict[str, Any]

_JSON_TYPES = {
    "dict": "object",
    "list": "array",
    "str": "string",
    "bool": "boolean",
    "int": "integer",
    "float": "number",
    "NoneType": "null",
}


def _branch(schema: Schema, value: Any) -> Schema:
    """The `anyOf` branch whose type is the value's JSON type (the schema if none)."""
    kind = _JSON_TYPES.get(type(value).__name__)
    for option in schema.get("anyOf", []):
        if option.get("type") == kind or (kind == "integer" and option.get("type") == "number"):
            return {**{k: v for k, v in schema.items() if k != "anyOf"}, **option}
    return schema


def key_mismatches(value: Any, schema: Schema, path: str = "$") -> list[str]:
    """Every undeclared key of a closed object and every missing required key in `value`."""
    schema = _branch(schema, value)
    found: list[str] = []
    if is_object(value) and schema.get("type") == "object":
        value = value
        declared: Schema = schema.get("properties", {})
        found += [
            f"{path}.{k}: required but missing"
            for k in schema.get("required", [])
            if k not in value
        ]
        if schema.get("additionalProperties") is False:
            found += [f"{path}.{k}: returned but not declared" for k in value if k not in declared]
        for key, sub in declared.items():
            if key in value:
                found += key_mismatches(value[key], sub, f"{path}.{key}")
    elif is_array(value) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += key_mismatches(item, schema["items"], f"{path}[{index}]")
    return found


def result_mismatches(spec: ToolSpec, result: CallToolResult) -> list[str]:
    """Key mismatches of a call's structuredContent: the success or the error branch."""
    success, error = output_schema(spec)["anyOf"]
    branch = error if result.is_error else success
    return [f"{spec.name}: {m}" for m in key_mismatches(result.structured_content, branch)]
