"""Jobs: what people ask an assistant to do, done with the one-to-one tools and with the
workbench, side by side on the sandbox.

    python bench/jobs.py           # the table
    python bench/jobs.py --json    # the same as JSON

Each job is scripted twice as the shortest path an agent could take: with only the
one-to-one tools (their `scrum_batch` included, so independent reads share a request) and
with the workbench tools. Each path runs on a fresh sandbox (in process, through the real
MCP server and REST client) and records what a model pays for it: tool calls (model
turns), REST requests, and the o200k tokens of the results it reads (the text content of
each result, compact JSON). Both paths must reach the same answer (`same`): a cheaper path
that answered differently would prove nothing.

Goals (issue 14): every job in at most 2 workbench calls; result tokens at most half of the
one-to-one path; REST requests no more than the one-to-one path.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.types import TextContent
from tokens import encoder

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Limits, Webhook
from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, DEMO_WEBHOOK_CODE, Portal, create_app
from bitrix24_scrum_mcp.tools import ALL_TOOLS

TEAM = 12  # Mobile App 2.0: mid-sprint, with two completed sprints (sandbox/seed_history.py)
TEAM_NAME = "Mobile App 2.0"
CAPACITY = 13
NEXT = {"name": "Mobile Sprint 4", "dateStart": "2026-12-21T09:00:00+03:00",
        "dateEnd": "2027-01-04T09:00:00+03:00"}  # fmt: skip
TASK_SELECT = ["ID", "TITLE", "RESPONSIBLE_ID", "STATUS", "CLOSED_DATE"]


@dataclass
class Path:
    """One path of one job: an MCP session and what it cost."""

    session: Client
    client: Bitrix24Client
    enc: Any
    calls: int = 0
    tokens: int = 0
    requests_at_start: int = 0
    tools: list[str] = field(default_factory=lambda: list[str]())

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        self.tools.append(tool)
        result = await self.session.call_tool(tool, arguments)
        text = "".join(c.text for c in result.content if isinstance(c, TextContent))
        self.tokens += len(self.enc.encode(text))
        if result.is_error:
            raise RuntimeError(f"{tool} failed: {text}")
        return result.structured_content or {}

    async def batch(self, calls: Sequence[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        """scrum_batch: the results of every call, in order (each must succeed)."""
        out = await self.call(
            "scrum_batch", {"calls": [{"tool": t, "arguments": a} for t, a in calls]}
        )
        failed = [r for r in out["results"] if not r["ok"]]
        if failed:
            raise RuntimeError(f"scrum_batch: {failed[0]}")
        return [r["result"] for r in out["results"]]

    @property
    def requests(self) -> int:
        return self.client.requests_sent - self.requests_at_start


@contextlib.asynccontextmanager
async def fresh_path(enc: Any) -> AsyncGenerator[Path, None]:
    """Our server on a freshly seeded sandbox, unpaced (requests are counted, not timed)."""
    app = create_app(Portal(":memory:", seed=True))
    url = f"http://127.0.0.1/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"
    limits = Limits(rate_per_s=0, burst=0, max_retries=0)
    client = Bitrix24Client(Webhook.parse(url), limits, transport=httpx2.ASGITransport(app=app))
    server = create_server(client, ALL_TOOLS)
    try:
        async with Client(server) as session:
            yield Path(session, client, enc, requests_at_start=client.requests_sent)
    finally:
        await client.aclose()


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [int(i["id"]) for i in items]


# --- 1. "What is going on in the mobile team?" -------------------------------------------


async def overview_one_to_one(p: Path) -> Any:
    groups = await p.call("workgroup_list", {"select": ["ID", "NAME", "TYPE"]})
    group = next(int(g["id"]) for g in groups["items"] if g["name"] == TEAM_NAME)
    backlog, sprints, _epics = await p.batch(
        [
            ("backlog_get", {"id": group}),
            ("sprint_list", {"filter": {"GROUP_ID": group}}),
            ("epic_list", {"filter": {"GROUP_ID": group}, "select": ["ID", "NAME"]}),
        ]
    )
    active = next(s for s in sprints["items"] if s["status"] == "active")
    stages, in_sprint, in_backlog = await p.batch(
        [
            ("kanban_get_stages", {"sprintId": active["id"]}),
            ("tasks_task_list", {"filter": {"SPRINT_ID": active["id"]}, "select": TASK_SELECT}),
            ("tasks_task_list", {"filter": {"BACKLOG_ID": backlog["id"]}, "select": ["ID"]}),
        ]
    )
    columns = await p.batch(
        [
            ("tasks_task_list", {"filter": {"STAGES_ID": int(s["id"])}, "select": ["ID"]})
            for s in stages["items"]
        ]
        + [("task_get", {"id": t}) for t in ids(in_sprint["items"]) + ids(in_backlog["items"])]
    )
    board = [sorted(ids(c["items"])) for c in columns[: len(stages["items"])]]
    return {"sprint": active["id"], "board": board, "backlog": len(in_backlog["items"])}


async def overview_workbench(p: Path) -> Any:
    groups = await p.call("workgroup_list", {"select": ["ID", "NAME", "TYPE"]})
    group = next(int(g["id"]) for g in groups["items"] if g["name"] == TEAM_NAME)
    overview = await p.call("scrum_overview", {"groupId": group})
    active = overview["activeSprint"]
    board = [sorted(ids(c["tasks"])) for c in active["columns"]]
    return {"sprint": active["sprint"]["id"], "board": board,
            "backlog": overview["backlog"]["totals"]["tasks"]}  # fmt: skip


# --- 2. "Show me the backlog with its points" ---------------------------------------------


async def backlog_one_to_one(p: Path) -> Any:
    backlog, _epics = await p.batch(
        [
            ("backlog_get", {"id": TEAM}),
            ("epic_list", {"filter": {"GROUP_ID": TEAM}, "select": ["ID", "NAME"]}),
        ]
    )
    listed = await p.call(
        "tasks_task_list", {"filter": {"BACKLOG_ID": backlog["id"]}, "select": TASK_SELECT}
    )
    items = await p.batch([("task_get", {"id": t}) for t in ids(listed["items"])])
    order = sorted(zip(items, ids(listed["items"]), strict=True), key=lambda x: x[0]["sortFloat"])
    return [(task, item["storyPoints"]) for item, task in order]


async def backlog_workbench(p: Path) -> Any:
    page = await p.call("backlog_items", {"groupId": TEAM, "limit": 50})
    return [(i["id"], str(i.get("points", ""))) for i in page["items"]]


# --- 3. "Plan the next sprint to 13 points and apply it" ----------------------------------


def _greedy(points: list[tuple[int, str]]) -> list[int]:
    left = float(CAPACITY)
    taken: list[int] = []
    for task, raw in points:
        try:
            value = float(raw)
        except ValueError:
            continue
        if left > 0 and value <= left:
            taken.append(task)
            left -= value
    return taken


async def plan_one_to_one(p: Path) -> Any:
    points = await backlog_one_to_one(p)  # the same reads: backlog, its tasks, their points
    chosen = _greedy(points)
    sprint = await p.call("sprint_add", {"fields": {"groupId": TEAM, "status": "planned", **NEXT}})
    await p.batch(
        [("task_update", {"id": t, "fields": {"entityId": sprint["id"]}}) for t in chosen]
    )
    return sorted(chosen)


async def plan_workbench(p: Path) -> Any:
    arguments = {"groupId": TEAM, "capacity": CAPACITY, "sprint": NEXT, "apply": True}
    plan = await p.call("sprint_plan", arguments)
    return sorted(m["taskId"] for m in plan["moves"] if m["ok"])


# --- 4. "Move task 131 to In Progress" ----------------------------------------------------


async def move_one_to_one(p: Path) -> Any:
    item = await p.call("task_get", {"id": 131})
    stages = await p.call("kanban_get_stages", {"sprintId": item["entityId"]})
    stage = next(int(s["id"]) for s in stages["items"] if s["name"].lower() == "in progress")
    await p.batch(
        [
            ("kanban_delete_task", {"sprintId": item["entityId"], "taskId": 131}),
            ("kanban_add_task", {"sprintId": item["entityId"], "taskId": 131, "stageId": stage}),
        ]
    )
    return stage


async def move_workbench(p: Path) -> Any:
    moved = await p.call("board_move", {"taskId": 131, "stage": "In Progress"})
    return moved["column"]["id"]


# --- 5. "How did the last sprint go?" -----------------------------------------------------


async def report_one_to_one(p: Path) -> Any:
    done = await p.call(
        "sprint_list",
        {"filter": {"GROUP_ID": TEAM, "STATUS": "completed"}, "order": {"DATE_END": "desc"}},
    )
    last, previous = done["items"][0], done["items"][1]
    stages, tasks, earlier = await p.batch(
        [
            ("kanban_get_stages", {"sprintId": last["id"]}),
            ("tasks_task_list", {"filter": {"SPRINT_ID": last["id"]}, "select": TASK_SELECT}),
            ("tasks_task_list", {"filter": {"SPRINT_ID": previous["id"], "STATUS": 5},
                                 "select": ["ID"]}),
        ]
    )  # fmt: skip
    in_sprint = ids(tasks["items"])
    columns = await p.batch(
        [
            ("tasks_task_list", {"filter": {"STAGES_ID": int(s["id"])}, "select": ["ID"]})
            for s in stages["items"]
        ]
        + [("task_get", {"id": t}) for t in in_sprint + ids(earlier["items"])]
    )
    on_board = {t for c in columns[: len(stages["items"])] for t in ids(c["items"])}
    carried = sorted(on_board - set(in_sprint))
    await p.batch(
        [("tasks_task_list", {"filter": {"=ID": carried}, "select": TASK_SELECT})]
        + [("task_get", {"id": t}) for t in carried]
    )
    completed = [t for t in tasks["items"] if t["status"] == "5"]
    return {"completed": len(completed), "carried": carried}


async def report_workbench(p: Path) -> Any:
    done = await p.call(
        "sprint_list",
        {"filter": {"GROUP_ID": TEAM, "STATUS": "completed"}, "order": {"DATE_END": "desc"},
         "select": ["ID", "NAME"]},
    )  # fmt: skip
    report = await p.call("sprint_report", {"sprintId": done["items"][0]["id"]})
    return {"completed": report["completed"]["tasks"], "carried": ids(report["carriedOver"])}


# --- 6. "Close the sprint and tell me what carries over" ----------------------------------


async def close_one_to_one(p: Path) -> Any:
    active = await p.call("sprint_list", {"filter": {"GROUP_ID": TEAM, "STATUS": "active"}})
    sprint = active["items"][0]["id"]
    stages, _tasks = await p.batch(
        [
            ("kanban_get_stages", {"sprintId": sprint}),
            ("tasks_task_list", {"filter": {"SPRINT_ID": sprint}, "select": TASK_SELECT}),
        ]
    )
    columns = await p.batch(
        [
            ("tasks_task_list", {"filter": {"STAGES_ID": int(s["id"])}, "select": ["ID"]})
            for s in stages["items"]
        ]
    )
    unfinished = [
        t for s, c in zip(stages["items"], columns, strict=True) if s["type"] != "FINISH"
        for t in ids(c["items"])
    ]  # fmt: skip
    await p.call("sprint_complete", {"id": TEAM})
    return sorted(unfinished)


async def close_workbench(p: Path) -> Any:
    closed = await p.call("sprint_complete", {"id": TEAM})
    report = await p.call("sprint_report", {"sprintId": closed["id"]})
    return sorted(ids(report["carriedOver"]))


Script = Callable[[Path], Awaitable[Any]]
JOBS: tuple[tuple[str, Script, Script], ...] = (
    ("overview of a team", overview_one_to_one, overview_workbench),
    ("the backlog with points", backlog_one_to_one, backlog_workbench),
    ("plan the next sprint and apply it", plan_one_to_one, plan_workbench),
    ("move a task to 'In Progress' by name", move_one_to_one, move_workbench),
    ("report on the last sprint", report_one_to_one, report_workbench),
    ("close the sprint, show what carries over", close_one_to_one, close_workbench),
)


async def _measure(enc: Any, script: Script) -> tuple[dict[str, Any], Any]:
    async with fresh_path(enc) as path:
        answer = await script(path)
        cost = {"calls": path.calls, "requests": path.requests, "tokens": path.tokens,
                "tools": path.tools}  # fmt: skip
        return cost, answer


async def measure() -> list[dict[str, Any]]:
    enc = encoder()
    rows: list[dict[str, Any]] = []
    for name, one_to_one, workbench in JOBS:
        o2o, answer_o2o = await _measure(enc, one_to_one)
        wb, answer_wb = await _measure(enc, workbench)
        rows.append(
            {
                "job": name,
                "one_to_one": o2o,
                "workbench": wb,
                "same": answer_o2o == answer_wb,
                "token_ratio": round(wb["tokens"] / o2o["tokens"], 3),
                "goals": {
                    "calls": wb["calls"] <= 2,
                    "tokens": wb["tokens"] <= math.floor(o2o["tokens"] / 2),
                    "requests": wb["requests"] <= o2o["requests"],
                },
            }
        )
    return rows


def run(quick: bool = False) -> dict[str, Any]:
    """The jobs take a few seconds either way; `quick` changes nothing."""
    rows = anyio.run(measure)
    return {
        "jobs": rows,
        "all_goals_met": all(all(r["goals"].values()) and r["same"] for r in rows),
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "| job | calls 1:1 → wb | REST requests 1:1 → wb | result tokens 1:1 → wb | ratio "
        "| same answer |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["jobs"]:
        o, w = r["one_to_one"], r["workbench"]
        lines.append(
            f"| {r['job']} | {o['calls']} → {w['calls']} | {o['requests']} → {w['requests']} | "
            f"{o['tokens']:,} → {w['tokens']:,} | {r['token_ratio']:.2f} | "
            f"{'yes' if r['same'] else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run()
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0 if result["all_goals_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
