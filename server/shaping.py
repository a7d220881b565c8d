"""REST results -> `structuredContent`, by the spec row's result kind.

Objects pass through unchanged; lists become `{items, total?, next?}`; any other value
(true, an id, `[]`) becomes `{result: value}`, because MCP structured content is an object.
"""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.tools.spec import ToolSpec


def list_items(spec: ToolSpec, result: Any) -> list[Any]:
    """The items of one page, wherever the method puts them."""
    if spec.items_key and isinstance(result, dict):
        result = result.get(spec.items_key, [])
    if isinstance(result, dict):  # a PHP array with non-sequential keys arrives as an object
        return list(result.values())
    return list(result) if isinstance(result, list) else []


def shape(
    spec: ToolSpec, result: Any, total: int | None = None, next_: int | None = None
) -> dict[str, Any]:
    if spec.kind == "list":
        out: dict[str, Any] = {"items": list_items(spec, result)}
        if total is not None:
            out["total"] = total
        if next_ is not None:
            out["next"] = next_
        return out
    if spec.kind == "object" and isinstance(result, dict):
        return result
    return {"result": result}
