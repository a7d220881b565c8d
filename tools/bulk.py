# pyright: strict
"""The bulk tool: many calls of the other tools in `batch` requests of 50 (docs: batch.md).

Moving 200 tasks into a sprint is 200 `task_update` calls; one at a time that is 200 model
turns and, at the portal's 2 requests per second, 100 seconds. Through `scrum_batch` it is
one tool call and 4 HTTP requests. Every item is validated by its own tool's model before
anything is sent, so one bad item rejects the whole call with nothing written.

Safety: a chunk refused for rate (QUERY_LIMIT_EXCEEDED) was not executed and is retried by
the client; a chunk whose answer is lost marks its calls with that error and stops the run,
because repeating it could apply writes twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from bitrix24_scrum_mcp import phpquery
from bitrix24_scrum_mcp.batch import BatchAnswer
from bitrix24_scrum_mcp.errors import ERROR_SCHEMA, Bitrix24Error, InvalidArgumentsError
from bitrix24_scrum_mcp.tools.common import JsonObjectText
from bitrix24_scrum_mcp.tools.results import OwnModel, OwnResult
from bitrix24_scrum_mcp.tools.runner import RunContext, rest_body
from bitrix24_scrum_mcp.tools.spec import ToolSpec, outcome_hint
from bitrix24_scrum_mcp.validation import details_of

MAX_CALLS = 500
BATCH_SIZE = 50  # docs: "Max 50 sub-requests per batch"
BULK_METHOD = "batch"
NOT_RUN = "NOT_RUN"


class BulkCall(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    tool: str = Field(
        pattern=r"^[a-z_]{1,64}$", description="Name of another tool, e.g. task_update"
    )
    arguments: JsonObjectText | None = Field(
        None,
        description="That tool's arguments as a JSON object text, e.g. "
        '\'{"id":5,"fields":{"entityId":23}}\' (no limit for lists); null = none',
    )


class BulkInput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    calls: list[BulkCall] = Field(min_length=1, max_length=MAX_CALLS, description="Calls in order")
    halt: bool | None = Field(
        None, description="Stop at the first failing call; later ones do not run (default false)"
    )


ErrorObject = Annotated[dict[str, Any], WithJsonSchema(ERROR_SCHEMA)]


class BulkItem(OwnModel):
    index: int
    tool: str
    ok: bool
    result: dict[str, Any] | None = Field(default=None, description="The tool's result, when ok")
    error: ErrorObject | None = Field(default=None, description="The tool's error, when not ok")


class BulkResult(OwnModel):
    results: list[BulkItem]
    succeeded: int
    failed: int
    not_run: int = Field(description="Calls not executed (halt, or the run stopped)")
    requests: int = Field(description="HTTP requests sent")


@dataclass(frozen=True, slots=True)
class PreparedCall:
    index: int
    spec: ToolSpec
    body: dict[str, Any]

    def failed(self, error: dict[str, Any]) -> BulkItem:
        return BulkItem(index=self.index, tool=self.spec.name, ok=False, error=error)


def prepare(request: BulkInput, specs: Mapping[str, ToolSpec]) -> list[PreparedCall]:
    """Validate every call with its own tool's model; one InvalidArgumentsError for all."""
    batchable = sorted(name for name, spec in specs.items() if spec.forwards)
    details: list[dict[str, Any]] = []
    prepared: list[PreparedCall] = []
    for index, call in enumerate(request.calls):
        where = f"calls[{index}]"
        spec = specs.get(call.tool)
        if spec is None or not spec.forwards:
            message = f"unknown tool '{call.tool}'; allowed: {', '.join(batchable)}"
            details.append({"field": f"{where}.tool", "type": "unknown_tool", "message": message})
            continue
        arguments = call.arguments or {}
        if spec.paginated and "limit" in arguments:
            message = "limit is not available inside scrum_batch; use start"
            field = f"{where}.arguments.limit"
            details.append({"field": field, "type": "not_in_batch", "message": message})
            continue
        try:
            model = spec.input.model_validate(arguments)
        except ValidationError as exc:
            details.extend(details_of(spec.input, exc, prefix=f"{where}.arguments"))
            continue
        prepared.append(PreparedCall(index, spec, rest_body(model)))
    if details:
        raise InvalidArgumentsError(details, method=BULK_METHOD)
    return prepared


async def run_bulk(ctx: RunContext, request: BulkInput) -> dict[str, Any]:
    """The runner of scrum_batch: chunks of 50 sub-calls, one result or error per call."""
    calls = prepare(request, ctx.specs)
    results: list[BulkItem | None] = [None] * len(calls)
    requests = 0
    for offset in range(0, len(calls), BATCH_SIZE):
        chunk = calls[offset : offset + BATCH_SIZE]
        cmd = {f"c{c.index}": phpquery.sub_call(c.spec.method, c.body) for c in chunk}
        write = not all(c.spec.read_only for c in chunk)
        requests += 1
        try:
            answer = await ctx.client.call(
                BULK_METHOD, {"halt": int(bool(request.halt)), "cmd": cmd}, write=write
            )
        except Bitrix24Error as exc:
            for position, call in enumerate(chunk):
                results[offset + position] = call.failed(_chunk_error(exc, call, ctx.specs))
            break
        stop = _collect(chunk, offset, BatchAnswer(answer.result), results, halt=bool(request.halt))
        await ctx.progress(
            min(offset + len(chunk), len(calls)), len(calls), f"{requests} batch requests"
        )
        if stop:
            break
    items = [r or calls[i].failed(_not_run(calls[i])) for i, r in enumerate(results)]
    not_run = sum(1 for r in items if r.error is not None and r.error["error"] == NOT_RUN)
    failed = sum(1 for r in items if not r.ok) - not_run
    return BulkResult(
        results=items,
        succeeded=len(items) - failed - not_run,
        failed=failed,
        not_run=not_run,
        requests=requests,
    ).dump()


def _collect(
    chunk: Sequence[PreparedCall],
    offset: int,
    answer: BatchAnswer,
    results: list[BulkItem | None],
    *,
    halt: bool,
) -> bool:
    """Fill in one chunk's per-call results; True when the run must stop (halt)."""
    failed = False
    for position, call in enumerate(chunk):
        key = f"c{call.index}"
        error = answer.error(key, call.spec.method)
        if error is not None:
            results[offset + position] = call.failed(error.to_payload())
            failed = True
        elif answer.has(key):
            shaped = call.spec.result.shape(answer.value(key), answer.total(key), answer.next(key))
            results[offset + position] = BulkItem(
                index=call.index, tool=call.spec.name, ok=True, result=shaped
            )
    return halt and failed


def _chunk_error(
    exc: Bitrix24Error, call: PreparedCall, offered: Mapping[str, ToolSpec]
) -> dict[str, Any]:
    """The error of a call whose whole batch request failed.

    The item's payload is the only place to say a write may have been applied, so the hint
    goes into its description whatever the error (a direct call puts it in the text).
    """
    payload = exc.to_payload()
    payload["method"] = call.spec.method
    payload["error_description"] += outcome_hint(call.spec, exc, offered)
    return payload


def _not_run(call: PreparedCall) -> dict[str, Any]:
    return {
        "error": NOT_RUN,
        "error_description": "not executed: an earlier call failed and halt was set, or the run "
        "stopped after a transport failure",
        "method": call.spec.method,
        "http_status": None,
        "retryable": True,
    }


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
        result=OwnResult(BulkResult),
        run=run_bulk,
        name_override="scrum_batch",
    ),
)
