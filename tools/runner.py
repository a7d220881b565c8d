# pyright: strict
"""How a row runs: what a runner gets (`RunContext`) and the runners of one-to-one rows.

A runner is `async (ctx, args) -> structuredContent`, with `args` the validated input
model. It raises `Bitrix24Error` for failures; the dispatcher turns those into results.

`forward` sends one REST call and shapes the answer with the row's result descriptor.
`forward_pages` does the same for list rows, and honours `limit`: an agent asking for 300
sprints should not loop page by page through the model, a model turn per 50 items. With
the first page's `total` every further `start` is known, so the remaining pages (at most 9
at limit 500) go out together in one `batch` request; without a total (`start=-1`, or a
portal that omits it) pages are fetched one by one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from bitrix24_scrum_mcp import phpquery
from bitrix24_scrum_mcp.batch import BatchAnswer
from bitrix24_scrum_mcp.tools.common import PAGE_SIZE, ListInput
from bitrix24_scrum_mcp.tools.results import ListResult, list_page

if TYPE_CHECKING:  # spec.py imports the runners as row defaults
    from bitrix24_scrum_mcp.client import Bitrix24Client
    from bitrix24_scrum_mcp.tools.spec import ToolSpec

Progress = Callable[[float, float | None, str | None], Awaitable[None]]
"""`(done, total, message)`, sent to the client as MCP progress when it asked for it."""


async def no_progress(_done: float, _total: float | None, _message: str | None) -> None:
    return None


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything a runner may use besides its arguments."""

    client: Bitrix24Client
    spec: ToolSpec
    """The row being run."""
    specs: Mapping[str, ToolSpec]
    """The offered tools by name (scrum_batch calls them; hints name them)."""
    progress: Progress = no_progress


Runner = Callable[[RunContext, Any], Awaitable[dict[str, Any]]]
"""`async def run(ctx: RunContext, args: MyInput) -> dict[str, Any]`."""


def rest_body(args: BaseModel) -> dict[str, Any]:
    """The documented REST body of validated arguments (`limit` is ours, never sent)."""
    return args.model_dump(by_alias=True, exclude_none=True, exclude={"limit"})


async def forward(ctx: RunContext, args: BaseModel) -> dict[str, Any]:
    """The default runner: the row's REST method once, its answer shaped by the row."""
    spec = ctx.spec
    answer = await ctx.client.call(spec.method, rest_body(args), write=not spec.read_only)
    return spec.result.shape(answer.result, answer.total, answer.next)


async def forward_pages(ctx: RunContext, args: ListInput) -> dict[str, Any]:
    """List rows: one page as `forward` does, or up to `limit` items over several pages."""
    if args.limit is None:
        return await forward(ctx, args)
    listing = ctx.spec.result
    assert isinstance(listing, ListResult)  # ToolSpec checks this when the row is made
    pager = _Pager(ctx, listing, rest_body(args), args.limit)
    return await pager.fetch()


@dataclass(slots=True)
class _Pager:
    ctx: RunContext
    listing: ListResult
    body: dict[str, Any]
    limit: int

    async def fetch(self) -> dict[str, Any]:
        start = int(self.body.get("start") or 0)
        first = await self.ctx.client.call(self.ctx.spec.method, self.body, write=False)
        items = self.listing.items(first.result)
        total, next_ = first.total, first.next
        if next_ is not None and len(items) < self.limit:
            if total is not None and start >= 0:
                next_ = await self._batched(items, start, total)
            else:
                next_ = await self._sequential(items, next_)
        if len(items) > self.limit:
            next_ = max(start, 0) + self.limit if start >= 0 else next_
            items = items[: self.limit]
        return list_page(items, total, next_)

    async def _batched(self, items: list[Any], start: int, total: int) -> int | None:
        """Every remaining page in one `batch` request; extends `items`, returns `next`."""
        method = self.ctx.spec.method
        end = min(total, start + self.limit)
        starts = range(start + len(items), end, PAGE_SIZE)
        await self.ctx.progress(
            len(items), end - start, f"fetching {len(starts)} more pages in one batch"
        )
        cmd = {f"p{s}": phpquery.sub_call(method, {**self.body, "start": s}) for s in starts}
        answer = await self.ctx.client.call("batch", {"halt": 1, "cmd": cmd}, write=False)
        pages = BatchAnswer(answer.result)
        for key in cmd:
            error = pages.error(key, method)
            if error is not None:
                raise error
            items.extend(self.listing.items(pages.value(key) or []))
        await self.ctx.progress(len(items), end - start, None)
        fetched_to = start + len(items)
        return fetched_to if fetched_to < total else None

    async def _sequential(self, items: list[Any], next_: int | None) -> int | None:
        """Page after page while there is a next one; extends `items`, returns `next`."""
        while next_ is not None and len(items) < self.limit:
            body = {**self.body, "start": next_}
            page = await self.ctx.client.call(self.ctx.spec.method, body, write=False)
            got = self.listing.items(page.result)
            items.extend(got)
            next_ = page.next if got else None
            await self.ctx.progress(len(items), self.limit, None)
        return next_
