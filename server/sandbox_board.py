# pyright: strict
"""The sandbox's own board at `/`: pick a Scrum group, watch its backlog, active sprint and
burndown change while an agent works on the portal.

The page polls `/board/state.json`, which runs the workbench tools (`scrum_overview`,
`backlog_items`, `sprint_report`) through the same `Dispatcher` and REST client an MCP
session uses, in-process against the served portal (`portal.in_process_client`), so the
board shows exactly what an assistant would be told and has no REST logic of its own. Its
requests skip the sandbox's rate limit and faults: watching must not slow the agent down.
The sandbox package never imports this module; `sandbox_cmd.py` hands its routes over.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bitrix24_scrum_mcp.config import Limits
from bitrix24_scrum_mcp.dispatch import Dispatcher
from bitrix24_scrum_mcp.portal import in_process_client
from bitrix24_scrum_mcp.tools import select
from bitrix24_scrum_mcp.ui import picture_file

if TYPE_CHECKING:
    from bitrix24_scrum_mcp.sandbox import Portal

Stamp = tuple[tuple[int, int], int]
"""The portal's change stamp, and the hour."""

_UNPACED = Limits(rate_per_s=0, burst=0)
_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_FILES = {
    "board.js": "text/javascript; charset=utf-8",
    "board.css": "text/css; charset=utf-8",
    "sandbox.js": "text/javascript; charset=utf-8",
}


class SandboxBoard:
    """The board's routes and the in-process client they read the portal with."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.client = in_process_client(portal, _UNPACED)
        # Read-only rows: watching can never change the portal, whatever a request asks.
        self.dispatcher = Dispatcher(
            self.client, {s.name: s for s in select(["all"], read_only=True)}
        )
        self._versions: dict[int, tuple[str, int]] = {}
        self._answers: dict[int, tuple[Stamp, dict[str, Any]]] = {}

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/board/groups.json", self.groups, methods=["GET"]),
            Route("/board/state.json", self.state, methods=["GET"]),
            Route("/board/{name}", self.asset, methods=["GET"]),
        ]

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _call(self, tool: str, arguments: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        result = await self.dispatcher.call(tool, arguments)
        return not result.is_error, result.structured_content or {}

    async def page(self, request: Request) -> Response:
        headers = {"Content-Security-Policy": _PAGE_CSP, "Cache-Control": "no-store"}
        return Response(picture_file("sandbox.html"), media_type="text/html", headers=headers)

    async def asset(self, request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in _FILES:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(picture_file(name), media_type=_FILES[name])

    async def groups(self, request: Request) -> Response:
        """The portal's groups, and the first with an active sprint as the one to show."""
        _, listed = await self._call("workgroup_list", {"select": ["ID", "NAME"]})
        groups = [{"id": int(g["id"]), "name": g.get("name", "")} for g in listed.get("items", [])]
        _, active = await self._call("sprint_list", {"filter": {"STATUS": "active"}})
        default = next((int(s["groupId"]) for s in active.get("items", [])), None)
        return _no_store({"groups": groups, "default": default})

    async def state(self, request: Request) -> Response:
        """One group's overview, backlog and active sprint report, with a version that
        changes only when the answer does. Polls answer from the last reading while the
        portal is unchanged (its change stamp; at least hourly for days left and the
        burndown's today), so an idle board costs no REST requests."""
        raw = request.query_params.get("group", "")
        if not raw.isdigit() or int(raw) == 0:
            return _no_store({"error": "INVALID_ARGUMENTS", "error_description": "group id"}, 400)
        group = int(raw)
        stamp: Stamp = (self.portal.change_stamp(), int(time.time() // 3600))
        known = self._answers.get(group)
        if known and known[0] == stamp:
            return _no_store(known[1])
        answer = await self._read(group)
        self._answers[group] = (stamp, answer)
        return _no_store(answer)

    async def _read(self, group: int) -> dict[str, Any]:
        ok, overview = await self._call("scrum_overview", {"groupId": group})
        if not ok:
            return overview
        ok, backlog = await self._call("backlog_items", {"groupId": group, "limit": 500})
        backlog = backlog if ok else None
        report: dict[str, Any] | None = None
        active = overview.get("activeSprint")
        if active:
            ok, report = await self._call("sprint_report", {"sprintId": active["sprint"]["id"]})
            report = report if ok else None
        body: dict[str, Any] = {"overview": overview, "backlog": backlog, "report": report}
        return {**body, "version": self._version(group, body)}

    def _version(self, group: int, body: dict[str, Any]) -> int:
        seen = repr(body)
        last, version = self._versions.get(group, ("", 0))
        if seen != last:
            version += 1
            self._versions[group] = (seen, version)
        return version


def _no_store(body: dict[str, Any], status: int = 200) -> Response:
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
