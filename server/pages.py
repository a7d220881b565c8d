"""List calls with `limit`: the first page, then every further page in one `batch` request.

An agent asking for 300 sprints should not loop page by page through the model: that costs
a model turn per 50 items. With the first page's `total` we know every `start` offset in
advance, so the remaining pages (at most 9 at limit 500) go out together in one batch.
Without a total (`start=-1`, or portals that omit it) pages are fetched one by one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bitrix24_scrum_mcp import phpquery
from bitrix24_scrum_mcp.batch import BatchAnswer
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.shaping import list_items
from bitrix24_scrum_mcp.tools.common import PAGE_SIZE
from bitrix24_scrum_mcp.tools.spec import ToolSpec

Progress = Callable[[float, float | None, str | None], Awaitable[None]]


async def fetch(
    client: Bitrix24Client, spec: ToolSpec, body: dict[str, Any], limit: int, progress: Progress
) -> dict[str, Any]:
    start = int(body.get("start") or 0)
    first = await client.call(spec.method, body, write=False)
    items = list_items(spec, first.result)
    total, next_ = first.total, first.next
    if next_ is not None and len(items) < limit:
        if total is not None and start >= 0:
            items, next_ = await _batched(client, spec, body, items, start, limit, total, progress)
        else:
            items, next_ = await _sequential(client, spec, body, items, limit, next_, progress)
    if len(items) > limit:
        next_ = max(start, 0) + limit if start >= 0 else next_
        items = items[:limit]
    out: dict[str, Any] = {"items": items}
    if total is not None:
        out["total"] = total
    if next_ is not None:
        out["next"] = next_
    return out


async def _batched(
    client: Bitrix24Client,
    spec: ToolSpec,
    body: dict[str, Any],
    items: list[Any],
    start: int,
    limit: int,
    total: int,
    progress: Progress,
) -> tuple[list[Any], int | None]:
    end = min(total, start + limit)
    starts = list(range(start + len(items), end, PAGE_SIZE))
    await progress(len(items), end - start, f"fetching {len(starts)} more pages in one batch")
    cmd = {f"p{s}": phpquery.sub_call(spec.method, {**body, "start": s}) for s in starts}
    answer = await client.call("batch", {"halt": 1, "cmd": cmd}, write=False)
    pages = BatchAnswer(answer.result)
    for key in cmd:
        error = pages.error(key, spec.method)
        if error is not None:
            raise error
        items.extend(list_items(spec, pages.value(key) or []))
    await progress(len(items), end - start, None)
    fetched_to = start + len(items)
    return items, fetched_to if fetched_to < total else None


async def _sequential(
    client: Bitrix24Client,
    spec: ToolSpec,
    body: dict[str, Any],
    items: list[Any],
    limit: int,
    next_: int | None,
    progress: Progress,
) -> tuple[list[Any], int | None]:
    while next_ is not None and len(items) < limit:
        page = await client.call(spec.method, {**body, "start": next_}, write=False)
        got = list_items(spec, page.result)
        items.extend(got)
        next_ = page.next if got else None
        await progress(len(items), limit, None)
    return items, next_
