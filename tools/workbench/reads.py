# pyright: strict
"""REST rounds for the workbench: many calls in as few `batch` requests as the portal allows.

A job such as "show me the board" needs a dozen REST answers, most independent of each
other. The workbench tools send them in rounds: every call that can go now goes into one
round, and a round is one request (`batch` holds 50 calls; a single call goes on its own).
Lists come back whole: a list with more than a page is continued in follow-up requests,
by its `total` where the portal counts it (`tasks.task.list`) and page by page where it
does not (`sprint.list`, `epic.list` answer plain arrays).

A call may take a value from an earlier call of its round (`phpquery.Ref`: the tasks of
the backlog that `backlog.get` names), which the portal substitutes inside the batch, so
a dependent read costs no extra request; later pages of such a list get the value itself.

Every call goes through the server's one REST client, so pacing, retries of reads and
write safety are the same as for the one-to-one tools. Our workbench code never puts text
from the model into a batch command (ids only), so no `$result[..]` value can be rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from bitrix24_scrum_mcp import phpquery
from bitrix24_scrum_mcp.batch import BatchAnswer
from bitrix24_scrum_mcp.errors import Bitrix24Error
from bitrix24_scrum_mcp.phpquery import Ref
from bitrix24_scrum_mcp.tools.common import PAGE_SIZE
from bitrix24_scrum_mcp.tools.runner import RunContext

BATCH_SIZE = 50  # docs: "Max 50 sub-requests per batch"
SPECULATIVE_PAGES = 4
"""Pages asked for at once after a full page of a list the portal does not count."""


@dataclass(frozen=True, slots=True)
class ListCall:
    items_key: str | None
    """Where the items sit in an object answer (`tasks` of `tasks.task.list`)."""


@dataclass(slots=True)
class Round:
    """The calls to send together: `call` for one answer, `list` for every page of a list."""

    calls: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=lambda: {})
    lists: dict[str, ListCall] = field(default_factory=lambda: {})

    def call(self, key: str, method: str, params: Mapping[str, Any] | None = None) -> str:
        self.calls[key] = (method, dict(params or {}))
        return key

    def list(
        self, key: str, method: str, params: Mapping[str, Any], items_key: str | None = None
    ) -> str:
        self.calls[key] = (method, {**params, "start": 0})
        self.lists[key] = ListCall(items_key)
        return key

    def __bool__(self) -> bool:
        return bool(self.calls)


@dataclass(slots=True)
class Answers:
    """What a round answered: each call's value or error, each list's items in full."""

    values: dict[str, Any]
    errors: dict[str, Bitrix24Error]
    items: dict[str, list[Any]]

    def value(self, key: str) -> Any:
        """The call's answer; its error raised as the tool's error."""
        if key in self.errors:
            raise self.errors[key]
        return self.values.get(key)

    def list(self, key: str) -> list[Any]:
        if key in self.errors:
            raise self.errors[key]
        return self.items.get(key, [])

    def failed(self, key: str) -> Bitrix24Error | None:
        return self.errors.get(key)


class Reader:
    """Sends rounds for one tool call and counts them (the tool's progress)."""

    def __init__(self, ctx: RunContext, job: str) -> None:
        self.ctx = ctx
        self.job = job
        self.rounds = 0

    async def send(self, round_: Round, *, write: bool = False) -> Answers:
        """Every call of `round_` (in batches of 50), then the rest of every long list.

        `write=True` for a round holding a write: the client then never repeats a request
        whose answer was lost, and its error says the outcome is unknown.
        """
        answers = Answers({}, {}, {})
        if not round_:
            return answers  # nothing to ask: no request
        pending: dict[str, tuple[str, dict[str, Any]]] = dict(round_.calls)
        page_of = {key: (key, 0) for key in round_.lists}  # page key -> (list key, start)
        while pending:
            got = await self._send(pending, write=write)
            pending = {}
            last_pages: dict[str, tuple[int, bool]] = {}  # list key -> (start, page was full)
            for key, (value, total, error) in got.items():
                if key not in page_of:
                    if error is not None:
                        answers.errors[key] = error
                    else:
                        answers.values[key] = value
                    continue
                owner, start = page_of[key]
                if error is not None:
                    answers.errors[owner] = error
                if owner in answers.errors:
                    continue
                page = _items(value, round_.lists[owner].items_key)
                answers.items.setdefault(owner, []).extend(page)
                if total is not None and start == 0:  # counted: every other page at once
                    starts = range(PAGE_SIZE, total, PAGE_SIZE)
                    call = _resolved(round_.calls[owner], answers.values)
                    pending.update(_pages(owner, call, starts, page_of))
                elif total is None and start >= last_pages.get(owner, (-1, False))[0]:
                    last_pages[owner] = (start, len(page) == PAGE_SIZE)
            for owner, (start, full) in last_pages.items():
                if full:  # uncounted: a few more pages, until one is short
                    ahead = PAGE_SIZE * SPECULATIVE_PAGES
                    starts = range(start + PAGE_SIZE, start + PAGE_SIZE + ahead, PAGE_SIZE)
                    call = _resolved(round_.calls[owner], answers.values)
                    pending.update(_pages(owner, call, starts, page_of))
        self.rounds += 1
        await self.ctx.progress(self.rounds, None, f"{self.job}: {self.rounds} round(s) of reads")
        return answers

    async def _send(
        self, calls: dict[str, tuple[str, dict[str, Any]]], *, write: bool
    ) -> dict[str, tuple[Any, int | None, Bitrix24Error | None]]:
        client = self.ctx.client
        _check_refs(calls)
        if len(calls) == 1:
            [(key, (method, params))] = calls.items()
            try:
                answer = await client.call(method, params, write=write)
            except Bitrix24Error as exc:
                return {key: (None, None, exc)}
            return {key: (answer.result, answer.total, None)}
        out: dict[str, tuple[Any, int | None, Bitrix24Error | None]] = {}
        keys = list(calls)
        stopped: Bitrix24Error | None = None
        for offset in range(0, len(keys), BATCH_SIZE):
            chunk = keys[offset : offset + BATCH_SIZE]
            if stopped is not None:  # a write round stops at its first failed request
                out.update({key: (None, None, NotRunError(calls[key][0])) for key in chunk})
                continue
            cmd = {key: phpquery.sub_call(*calls[key]) for key in chunk}
            try:
                answer = await client.call("batch", {"halt": 0, "cmd": cmd}, write=write)
            except Bitrix24Error as exc:
                # Each call of the chunk fails with the request's error, which says whether
                # the writes may have been applied; the answers of earlier chunks stand.
                out.update(dict.fromkeys(chunk, (None, None, exc)))
                stopped = exc if write else None
                continue
            read = BatchAnswer(answer.result)
            for key in chunk:
                method = calls[key][0]
                error = read.error(key, method)
                out[key] = (read.value(key), read.total(key), error)
        return out


def _refs(value: Any) -> list[Ref]:
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, dict):
        return [r for v in cast(dict[str, Any], value).values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in cast(list[Any], value) for r in _refs(v)]
    return []


