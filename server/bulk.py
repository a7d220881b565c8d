"""Run a validated list of tool calls through REST `batch`, 50 sub-calls a request.

Safety: a chunk refused for rate (QUERY_LIMIT_EXCEEDED) was not executed and is retried by
the client; a chunk whose answer is lost marks its calls OUTCOME_UNKNOWN and stops the run,
because repeating it could apply writes twice.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bitrix24_scrum_mcp import phpquery
from bitrix24_scrum_mcp.batch import BatchAnswer
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.errors import Bitrix24Error, InvalidArgumentsError
from bitrix24_scrum_mcp.pages import Progress
from bitrix24_scrum_mcp.shaping import shape
from bitrix24_scrum_mcp.tools.bulk import BATCH_SIZE, BulkInput
from bitrix24_scrum_mcp.tools.spec import ToolSpec, read_tool_for
from bitrix24_scrum_mcp.validation import details_of


@dataclass(frozen=True, slots=True)
class PreparedCall:
    index: int
    spec: ToolSpec
    body: dict[str, Any]


def prepare(
    request: BulkInput, specs: Mapping[str, ToolSpec], *, method: str
) -> list[PreparedCall]:
    """Validate every call with its own tool's model; one InvalidArgumentsError for all."""
    details: list[dict[str, Any]] = []
    prepared: list[PreparedCall] = []
    for index, call in enumerate(request.calls):
        where = f"calls[{index}]"
        spec = specs.get(call.tool)
        if spec is None or spec.method == method:
            allowed = ", ".join(sorted(n for n, s in specs.items() if s.method != method))
            details.append(
                {
                    "field": f"{where}.tool",
                    "type": "unknown_tool",
                    "message": f"unknown tool '{call.tool}'; allowed: {allowed}",
                }
            )
            continue
        if spec.paginated and "limit" in call.arguments:
            details.append(
                {
                    "field": f"{where}.arguments.limit",
                    "type": "not_in_batch",
                    "message": "limit is not available inside scrum_batch; use start",
                }
            )
            continue
        try:
            model = spec.input.model_validate(call.arguments)
        except ValidationError as exc:
            details.extend(details_of(spec.input, exc, prefix=f"{where}.arguments"))
            continue
        prepared.append(
            PreparedCall(index, spec, model.model_dump(by_alias=True, exclude_none=True))
        )
    if details:
        raise InvalidArgumentsError(details, method=method)
    return prepared


async def run(
    client: Bitrix24Client,
    calls: Sequence[PreparedCall],
    *,
    halt: bool,
    progress: Progress,
    method: str,
    specs: Collection[str] = (),
) -> dict[str, Any]:
    results: list[dict[str, Any] | None] = [None] * len(calls)
    requests = 0
    stopped = False
    for offset in range(0, len(calls), BATCH_SIZE):
        chunk = calls[offset : offset + BATCH_SIZE]
        if stopped:
            break
        cmd = {f"c{c.index}": phpquery.sub_call(c.spec.method, c.body) for c in chunk}
        write = not all(c.spec.read_only for c in chunk)
        requests += 1
        try:
            answer = await client.call(method, {"halt": int(halt), "cmd": cmd}, write=write)
        except Bitrix24Error as exc:
            for position, call in enumerate(chunk):
                results[offset + position] = _failed(call, _chunk_error(exc, call, specs))
            stopped = True
            continue
        stopped = _collect(chunk, offset, BatchAnswer(answer.result), results, halt=halt)
        await progress(
            min(offset + len(chunk), len(calls)), len(calls), f"{requests} batch requests"
        )
    items = [
        r if r is not None else _failed(calls[i], _not_run(calls[i].spec.method, method))
        for i, r in enumerate(results)
    ]
    failed = sum(1 for r in items if not r["ok"] and r["error"]["error"] != "NOT_RUN")
    not_run = sum(1 for r in items if not r["ok"] and r["error"]["error"] == "NOT_RUN")
    return {
        "results": items,
        "succeeded": len(items) - failed - not_run,
        "failed": failed,
        "not_run": not_run,
        "requests": requests,
    }


def _collect(
    chunk: Sequence[PreparedCall],
    offset: int,
    answer: BatchAnswer,
    results: list[dict[str, Any] | None],
    *,
    halt: bool,
) -> bool:
    """Fill in one chunk's per-call results; True when the run must stop (halt)."""
    failed = False
    for position, call in enumerate(chunk):
        key = f"c{call.index}"
        error = answer.error(key, call.spec.method)
        if error is not None:
            results[offset + position] = _failed(call, error.to_payload())
            failed = True
        elif answer.has(key):
            shaped = shape(call.spec, answer.value(key), answer.total(key), answer.next(key))
            results[offset + position] = {
                "index": call.index,
                "tool": call.spec.name,
                "ok": True,
                "result": shaped,
            }
    return halt and failed


def _chunk_error(exc: Bitrix24Error, call: PreparedCall, specs: Collection[str]) -> dict[str, Any]:
    """The error of a call whose whole batch request failed, with a hint for lost writes."""
    payload = exc.to_payload()
    payload["method"] = call.spec.method
    if not call.spec.read_only and not exc.retryable:
        check = read_tool_for(call.spec.method, specs)
        if check:
            payload["error_description"] += (
                f"; the batch may have been applied in part, check with {check}"
            )
    return payload


def _failed(call: PreparedCall, error: dict[str, Any]) -> dict[str, Any]:
    return {"index": call.index, "tool": call.spec.name, "ok": False, "error": error}


def _not_run(sub_method: str, method: str) -> dict[str, Any]:
    return {
        "error": "NOT_RUN",
        "error_description": "not executed: an earlier call failed and halt was set, or the run "
        "stopped after a transport failure",
        "method": sub_method,
        "http_status": None,
        "retryable": True,
    }
