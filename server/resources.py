# pyright: strict
"""Resources a person can attach as context, and the MCP App's page.

    bitrix24-scrum://group/{groupId}/overview      scrum_overview
    bitrix24-scrum://group/{groupId}/backlog       backlog_items (first 200, totals of all)
    bitrix24-scrum://sprint/{sprintId}/board       sprint_board
    bitrix24-scrum://sprint/{sprintId}/report      sprint_report
    bitrix24-scrum://sprint/{sprintId}/column/{column}  one board column (name or id)
    ui://bitrix24-scrum/board.html                 the board/burndown app (server/ui.py)

A resource's text is its workbench tool's structuredContent as compact JSON: the same
answer, read the same way (`reads.py`), so nothing here knows REST. An address that
matches no template, an id that is not one, or a portal that refuses the read is a
-32602 protocol error naming the address; the portal's error object rides in `data`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import unquote

from mcp import MCPError
from mcp.server import ServerRequestContext
from mcp.types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    ListResourcesResult,
    ListResourceTemplatesResult,
    ReadResourceRequestParams,
    ReadResourceResult,
    Resource,
    ResourceTemplate,
    TextResourceContents,
)

from bitrix24_scrum_mcp.directory import Directory
from bitrix24_scrum_mcp.reads import ReadFailedError, ToolReads
from bitrix24_scrum_mcp.ui import APP_MIME, APP_URI, app_html

logger = logging.getLogger(__name__)

SCHEME = "bitrix24-scrum://"
JSON = "application/json"
LISTED_GROUPS = 20
"""resources/list names the resources of at most this many Scrum groups."""
BACKLOG_ITEMS = 200


@dataclass(frozen=True, slots=True)
class Template:
    """One resource template: its address pattern, and the tool call an address makes."""

    uri_template: str
    name: str
    title: str
    description: str
    tool: str
    arguments: Callable[[dict[str, str]], dict[str, Any]]

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.escape(self.uri_template)
        regex = regex.replace(r"\{column\}", "(?P<column>[^/]+)")
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[1-9][0-9]{0,17})", regex)
        return re.compile(f"^{regex}$")

    def listed(self) -> ResourceTemplate:
        return ResourceTemplate(
            uri_template=self.uri_template,
            name=self.name,
            title=self.title,
            description=self.description,
            mime_type=JSON,
        )


TEMPLATES: tuple[Template, ...] = (
    Template(
        f"{SCHEME}group/{{groupId}}/overview",
        "scrum-overview",
        "Scrum overview",
        "A Scrum team: backlog totals, the active sprint's board, planned sprints, epics",
        "scrum_overview",
        lambda v: {"groupId": int(v["groupId"])},
    ),
    Template(
        f"{SCHEME}group/{{groupId}}/backlog",
        "scrum-backlog",
        "Backlog",
        f"A Scrum's backlog in order (first {BACKLOG_ITEMS} items, totals of all)",
        "backlog_items",
        lambda v: {"groupId": int(v["groupId"]), "limit": BACKLOG_ITEMS},
    ),
    Template(
        f"{SCHEME}sprint/{{sprintId}}/board",
        "sprint-board",
        "Sprint board",
        "A sprint's Kanban, column by column, with cards and totals",
        "sprint_board",
        lambda v: {"sprintId": int(v["sprintId"])},
    ),
    Template(
        f"{SCHEME}sprint/{{sprintId}}/report",
        "sprint-report",
        "Sprint report",
        "A sprint's committed and completed points, burndown, carry-over and velocity",
        "sprint_report",
        lambda v: {"sprintId": int(v["sprintId"])},
    ),
    Template(
        f"{SCHEME}sprint/{{sprintId}}/column/{{column}}",
        "sprint-board-column",
        "Board column",
        "One column of a sprint's board (its name, any case, or its id) with its cards",
        "sprint_board",
        lambda v: {"sprintId": int(v["sprintId"])},
    ),
)
_PATTERNS = [(t, t.pattern) for t in TEMPLATES]
TEMPLATE_LISTING = ListResourceTemplatesResult(resource_templates=[t.listed() for t in TEMPLATES])
APP = Resource(
    uri=APP_URI,
    name="board-app",
    title="Scrum board and burndown",
    description="The MCP App the overview, board and report tools render in",
    mime_type=APP_MIME,
)


def _column(board: dict[str, Any], wanted: str, uri: str) -> dict[str, Any]:
    columns = cast(list[dict[str, Any]], board.get("columns") or [])
    for column in columns:
        if str(column["id"]) == wanted or str(column["name"]).lower() == wanted.lower():
            return {"sprint": board["sprint"], "column": column}
    names = ", ".join(str(c["name"]) for c in columns)
    raise MCPError(INVALID_PARAMS, f"{uri}: the board has no column {wanted!r} ({names})")


def _failed(uri: str, exc: ReadFailedError) -> MCPError:
    payload = exc.payload
    # The portal could not answer at all (a 5xx, a timeout): not the address's fault.
    broken = payload.get("retryable") or (payload.get("http_status") or 0) >= 500
    return MCPError(
        INTERNAL_ERROR if broken else INVALID_PARAMS,
        f"{uri}: {payload.get('error_description', 'the read failed')}",
        data=payload,
    )


class Resources:
    def __init__(self, reads: ToolReads, directory: Directory) -> None:
        self.reads = reads
        self.directory = directory

    async def list_templates(self, *_args: Any) -> ListResourceTemplatesResult:
        return TEMPLATE_LISTING

    async def list_resources(
        self, ctx: ServerRequestContext[Any], *_args: Any
    ) -> ListResourcesResult:
        """The app, and each of the first `LISTED_GROUPS` Scrums' overview and backlog, and
        the board and report of their active sprints. A portal that cannot be read leaves
        only the app: a client lists resources when it starts and must not fail then."""
        found: list[Resource] = [APP]
        try:
            groups = (await self.directory.groups(ctx))[:LISTED_GROUPS]
            sprints = await self.directory.sprints(ctx, None, "active")
        except ReadFailedError as exc:
            logger.warning("resources/list without the portal's: %s", exc.payload.get("error"))
            return ListResourcesResult(resources=found)
        shown = {g.id for g in groups}
        found += [
            Resource(uri=f"{SCHEME}group/{g.id}/{kind}", name=f"{g.name} {kind}", mime_type=JSON)
            for g in groups
            for kind in ("overview", "backlog")
        ]
        found += [
            Resource(uri=f"{SCHEME}sprint/{s.id}/{kind}", name=f"{s.name} {kind}", mime_type=JSON)
            for s in sprints
            if s.kind == "active" and s.group in shown
            for kind in ("board", "report")
        ]
        return ListResourcesResult(resources=found)

    async def read(
        self, ctx: ServerRequestContext[Any], params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        """Raises MCPError: -32602 for an unknown address or a read the portal refused."""
        uri = str(params.uri)
        if uri == APP_URI:
            return ReadResourceResult(
                contents=[TextResourceContents(uri=uri, mime_type=APP_MIME, text=app_html())]
            )
        for template, pattern in _PATTERNS:
            match = pattern.match(uri)
            if match is None:
                continue
            values = match.groupdict()
            try:
                structured = await self.reads.call(ctx, template.tool, template.arguments(values))
            except ReadFailedError as exc:
                raise _failed(uri, exc) from None
            if "column" in values:
                structured = _column(structured, unquote(values["column"]), uri)
            text = json.dumps(structured, ensure_ascii=False, separators=(",", ":"))
            return ReadResourceResult(
                contents=[TextResourceContents(uri=uri, mime_type=JSON, text=text)]
            )
        raise MCPError(INVALID_PARAMS, f"unknown resource {uri[:200]!r}")
