# pyright: strict
"""`completion/complete` for the prompts' arguments and the resource templates' variables.

MCP completion values are plain strings inserted as the argument's value (the spec's
`Completion` has `values`, `total` and `hasMore`, no labels), so a value is the bare id:
`12`, never `12 — Mobile App 2.0`, which would not be a valid `groupId`. What the person
types is matched against the id's digits and against the name, so typing `mob` offers
`12`. Column names (the `column` variable) are completed by name. Whatever goes wrong
(an unknown prefix, a portal that refuses the read), the answer is an empty list, never
an error: a completion menu has nowhere to show one.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp.server import ServerRequestContext
from mcp.types import (
    CompleteRequestParams,
    CompleteResult,
    Completion,
    PromptReference,
)

from bitrix24_scrum_mcp.directory import Directory, Named
from bitrix24_scrum_mcp.prompts import BY_NAME
from bitrix24_scrum_mcp.reads import ReadFailedError

logger = logging.getLogger(__name__)

MAX_VALUES = 100
"""The spec's ceiling for one completion answer."""


def _matches(item: Named, typed: str) -> bool:
    typed = typed.strip().lower()
    return not typed or str(item.id).startswith(typed) or typed in item.name.lower()


def _positive(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _answer(values: list[str]) -> CompleteResult:
    shown = values[:MAX_VALUES]
    return CompleteResult(
        completion=Completion(values=shown, total=len(values), has_more=len(values) > len(shown))
    )


class Completions:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    async def __call__(
        self, ctx: ServerRequestContext[Any], params: CompleteRequestParams
    ) -> CompleteResult:
        context = params.context.arguments if params.context and params.context.arguments else {}
        if isinstance(params.ref, PromptReference) and params.ref.name not in BY_NAME:
            return _answer([])
        try:
            values = await self._values(ctx, params.argument.name, params.argument.value, context)
        except ReadFailedError as exc:
            logger.info("no completions for %s: %s", params.argument.name, exc.payload.get("error"))
            values = []
        return _answer(values)

    async def _values(
        self, ctx: ServerRequestContext[Any], name: str, typed: str, context: dict[str, str]
    ) -> list[str]:
        if name == "groupId":
            groups = await self.directory.groups(ctx)
            return [str(g.id) for g in groups if _matches(g, typed)]
        if name == "sprintId":
            sprints = await self.directory.sprints(ctx, _positive(context.get("groupId")))
            return [str(s.id) for s in sprints if _matches(s, typed)]
        if name == "column":
            sprint = _positive(context.get("sprintId"))
            if sprint is None:
                return []
            columns = await self.directory.columns(ctx, sprint)
            return [c.name for c in columns if _matches(c, typed)]
        return []