def _check_refs(calls: Mapping[str, tuple[str, dict[str, Any]]]) -> None:
    """A reference names a call before it in the same batch request (a bug otherwise)."""
    keys = list(calls)
    for position, (method, params) in enumerate(calls.values()):
        for ref in _refs(params):
            if (
                ref.key not in keys[:position]
                or position // BATCH_SIZE != keys.index(ref.key) // BATCH_SIZE
            ):
                raise RuntimeError(f"{method}: {ref.token()} is not an earlier call of its batch")


def _resolved(
    call: tuple[str, dict[str, Any]], values: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The call with each reference replaced by the value it named (for a later request)."""

    def resolve(value: Any) -> Any:
        if isinstance(value, Ref):
            node: Any = values.get(value.key)
            for step in value.path:
                node = cast(dict[str, Any], node).get(step) if isinstance(node, dict) else None
            return node
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in cast(dict[str, Any], value).items()}
        if isinstance(value, list):
            return [resolve(v) for v in cast(list[Any], value)]
        return value

    method, params = call
    return method, cast(dict[str, Any], resolve(params))


class NotRunError(Bitrix24Error):
    """A write of a round that was not sent, because an earlier request of it failed."""

    code = "NOT_RUN"

    def __init__(self, method: str) -> None:
        super().__init__("not sent: an earlier request of this call failed", method=method)


def _items(value: Any, items_key: str | None) -> list[Any]:
    if items_key and isinstance(value, dict):
        value = cast(dict[str, Any], value).get(items_key, [])
    if isinstance(value, dict):  # a PHP array with non-sequential keys arrives as an object
        return list(cast(dict[str, Any], value).values())
    return cast(list[Any], value) if isinstance(value, list) else []


def _pages(
    owner: str,
    call: tuple[str, dict[str, Any]],
    starts: range,
    page_of: dict[str, tuple[str, int]],
) -> dict[str, tuple[str, dict[str, Any]]]:
    """The sub-calls for the pages of list `owner` at `starts`, registered in `page_of`."""
    method, params = call
    more: dict[str, tuple[str, dict[str, Any]]] = {}
    for start in starts:
        key = f"{owner}_{start}"
        page_of[key] = (owner, start)
        more[key] = (method, {**params, "start": start})
    return more
