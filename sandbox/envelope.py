"""The success envelope: `result`, list paging keys, and the documented `time` block."""

from __future__ import annotations

from typing import Any

from bitrix24_scrum_mcp.sandbox.context import Page
from bitrix24_scrum_mcp.sandbox.dates import format_date

OPERATING_WINDOW_S = 600  # docs: the operating limit is summed over 10 one-minute buckets


def time_block(start: float, finish: float) -> dict[str, Any]:
    """`time` as rest-basics §2 lists it; `operating` stays 0 since no limit is emulated."""
    return {
        "start": start,
        "finish": finish,
        "duration": finish - start,
        "processing": finish - start,
        "date_start": format_date(start),
        "date_finish": format_date(finish),
        "operating_reset_at": int(start) + OPERATING_WINDOW_S,
        "operating": 0,
    }


def success(payload: Any, time: dict[str, Any]) -> dict[str, Any]:
    """`{"result": ..., ["total", "next",] "time": ...}`; `next` only when a page follows."""
    if isinstance(payload, Page):
        body: dict[str, Any] = {"result": payload.result}
        if payload.next is not None:
            body["next"] = payload.next
        if payload.total is not None:
            body["total"] = payload.total
        body["time"] = time
        return body
    return {"result": payload, "time": time}
