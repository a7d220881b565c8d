"""The bulk tool: many calls of the other tools in `batch` requests of 50 (docs: batch.md).

Moving 200 tasks into a sprint is 200 `task_update` calls; one at a time that is 200 model
turns and, at the portal's 2 requests per second, 100 seconds. Through `scrum_batch` it is
one tool call and 4 HTTP requests. Every item is validated by its own tool's model before
anything is sent, so one bad item rejects the whole call with nothing written.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bitrix24_scrum_mcp.tools.spec import ResultModel, ToolSpec

MAX_CALLS = 500
BATCH_SIZE = 50  # docs: "Max 50 sub-requests per batch"
BULK_METHOD = "batch"


class BulkCall(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    tool: str = Field(
        pattern=r"^[a-z_]{1,64}$", description="Name of another tool, e.g. task_update"
    )
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="That tool's arguments (no `limit` for lists)"
    )


class BulkInput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    calls: list[BulkCall] = Field(min_length=1, max_length=MAX_CALLS, description="Calls in order")
    halt: bool = Field(False, description="Stop at the first failing call; later ones do not run")


class BulkItemResult(ResultModel):
    index: int
    tool: str
    ok: bool
    result: dict[str, Any] | None = Field(None, description="The tool's structured result")
    error: dict[str, Any] | None = Field(None, description="The tool's structured error")


class BulkResult(ResultModel):
    results: list[BulkItemResult]
    succeeded: int
    failed: int
    not_run: int
    requests: int = Field(description="HTTP requests sent")


TOOLS = (
    ToolSpec(
        method=BULK_METHOD,
        toolset="bulk",
        title="Run many Scrum calls at once",
        description="Run up to 500 calls of the other tools ({tool, arguments}) in batch "
        "requests of 50, e.g. move 200 tasks into a sprint with task_update. All calls are "
        "validated first: one invalid call rejects the whole request unsent. Returns a result "
        "or error per call; with halt, calls after the first failure do not run.",
        input=BulkInput,
        output=BulkResult,
        name_override="scrum_batch",
    ),
)
