"""The spec table row: one `ToolSpec` per REST method, the single source for everything else.

From a row come the tool name, the JSON schemas (`tools/schema.py`), the validation (its
pydantic input model), the forwarding (its REST method), the shaping of results, the
annotations, the README table and the MCPB manifest. Adding a method is adding a row.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bitrix24_scrum_mcp.tools.common import ListInput

ResultKind = Literal["object", "list", "value"]
"""How the REST `result` becomes `structuredContent`: an object as is, a list as
`{items, total, next}`, anything else (true, 5, []) as `{result: value}`."""

_NAME_PREFIXES = ("tasks.api.scrum.", "socialnetwork.api.")


def tool_name(method: str) -> str:
    """`tasks.api.scrum.sprint.getFields` -> `sprint_get_fields` (clients reject dots).

    Companion methods outside the Scrum family keep their namespace so they cannot clash
    with Scrum tools: `tasks.task.get` -> `tasks_task_get` beside Scrum's `task_get`.
    """
    for prefix in _NAME_PREFIXES:
        if method.startswith(prefix):
            method = method[len(prefix) :]
            break
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", method.replace(".", "_"))
    return snake.lower()


def read_tool_for(method: str, offered: Collection[str]) -> str | None:
    """The offered read tool that shows whether a write to `method` took effect.

    `tasks.api.scrum.sprint.add` -> `sprint_get` (else `sprint_list`); used in the hint of
    errors where a write's outcome is unknown.
    """
    family = method.rsplit(".", 1)[0]
    for action in ("get", "getStages", "list"):
        candidate = tool_name(f"{family}.{action}")
        if candidate in offered:
            return candidate
    return None


class ResultModel(BaseModel):
    """Base for documented result objects: declares the documented fields, admits more.

    Real portals add fields over time; a result schema that forbade them would make
    clients reject good answers.
    """

    model_config = ConfigDict(extra="allow", alias_generator=to_camel)


class FieldsResult(ResultModel):
    """What every `*.getFields` method returns: `{fields: {name: {type}}}`."""

    fields: dict[str, dict[str, Any]] = Field(description="Writable fields and their types")


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One REST method exposed as one MCP tool."""

    method: str
    toolset: str
    title: str
    description: str
    input: type[BaseModel]
    kind: ResultKind = "object"
    output: type[BaseModel] | None = None
    """Model of the result object (kind=object) or of one item (kind=list)."""
    value_schema: dict[str, Any] = field(default_factory=dict)
    """JSON schema of `result` when kind=value."""
    items_key: str | None = None
    """For lists nested in an object result, e.g. `tasks.task.list` -> result.tasks."""
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    name_override: str | None = None
    """Only for tools that are not one REST method (the bulk tool)."""

    @property
    def name(self) -> str:
        return self.name_override or tool_name(self.method)

    @property
    def paginated(self) -> bool:
        """Whether the input takes `start`/`limit`, so pages can be fetched ahead in a batch."""
        return issubclass(self.input, ListInput)
