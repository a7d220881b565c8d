# pyright: strict
"""The spec table row: one `ToolSpec` per tool, the single source for everything else.

From a row come the tool name, the JSON schemas (`tools/schema.py`), the validation (its
pydantic input model), how it runs (its runner, `tools/runner.py`), what it returns (its
result descriptor, `tools/results.py`), the annotations, the README table and the MCPB
manifest. Adding a tool is adding a row; CONTRIBUTING.md lists the rest.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from pydantic import BaseModel

from bitrix24_scrum_mcp.errors import Bitrix24Error
from bitrix24_scrum_mcp.tools.common import ListInput
from bitrix24_scrum_mcp.tools.creator import Creator
from bitrix24_scrum_mcp.tools.results import ListResult, OwnResult, Result
from bitrix24_scrum_mcp.tools.runner import Runner, forward, forward_pages

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


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One MCP tool: what it takes (`input`), how it runs (`run`), what it returns (`result`).

    A one-to-one tool forwards one REST method. It is a row in its family module's `TOOLS`,
    named after the method (`tasks.api.scrum.sprint.get` -> `sprint_get`):

        ToolSpec(
            method="tasks.api.scrum.sprint.get", toolset="sprint", title="Get sprint",
            description="Get one sprint by its id.", input=id_input("Sprint id"),
            result=ObjectResult(SprintResult), read_only=True,
        )

    `run` defaults to `forward`. A list row takes a `ListInput` subclass and says
    `result=ListResult(SprintResult), run=forward_pages` (so `limit` works); a bare answer
    is `result=ValueResult({"type": "boolean"})`.

    A composed tool makes several REST calls. Its row carries its own name, runner and
    result model, defined beside it in its module:

        class Overview(OwnModel):            # closed: exactly these keys come back
            active_sprint: dict[str, Any] | None = None
            backlog_tasks: int

        async def overview(ctx: RunContext, args: OverviewInput) -> dict[str, Any]:
            sprints = await ctx.client.call("tasks.api.scrum.sprint.list", {...}, write=False)
            ...
            return Overview(active_sprint=..., backlog_tasks=...).dump()

        ToolSpec(method="tasks.api.scrum.sprint.list", name_override="scrum_overview",
                 toolset="workbench", title=..., description=..., input=OverviewInput,
                 result=OwnResult(Overview), run=overview, read_only=True)

    The runner gets the REST client, its own row, the offered rows by name and a progress
    callback (`RunContext`); reads pass `write=False`, which lets the client retry them. It
    raises `Bitrix24Error` (the client already does) and the dispatcher makes the error
    result; whatever it returns is checked against `result.schema()`. CONTRIBUTING.md
    ("Adding a tool") lists the other files to touch and the command that regenerates the
    snapshot, README table and manifest.
    """

    method: str
    """The REST method a one-to-one row forwards to; a composed row names its main call.
    Errors raised before any call (invalid arguments) carry it."""
    toolset: str
    title: str
    description: str
    input: type[BaseModel]
    result: Result
    run: Runner = forward
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    name_override: str | None = None
    """For tools that are not named after one REST method (scrum_batch, composed tools)."""
    creator: Creator | None = None
    """When the server fills `fields.createdBy` with the acting user (tools/creator.py)."""

    def __post_init__(self) -> None:
        """Refuse, when the table is imported, a row that would run wrongly."""
        if self.run is forward_pages and not (
            self.paginated and isinstance(self.result, ListResult)
        ):
            raise ValueError(f"{self.name}: forward_pages needs a ListInput and a ListResult")
        if self.run is forward and self.paginated:
            raise ValueError(
                f"{self.name}: a ListInput row runs with forward_pages (or a runner "
                "of its own), else its `limit` is ignored"
            )
        if self.forwards and isinstance(self.result, OwnResult):
            raise ValueError(f"{self.name}: an OwnResult is built by the row's own runner")

    @property
    def name(self) -> str:
        return self.name_override or tool_name(self.method)

    @property
    def paginated(self) -> bool:
        """Whether the input takes `start`/`limit`."""
        return issubclass(self.input, ListInput)

    @property
    def forwards(self) -> bool:
        """Whether the row is exactly one call of `method`, so scrum_batch can run it."""
        return self.run is forward or self.run is forward_pages


def outcome_hint(spec: ToolSpec, exc: Bitrix24Error, offered: Collection[str]) -> str:
    """`; check the current state with sprint_get` where a failed write may have applied."""
    if spec.read_only or not exc.maybe_applied:
        return ""
    check = read_tool_for(spec.method, offered)
    return f"; check the current state with {check}" if check else ""
