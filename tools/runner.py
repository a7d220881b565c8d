# pyright: strict
"""How a row runs: what a runner gets (`RunContext`) and the runners of one-to-one rows.

A runner is `async (ctx, args) -> structuredContent`, with `args` the validated input
model. It raises `Bitrix24Error` for failures; the dispatcher turns those into results.

`forward` sends one REST call and shapes the answer with the row's result descriptor.
`forward_pages` does the same for list rows, and honours `limit`: an agent asking for 300
sprints should not loop page by page through the model, a model turn per 50 items. The
remaining pages (at most 9 at limit 500) go out together in one `batch` request, counted
from the first page's `total`, or speculatively where a portal sends none (`_Pager`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from bitrix24_scrum_mcp import phpquery
from bitrix24_scrum_mcp.batch import BatchAnswer
from bitrix24_scrum_mcp.errors import Bitrix24Error
from bitrix24_scrum_mcp.tools.common import PAGE_SIZE, ListInput
from bitrix24_scrum_mcp.tools.creator import filled, retry_with_creator, with_creator
from bitrix24_scrum_mcp.tools.results import ListResult, list_page

if TYPE_CHECKING:  # spec.py imports the runners as row defaults
    from bitrix24_scrum_mcp.client import Bitrix24Client
    from bitrix24_scrum_mcp.tools.spec import ToolSpec

Progress = Callable[[float, float | None, str | None], Awaitable[None]]
"""`(done, total, message)`, sent to the client as MCP progress when it asked for it."""


async def no_progress(_done: float, _total: float | None, _message: str | None) -> None:
    return None


class ToolsetSwitch(Protocol):
    """The tool list of a server with dynamic toolsets, for the discovery tools to change."""

    def toolsets(self) -> Sequence[tuple[str, str, int, bool]]:
        """Each toolset as (name, what it is for, tools it would offer, offered now)."""
        ...

    def enable(self, toolset: str) -> Sequence[str]:
        """Offer the toolset's tools from now on; the names newly offered."""
        ...


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything a runner may use besides its arguments."""

    client: Bitrix24Client
    spec: ToolSpec
    """The row being run."""
    specs: Mapping[str, ToolSpec]
    """The offered tools by name (scrum_batch calls them; hints name them)."""
    progress: Progress = no_progress
    toolsets: ToolsetSwitch | None = None
    """Set on a server with dynamic toolsets (BITRIX24_DYNAMIC_TOOLSETS=1), else None."""


Runner = Callable[[RunContext, Any], Awaitable[dict[str, Any]]]
"""`async def run(ctx: RunContext, args: MyInput) -> dict[str, Any]`."""


def rest_body(args: BaseModel) -> dict[str, Any]:
    """The documented REST body of validated arguments (`limit` is ours, never sent)."""
    return args.model_dump(by_alias=True, exclude_none=True, exclude={"limit"})


async def forward(ctx: RunContext, args: BaseModel) -> dict[str, Any]:
    """The default runner: the row's REST method once, its answer shaped by the row.

    Where the row says so, `fields.createdBy` is filled with the acting user (up front, or
    once more after the portal refused a new item for lack of it: tools/creator.py)."""
    spec = ctx.spec
    body = await filled(ctx.client, spec.creator, rest_body(args))
    try:
        answer = await ctx.client.call(spec.method, body, write=not spec.read_only)
    except Bitrix24Error as exc:
        if not retry_with_creator(spec.creator, body, exc):
            raise
        body = with_creator(body, await ctx.client.acting_user_id())
        answer = await ctx.client.call(spec.method, body, write=not spec.read_only)
    return spec.result.shape(answer.result, answer.total, answer.next)


async def forward_pages(ctx: RunContext, args: ListInput) -> dict[str, Any]:
    """List rows: one page, or up to `limit` items over several pages (see `_Pager`)."""
    listing = ctx.spec.result
    assert isinstance(listing, ListResult)  # ToolSpec checks this when the row is made
    return await _Pager(ctx, listing, rest_body(args), args.limit).fetch()


UNCOUNTED = "the portal does not count this list: more items may follow from `next`"


def finish_page(
    raw: list[Any], start: int, wanted: int, total: int | None, ended: bool
) -> dict[str, Any]:
    """The page of `raw` (items from `start` rounded down to 50) the caller asked for:
    `wanted` items from that rounded offset, and `next` wherever more follow (or may)."""
    skip = start % PAGE_SIZE
    items = raw[skip:wanted]
    reached = start + len(items)
    more = reached < total if total is not None else not (ended and len(raw) <= wanted)
    note = UNCOUNTED if more and total is None else None
    return list_page(items, total, reached if more else None, note)


def shape_one_page(
    listing: ListResult, body: dict[str, Any], result: Any, total: int | None
) -> dict[str, Any]:
    """One list page as `forward_pages` returns it without `limit` (for scrum_batch)."""
    start = max(int(body.get("start") or 0), 0)
    raw = listing.items(result)
    return finish_page(raw, start, PAGE_SIZE, total, len(raw) < PAGE_SIZE)


@dataclass(slots=True)
class _Pager:
    """Pages of 50 from `start`, as exact offsets, with or without the portal's total.

    portal: `RestManager` starts a page at `start` rounded down to a multiple of 50, so the
    first page's leading `start % 50` items are dropped here and `next` may be any offset.
    `tasks.task.list` and the workgroup lists send `total`/`next`; the Scrum `epic.list` and
    `sprint.list` return plain arrays and send neither, so a full page is the only sign that
    more may follow: further pages are asked for speculatively (together in one `batch`),
    and the list ends at the first short page. Values a batch would rewrite (`$result[..]`
    in a filter) keep the pages out of `batch`: they are fetched one by one.
    """

    ctx: RunContext
    listing: ListResult
    body: dict[str, Any]
    limit: int | None

    async def fetch(self) -> dict[str, Any]:
        start = max(int(self.body.get("start") or 0), 0)
        offset, skip = start - start % PAGE_SIZE, start % PAGE_SIZE
        wanted = skip + (self.limit if self.limit is not None else PAGE_SIZE - skip)
        first = await self.ctx.client.call(self.ctx.spec.method, self.body, write=False)
        raw = self.listing.items(first.result)
        total = first.total
        ended = len(raw) < PAGE_SIZE or (total is not None and offset + len(raw) >= total)
        if not ended and len(raw) < wanted:
            ended = await self._more(raw, offset, wanted, total)
        return finish_page(raw, start, wanted, total, ended)

    async def _more(self, raw: list[Any], offset: int, wanted: int, total: int | None) -> bool:
        """The pages after the first, up to `wanted` items from `offset`; extends `raw`.
        True when the list ended (a short page, or the total reached)."""
        end = offset + wanted if total is None else min(total, offset + wanted)
        starts = list(range(offset + len(raw), end, PAGE_SIZE))
        await self.ctx.progress(len(raw), wanted, f"fetching {len(starts)} more pages")
        if phpquery.references(self.body):
            pages = self._one_by_one(starts)
        else:
            pages = self._batched(starts)
        async for got in pages:
            raw.extend(got)
            await self.ctx.progress(min(len(raw), wanted), wanted, None)
            if len(got) < PAGE_SIZE:
                return True
        return total is not None and offset + len(raw) >= total

    async def _batched(self, starts: list[int]) -> AsyncIterator[list[Any]]:
        """The pages at `starts`, asked for in one `batch` request."""
        method = self.ctx.spec.method
        cmd = {f"p{s}": phpquery.sub_call(method, {**self.body, "start": s}) for s in starts}
        answer = await self.ctx.client.call("batch", {"halt": 1, "cmd": cmd}, write=False)
        pages = BatchAnswer(answer.result)
        for key in cmd:
            error = pages.error(key, method)
            if error is not None:
                raise error
            yield self.listing.items(pages.value(key) or [])

    async def _one_by_one(self, starts: list[int]) -> AsyncIterator[list[Any]]:
        """The pages at `starts`, one direct call each."""
        for s in starts:
            body = {**self.body, "start": s}
            page = await self.ctx.client.call(self.ctx.spec.method, body, write=False)
            yield self.listing.items(page.result)
