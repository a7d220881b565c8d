"""`bitrix24-scrum-mcp demo`: a sprint-planning round, as an agent would run it.

A real MCP client starts `bitrix24-scrum-mcp serve --sandbox` as a subprocess and talks
to it over stdio, exactly as Claude Code or Cursor would, and prints what it does: read the
backlog, create a sprint, fill it by story points with one bulk call, start it, work the
Kanban, complete it, and show where every task ended up.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

CAPACITY = 21  # story points the team takes into the demo sprint


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
            text = result.content[0].text if result.content else "error"  # type: ignore[union-attr]
            print(f"  ! {text}")
            raise Failed(text)
        return result.structured_content or {}

    @staticmethod
    def say(line: str) -> None:
        print(f"  {line}")


def _points(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


async def _plan(t: Transcript) -> None:
    me = await t.call("user_current", {})
    t.say(f"acting as {me.get('NAME')} {me.get('LAST_NAME')} (user {me.get('ID')})")

    groups = await t.call("workgroup_list", {"select": ["ID", "NAME", "TYPE", "SCRUM_MASTER_ID"]})
    scrums = [g for g in groups["items"] if g.get("type") == "scrum"]
    for g in groups["items"]:
        t.say(f"group {g['id']}: {g['name']} ({g['type']})")
    scrum = scrums[0]
    group_id = int(scrum["id"])
    t.say(f"planning the next sprint of '{scrum['name']}'")

    backlog = await t.call("backlog_get", {"id": group_id})
    backlog_id = backlog["id"]
    t.say(f"its backlog is {backlog_id}")

    listed = await t.call(
        "tasks_task_list",
        {"filter": {"GROUP_ID": group_id}, "select": ["ID", "TITLE"], "order": {"ID": "asc"}},
    )
    titles = {int(task["id"]): task["title"] for task in listed["items"]}
    t.say(f"{len(titles)} tasks in the Scrum")

    details = await t.call(
        "scrum_batch",
        {"calls": [{"tool": "task_get", "arguments": {"id": i}} for i in titles]},
    )
    t.say(f"read their Scrum attributes in {details['requests']} HTTP request(s)")
    in_backlog = sorted(
        (r["result"]["sort"], r["result"]["storyPoints"], task_id)
        for r, task_id in zip(details["results"], titles, strict=True)
        if r["ok"] and r["result"]["entityId"] == backlog_id
    )
    chosen: list[int] = []
    points = 0
    for _sort, story_points, task_id in in_backlog:
        if points + _points(story_points) <= CAPACITY:
            chosen.append(task_id)
            points += _points(story_points)
    for task_id in chosen:
        t.say(f"take #{task_id} {titles[task_id]}")
    t.say(f"{len(chosen)} tasks, {points} of {CAPACITY} story points")

    sprint = await t.call(
        "sprint_add",
        {
            "fields": {
                "groupId": group_id,
                "name": "Sprint 2 (demo)",
                "status": "planned",
                "dateStart": "2024-09-23T09:00:00+03:00",
                "dateEnd": "2024-10-07T09:00:00+03:00",
            }
        },
    )
    sprint_id = sprint["id"]
    t.say(f"created sprint {sprint_id} '{sprint['name']}', status {sprint['status']}")

    moved = await t.call(
        "scrum_batch",
        {
            "calls": [
                {"tool": "task_update", "arguments": {"id": i, "fields": {"entityId": sprint_id}}}
                for i in chosen
            ]
        },
    )
    t.say(f"moved {moved['succeeded']} tasks into it, {moved['failed']} failed")

    active = await t.call("sprint_list", {"filter": {"GROUP_ID": group_id, "STATUS": "active"}})
    if not active["items"]:
        t.say("no sprint is running, so this one can start")
    for old in active["items"]:
        done = await t.call("sprint_complete", {"id": group_id})
        t.say(f"completed the running sprint {old['id']} first: {done['status']}")

    started = await t.call("sprint_start", {"id": sprint_id})
    t.say(f"sprint {sprint_id} is {started['status']}")

    stages = await t.call("kanban_get_stages", {"sprintId": sprint_id})
    by_type = {stage["type"]: stage for stage in stages["items"]}
    t.say("board: " + " | ".join(f"{s['name']} ({s['id']})" for s in stages["items"]))
    if chosen and "WORK" in by_type:
        await t.call(
            "kanban_add_task",
            {"sprintId": sprint_id, "taskId": chosen[0], "stageId": int(by_type["WORK"]["id"])},
        )
        t.say(f"#{chosen[0]} is in progress")

    completed = await t.call("sprint_complete", {"id": group_id})
    t.say(f"sprint {completed['id']} is {completed['status']}")

    after = await t.call(
        "scrum_batch", {"calls": [{"tool": "task_get", "arguments": {"id": i}} for i in chosen]}
    )
    for r, task_id in zip(after["results"], chosen, strict=True):
        where = r["result"]["entityId"]
        place = "backlog" if where == backlog_id else f"sprint {where}"
        t.say(f"#{task_id} now in the {place}")


async def _main() -> int:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "bitrix24_scrum_mcp", "serve", "--sandbox"]
    )
    print("bitrix24-scrum-mcp demo: sprint planning on the sandbox portal")
    print("(an MCP client driving `bitrix24-scrum-mcp serve --sandbox` over stdio)")
    async with Client(params) as session:
        tools = (await session.list_tools()).tools
        print(f"\nthe server offers {len(tools)} tools")
        transcript = Transcript(session)
        try:
            await _plan(transcript)
        except Failed:
            print(f"\ndemo stopped after {transcript.calls} tool calls")
            return 1
    print(f"\ndone: {transcript.calls} tool calls, no errors")
    return 0


def run_demo() -> int:
    return anyio.run(_main)
