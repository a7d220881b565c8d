"""Turn one HTTP answer from a portal into a `RestResult` or the right `Bitrix24Error`.

Parsing is defensive because the documentation itself shows several envelopes: the usual
`{result, time, total?, next?}`, bare objects and arrays (epic.*, sprint.list examples),
`{status, data, errors}` (task.update), and errors as `{error, error_description}` under
HTTP 400, 401, 403, 404, 429, 500, 503 and even 200 (task.get).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread

from bitrix24_scrum_mcp import big_json
from bitrix24_scrum_mcp.errors import BadResponseError, remote_error
from bitrix24_scrum_mcp.json_types import is_object
from bitrix24_scrum_mcp.redact import REDACTOR

LARGE_BODY_BYTES = 256 * 1024
"""From this size an answer is decoded in a worker thread, in small steps (`big_json`):
a 13 MB answer takes ~0.1-0.2 s to decode, which the event loop must not wait out."""


@dataclass(frozen=True, slots=True)
class RestResult:
    result: Any
    total: int | None = None
    next: int | None = None
    time: dict[str, Any] = field(default_factory=dict[str, Any])


def _describe_body(content_type: str) -> str:
    if "html" in content_type:
        return "an HTML page instead of JSON"
    if "json" in content_type:
        return "a body that is not valid JSON (truncated, wrong encoding or malformed)"
    return f"a non-JSON body ({content_type.split(';')[0] or 'no content type'}) instead of JSON"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN/Infinity would break the JSON we send on


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


async def parse_answer(
    method: str, status: int, content_type: str, body: bytes | bytearray
) -> RestResult:
    """`parse` of a body scrubbed of our secrets (a portal echoing our URL must not leak
    it), off the event loop for a large body."""
    if len(body) < LARGE_BODY_BYTES:
        return parse(method, status, content_type, REDACTOR.scrub_bytes(body))
    return await anyio.to_thread.run_sync(_scrub_and_parse, method, status, content_type, body)


def _scrub_and_parse(
    method: str, status: int, content_type: str, body: bytes | bytearray
) -> RestResult:
    return parse(method, status, content_type, REDACTOR.scrub_bytes(body))


def _loads(body: bytes | bytearray) -> Any:
    if len(body) < LARGE_BODY_BYTES:
        return json.loads(body, parse_constant=_reject_constant)
    return big_json.loads(body, _reject_constant)


def parse(method: str, status: int, content_type: str, body: bytes | bytearray) -> RestResult:
    """Raises RemoteError (and subclasses) or BadResponseError; never returns a failure."""
    if not body.strip():
        raise BadResponseError(
            f"the portal answered HTTP {status} with an empty body",
            method=method,
            http_status=status,
        )
    try:
        data = _loads(body)
    except (ValueError, RecursionError):  # invalid UTF-8, truncated, NaN, nested too deep
        raise BadResponseError(
            f"the portal answered HTTP {status} with {_describe_body(content_type)}",
            method=method,
            http_status=status,
        ) from None
    if is_object(data):
        if data.get("error") not in (None, ""):
            description = data.get("error_description")
            return _raise(method, status, data["error"], description)
        if "result" in data:
            return RestResult(
                data["result"],
                total=_as_int(data.get("total")),
                next=_as_int(data.get("next")),
                time=timing if is_object(timing := data.get("time")) else {},
            )
        if data.get("status") in ("success", "error") and isinstance(data.get("errors"), list):
            errors: list[Any] = data["errors"]
            if data["status"] == "error" or errors:
                first: dict[str, Any] = errors[0] if errors and is_object(errors[0]) else {}
                return _raise(method, status, first.get("code", 0), first.get("message"))
            return RestResult(data)
    if status >= 400:
        raise BadResponseError(
            f"the portal answered HTTP {status} without an error code",
            method=method,
            http_status=status,
        )
    return RestResult(data)  # docs show some results without the `result` wrapper


def _raise(method: str, status: int, error: Any, description: Any) -> RestResult:
    code = error if isinstance(error, (str, int)) and not isinstance(error, bool) else str(error)
    text = description if isinstance(description, str) else json.dumps(description)
    raise remote_error(
        code, text if description is not None else "", method=method, http_status=status
    )
