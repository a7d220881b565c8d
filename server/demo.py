"""`bitrix24-scrum-mcp demo`: a Scrum team's week, as a person would ask an assistant for it.

A real MCP client starts `bitrix24-scrum-mcp serve --sandbox` as a subprocess and talks
to it over stdio, exactly as Claude Code or Cursor would, and prints what it does. It uses
the workbench tools where a person would ("what is going on in the mobile team?", "move
this to in progress", "how did the sprint go?", "plan the next one") and the one-to-one
tools for the single steps around them (find the team, start the sprint).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import TextContent

TEAM = "Mobile App 2.0"  # the seeded team in the middle of its third sprint


class Failed(Exception):
    pass


class Transcript:
    """Calls tools and prints each call and a one-line reading of its result."""

    def __init__(self, session: Client) -> None:
        self.session = session
        self.calls = 0

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        shown = json.dumps(arguments, ensure_ascii=False)
        if len(shown) > 110:
            shown = shown[:107] + "..."
        print(f"\n> {tool} {shown}")
        result = await self.session.call_tool(tool, arguments)
        if result.is_error:
            text = " ".join(c.text for c in result.content if isinstance(c, TextContent))
            print(f"  ! {text}")
            raise Failed(text)
        return result.structured_content or {}

    @staticmethod
    def say(line: str) -> None:
        print(f"  {line}")


def _columns(t: Transcript, board: dict[str, Any]) -> None:
    for column in board["columns"]:
        cards = ", ".join(f"#{c['id']} {c['title'][:28]}" for c in column["tasks"]) or "-"
        t.say(f"{column['name']:<12} {column['totals']['points']:>3} pts  {cards}")


async def _week(t: Transcript) -> None:
    groups = await t.call("workgroup_list", {"select": ["ID", "NAME", "TYPE"]})
    team = next(g for g in groups["items"] if g["name"] == TEAM)
    group_id = int(team["id"])
    t.say(f"'{TEAM}' is group {group_id}")

    overview = await t.call("scrum_overview", {"groupId": group_id})
    backlog = overview["backlog"]["totals"]
    t.say(f"backlog: {backlog['tasks']} items, {backlog['points']} points")
    active = overview["activeSprint"]
    sprint = active["sprint"]
    t.say(f"running: {sprint['name']} ({sprint['daysLeft']} days left), goal: {sprint['goal']}")
    _columns(t, active)
    if active["totals"]["unestimated"]:
        t.say(f"not estimated: {active['totals']['unestimated']}")

    waiting = active["columns"][0]["tasks"][-1]
    moved = await t.call("board_move", {"taskId": waiting["id"], "stage": "in progress"})
    t.say(f"#{moved['taskId']} moved from {moved['previous']['name']} to {moved['column']['name']}")

    report = await t.call("sprint_report", {"sprintId": sprint["id"]})
    today = next(d for d in reversed(report["burndown"]) if "remaining" in d)
    t.say(f"burndown {today['date']}: {today['remaining']} points left, ideal {today['ideal']}")
    velocity = report.get("averageVelocity") or 0
    t.say(f"velocity over {len(report['velocity'])} sprints: {velocity} points")

    done = await t.call("sprint_complete", {"id": group_id})
    t.say(f"{done['name']} is {done['status']}")
    closed = await t.call("sprint_report", {"sprintId": sprint["id"]})
    t.say(f"completed {closed['completed']['points']} of {closed['committed']['points']} points")
    for task in closed["carriedOver"]:
        t.say(f"carried over: #{task['id']} {task['title']}")

    start = datetime.now().astimezone().replace(hour=9, minute=0, second=0, microsecond=0)
    plan_args = {
        "groupId": group_id,
        "capacity": velocity or 13,
        "sprint": {
            "name": "Mobile Sprint 4",
            "dateStart": (start + timedelta(days=1)).isoformat(),
            "dateEnd": (start + timedelta(days=15)).isoformat(),
        },
    }
    plan = await t.call("sprint_plan", plan_args)
    t.say(f"dry run: {len(plan['tasks'])} tasks, {plan['points']} of {plan['capacity']} points")
    for skipped in plan["skipped"][:3]:
        t.say(f"skipped #{skipped['id']} ({skipped['reason']}): {skipped['title']}")
    if len(plan["skipped"]) > 3:
        t.say(f"... and {len(plan['skipped']) - 3} more skipped")
    applied = await t.call("sprint_plan", {**plan_args, "apply": True})
    moved_in = sum(1 for m in applied["moves"] if m["ok"])
    t.say(f"created sprint {applied['sprint']['id']}, moved {moved_in} tasks into it")

    started = await t.call("sprint_start", {"id": applied["sprint"]["id"]})
    t.say(f"{started['name']} is {started['status']}")
    board = await t.call("sprint_board", {"groupId": group_id})
    _columns(t, board)


def _server(webhook_url: str | None) -> StdioServerParameters:
    """`serve --sandbox`, or `serve` on a webhook (a sandbox someone watches on its board)."""
    command = [sys.executable, "-m", "bitrix24_scrum_mcp", "serve"]
    if webhook_url is None:
        return StdioServerParameters(command=command[0], args=[*command[1:], "--sandbox"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITRIX24_")}
    env["BITRIX24_WEBHOOK_URL"] = webhook_url
    return StdioServerParameters(command=command[0], args=command[1:], env=env)


async def _main(webhook_url: str | None) -> int:
    params = _server(webhook_url)
    where = "the sandbox portal" if webhook_url is None else "the portal at --webhook-url"
    print(f"bitrix24-scrum-mcp demo: a Scrum team's week on {where}")
    print(f"(an MCP client driving `bitrix24-scrum-mcp {' '.join(params.args[2:])}` over stdio)")
    async with Client(params) as session:
        tools = (await session.list_tools()).tools
        print(f"\nthe server offers {len(tools)} tools")
        transcript = Transcript(session)
        try:
            await _week(transcript)
        except Failed:
            print(f"\ndemo stopped after {transcript.calls} tool calls")
            return 1
    print(f"\ndone: {transcript.calls} tool calls, no errors")
    return 0


def run_demo(webhook_url: str | None = None) -> int:
    return anyio.run(_main, webhook_url)
