# pyright: strict
"""What one tool result may hand the model: at most so many items and bytes (issue 17.3).

A portal page is 50 items, but a broken or hostile portal can answer with 60,000 (13 MB),
and a `limit=500` list of tasks with every field is over a megabyte: either would flood a
model's context window. `BITRIX24_MAX_RESULT_ITEMS` (500) and `BITRIX24_MAX_RESULT_BYTES`
(100,000 bytes of compact JSON, ~25k tokens) bound every result:

- **A list page** keeps its first items, in whole pages of 50 when it can (a portal's `start`
  is a multiple of 50), sets `next`, and says in `truncated` how many were left out and the
  arguments that fetch the rest (`nextArguments`). The page stays valid against the tool's
  output schema, which declares `truncated`.
- **Any other result** has its longest strings shortened (a 1 MB description) and a second
  text block says so; strings stay strings, so the schema still holds.
- **What is still too large** fails with `RESULT_TOO_LARGE` for a read, with how to ask for
  less; a write's result is returned whole, because its change has been made.

Sizes are measured on the items kept, never on the whole answer, so a 60,000-item answer
costs the dumping of the items shown only.
"""

from __future__ import annotations

import json
from typing import Any, cast

from pydantic import BaseModel

from bitrix24_scrum_mcp.big_json import ClippedList
from bitrix24_scrum_mcp.config import Limits
from bitrix24_scrum_mcp.errors import ResultTooLargeError
from bitrix24_scrum_mcp.tools.common import PAGE_SIZE, ListInput
from bitrix24_scrum_mcp.tools.results import ListResult, Truncated
from bitrix24_scrum_mcp.tools.spec import ToolSpec

_NOTE_ROOM = 600  # bytes kept free for `truncated` itself
_STRING_STEPS = (4000, 1000, 200)


def size(value: Any) -> int:
    """Bytes of `value` as compact JSON, as the tool result's text carries it."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def bound(
    spec: ToolSpec, structured: dict[str, Any], args: BaseModel, limits: Limits
) -> tuple[dict[str, Any], str | None]:
    """`structured` within the limits, and a note for the model when something was cut.

    Raises:
        ResultTooLargeError: a read whose result cannot be brought under the byte cap.
    """
    items = structured.get("items")
    if isinstance(spec.result, ListResult) and isinstance(items, list):
        return _page(structured, cast(list[Any], items), args, limits), None
    if size(structured) <= limits.max_result_bytes:
        return structured, None
    for longest in _STRING_STEPS:
        shortened = cast(dict[str, Any], _shorten(structured, longest))
        if size(shortened) <= limits.max_result_bytes:
            return shortened, (
                f"Strings longer than {longest} characters were shortened to keep this result "
                f"under {limits.max_result_bytes} bytes (BITRIX24_MAX_RESULT_BYTES)."
            )
    if not spec.read_only:
        return structured, None  # the change is made: never hide what it returned
    raise ResultTooLargeError(
        f"the result is larger than {limits.max_result_bytes} bytes "
        "(BITRIX24_MAX_RESULT_BYTES) even with long strings shortened; ask for less "
        "(fewer fields with select, a narrower filter, fewer calls in one scrum_batch)",
        method=spec.method,
    )


def _page(
    page: dict[str, Any], items: list[Any], args: BaseModel, limits: Limits
) -> dict[str, Any]:
    budget = limits.max_result_bytes - size({k: v for k, v in page.items() if k != "items"})
    budget -= _NOTE_ROOM
    fits = 0
    for item in items[: limits.max_result_items]:
        budget -= size(item) + 1
        if budget < 0:
            break
        fits += 1
    sent = items.sent if isinstance(items, ClippedList) else len(items)
    if fits == sent:
        return page
    start = args.start if isinstance(args, ListInput) and args.start is not None else 0
    keep = fits - fits % PAGE_SIZE if fits >= PAGE_SIZE else fits
    next_start = start + (keep if keep >= PAGE_SIZE else PAGE_SIZE)
    note = (
        f"Showing {keep} of the {sent} items the portal sent: one tool result holds at "
        f"most {limits.max_result_items} items and {limits.max_result_bytes} bytes "
        "(BITRIX24_MAX_RESULT_ITEMS, BITRIX24_MAX_RESULT_BYTES)."
    )
    if keep < PAGE_SIZE:
        note += " Its items are large: ask for fewer fields with select."
    next_arguments: dict[str, Any] | None = None
    out = {**page, "items": list(items[:keep])}
    if start >= 0 and isinstance(args, ListInput):
        next_arguments = {**args.model_dump(by_alias=True, exclude_none=True), "start": next_start}
        out["next"] = next_start
        note += " Call the tool again with nextArguments for the rest."
    truncated = Truncated(note=note, omitted=sent - keep, next_arguments=next_arguments)
    out["truncated"] = truncated.dump()
    return out


def _shorten(value: Any, longest: int) -> Any:
    if isinstance(value, str):
        if len(value) <= longest:
            return value
        return f"{value[:longest]}... [{len(value) - longest} more characters not shown]"
    if isinstance(value, dict):
        return {k: _shorten(v, longest) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [_shorten(v, longest) for v in cast(list[Any], value)]
    return value
