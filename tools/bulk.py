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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from bitrix24_scrum_mcp import phpquery
from bitrix24_scrum_mcp.batch import BatchAnswer
from bitrix24_scrum_mcp.errors import (
    ERROR_SCHEMA,
    Bitrix24Error,
    InvalidArgumentsError,
    PortalRefusedError,
    RemoteError,
)
from bitrix24_scrum_mcp.tools.common import JsonObjectText
from bitrix24_scrum_mcp.tools.creator import lacks_creator, retry_with_creator, with_creator
from bitrix24_scrum_mcp.tools.results import ListResult, OwnModel, OwnResult
from bitrix24_scrum_mcp.tools.runner import RunContext, rest_body, shape_one_page
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
    """The runner of scrum_batch: chunks of 50 sub-calls, one result or error per call.

    A call whose values a portal's batch would rewrite (`$result[..]` in a text) is sent on
    its own, outside `batch`, where the portal stores it as written (phpquery.py); the
    calls around it keep their order. Creators are filled as each row says (creator.py).
    """
    calls = await _with_creators(ctx, prepare(request, ctx.specs))
    results: list[BulkItem | None] = [None] * len(calls)
    run = _Run(ctx, bool(request.halt), results)
    for offset, chunk in _chunks(calls):
        stop = await run.chunk(offset, chunk)
        await ctx.progress(
            min(offset + len(chunk), len(calls)), len(calls), f"{run.requests} batch requests"
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
        requests=run.requests,
    ).dump()


async def _with_creators(ctx: RunContext, calls: list[PreparedCall]) -> list[PreparedCall]:
    """`createdBy` filled where a row always fills it (one lookup of the acting user)."""
    if not any(lacks_creator(c.spec.creator, c.body) for c in calls):
        return calls
    user_id = await ctx.client.acting_user_id()
    return [
        PreparedCall(c.index, c.spec, with_creator(c.body, user_id))
        if lacks_creator(c.spec.creator, c.body)
        else c
        for c in calls
    ]


def _chunks(calls: list[PreparedCall]) -> Iterator[tuple[int, list[PreparedCall]]]:
    """Runs of up to 50 calls safe in a batch; a call a batch would rewrite stands alone."""
    chunk: list[PreparedCall] = []
    offset = 0
    for position, call in enumerate(calls):
        alone = bool(phpquery.references(call.body))
        if chunk and (alone or len(chunk) == BATCH_SIZE or _alone(chunk)):
            yield offset, chunk
            chunk = []
        if not chunk:
            offset = position
        chunk.append(call)
    if chunk:
        yield offset, chunk


def _alone(chunk: list[PreparedCall]) -> bool:
    return len(chunk) == 1 and bool(phpquery.references(chunk[0].body))


@dataclass(slots=True)
class _Run:
    ctx: RunContext
    halt: bool
    results: list[BulkItem | None]
    requests: int = 0

    async def chunk(self, offset: int, chunk: list[PreparedCall]) -> bool:
        """Send one chunk (a batch, or a lone call directly); True when the run must stop."""
        if _alone(chunk):
            return await self._direct(offset, chunk[0])
        try:
            answer = await self._batch(chunk)
        except Bitrix24Error as exc:
            for position, call in enumerate(chunk):
                self.results[offset + position] = call.failed(
                    _chunk_error(exc, call, self.ctx.specs)
                )
            return True
        stop = _collect(chunk, offset, answer, self.results, halt=self.halt)
        await self._new_items(offset, chunk, answer)
        return stop

    async def _batch(self, chunk: list[PreparedCall]) -> BatchAnswer:
        cmd = {f"c{c.index}": phpquery.sub_call(c.spec.method, c.body) for c in chunk}
        write = not all(c.spec.read_only for c in chunk)
        self.requests += 1
        answer = await self.ctx.client.call(
            BULK_METHOD, {"halt": int(self.halt), "cmd": cmd}, write=write
        )
        return BatchAnswer(answer.result)

    async def _direct(self, offset: int, call: PreparedCall) -> bool:
        """A call outside `batch`, as a single tool call would make it."""
        self.requests += 1
        try:
            answer = await self.ctx.client.call(
                call.spec.method, call.body, write=not call.spec.read_only
            )
            shaped = _shape(call, answer.result, answer.total)
        except RemoteError as exc:  # the portal's refusal: this call failed, others go on
            self.results[offset] = call.failed(exc.to_payload())
            return self.halt
        except PortalRefusedError as exc:
            exc.method = call.spec.method
            self.results[offset] = call.failed(exc.to_payload())
            return self.halt
        except Bitrix24Error as exc:  # no usable answer: stop, as a lost batch does
            self.results[offset] = call.failed(_chunk_error(exc, call, self.ctx.specs))
            return True
        self.results[offset] = BulkItem(
            index=call.index, tool=call.spec.name, ok=True, result=shaped
        )
        return False

    async def _new_items(self, offset: int, chunk: list[PreparedCall], answer: BatchAnswer) -> None:
        """Calls refused with "Item not created" for lack of a creator (nothing was written)
        go once more, with the acting user as creator (creator.py)."""
        again = [
            (position, call)
            for position, call in enumerate(chunk)
            if (error := answer.error(f"c{call.index}", call.spec.method)) is not None
            and retry_with_creator(call.spec.creator, call.body, error)
        ]
        if not again:
            return
        user_id = await self.ctx.client.acting_user_id()
        retried = [PreparedCall(c.index, c.spec, with_creator(c.body, user_id)) for _, c in again]
        try:
            answer = await self._batch(retried)
        except Bitrix24Error as exc:
            for (position, call), redo in zip(again, retried, strict=True):
                self.results[offset + position] = redo.failed(
                    _chunk_error(exc, call, self.ctx.specs)
                )
            return
        for (position, _), redo in zip(again, retried, strict=True):
            self.results[offset + position] = None
            _collect([redo], offset + position, answer, self.results, halt=False)


def _shape(call: PreparedCall, value: Any, total: int | None) -> dict[str, Any]:
    """A sub-call's result as its own tool returns it (a list page as without `limit`).

    Raises:
        PortalRefusedError: the answer means the call failed (`false` from a kanban write).
    """
    listing = call.spec.result
    if call.spec.paginated and isinstance(listing, ListResult):
        return shape_one_page(listing, call.body, value, total)
    return listing.shape(value, total, None)


def _collect(
    chunk: Sequence[PreparedCall],
    offset: int,
    answer: BatchAnswer,
    results: list[BulkItem | None],
    *,
    halt: bool,
) -> bool:
    """Fill in one chunk's per-call results; True when the run must stop (halt).

    A refused call (`false`) fails like an error, but the portal ran the chunk's later
    calls anyway: `halt` only stops it at errors it reports itself.
    """
    failed = False
    for position, call in enumerate(chunk):
        key = f"c{call.index}"
        error = answer.error(key, call.spec.method)
        if error is not None:
            results[offset + position] = call.failed(error.to_payload())
            failed = True
        elif answer.has(key):
            try:
                shaped = _shape(call, answer.value(key), answer.total(key))
            except PortalRefusedError as exc:
                exc.method = call.spec.method
                results[offset + position] = call.failed(exc.to_payload())
                failed = True
                continue
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
