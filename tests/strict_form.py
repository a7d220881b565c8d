"""Arguments as a model in OpenAI strict mode sends them: every declared key, null if unset.

Strict converters (openai-agents, langchain `strict=True`, pydantic-ai) make every
property required, so a model constrained by the converted schema cannot leave a field
out; it sends null. `strict_form(schema, values)` builds exactly that instance from the
values a model means to send, following the (published or converted) schema.
"""

from __future__ import annotations

from typing import Any, cast

from bitrix24_scrum_mcp.json_types import is_array, is_object

Schema = dict[str, Any]


def _object_branch(schema: Schema) -> Schema | None:
    """The object schema inside `anyOf [object, null]` or `type: [object, null]`."""
    for branch in cast(list[Schema], schema.get("anyOf", [schema])):
        kind = branch.get("type")
        if kind == "object" or (is_array(kind) and "object" in kind):
            return branch
    return None


def strict_form(schema: Schema, values: Any) -> Any:
    """`values` with every declared property of every object present, null where unset.

    Keys the schema does not declare (operator filter keys) are kept as they are: a
    non-strict client may send them, a strict one cannot.
    """
    branch = _object_branch(schema)
    if values is None or branch is None or not is_object(values):
        return values
    given = values
    declared: Schema = branch.get("properties", {})
    out = {name: strict_form(sub, given.get(name)) for name, sub in declared.items()}
    out.update({k: v for k, v in given.items() if k not in declared})
    return out
