"""Rate-limited portal: move N tasks into a sprint, one call per task vs the bulk tool.

    python bench/rate_limit.py [--rate 2/50] [--tasks 300] [--no-pacing]

The sandbox runs in its own process with the documented leaky bucket on (drain/threshold,
"others" plan = 2/50) and our server paces itself to the same figures
(BITRIX24_RATE_LIMIT). Setup (not timed): a scrum_batch creates two sprints and N tasks in
the demo Scrum; then `threshold` cheap calls fill the bucket, so the timed part starts in
steady state, where the limit is rate requests per second, not the burst allowance.

Timed:
  (a) N x task_update {id, fields: {entityId: S1}}, one tool call per task, in sequence
  (b) one scrum_batch of N task_update calls moving the same tasks to S2 (50 per request)
Reported: operations per second against the ceiling rate x 50 (the issue's definition;
for (a) also against its own ceiling, rate x 1), rate-limit errors that reached the caller,
and how many 503s the server absorbed by waiting and retrying (from its INFO log).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    NO_PACING,
    StdioPeer,
    dump,
    log,
    our_server,
    sandbox_portal,
    server_env,
    stdio_session,
)

GOAL_PCT = 90.0
BATCH = 50
RATE_ERROR = "QUERY_LIMIT_EXCEEDED"


def _structured(result: dict[str, Any]) -> dict[str, Any]:
    return result.get("structuredContent") or {}


async def _setup(peer: StdioPeer, tasks: int) -> tuple[list[int], int, int]:
    from bitrix24_scrum_mcp.sandbox.seed import DEMO_SCRUM_GROUP_ID, DEMO_USER_ID

    calls: list[dict[str, Any]] = [
        {
            "tool": "sprint_add",
            "arguments": {
                "fields": {
                    "groupId": DEMO_SCRUM_GROUP_ID,
                    "name": f"Bench sprint {i}",
                    "dateStart": f"2030-0{i}-01T09:00:00+03:00",
                    "dateEnd": f"2030-0{i}-15T09:00:00+03:00",
                    "status": "planned",
                }
            },
        }
        for i in (1, 2)
    ]
    calls += [
        {
            "tool": "tasks_task_add",
            "arguments": {
                "fields": {
                    "TITLE": f"Bench task {i}",
                    "RESPONSIBLE_ID": DEMO_USER_ID,
                    "GROUP_ID": DEMO_SCRUM_GROUP_ID,
                }
            },
        }
        for i in range(tasks)
    ]
    result = await peer.call_tool("scrum_batch", {"calls": calls})
    data = _structured(result)
    if result.get("isError") or data.get("failed") or data.get("notRun"):
        raise RuntimeError(f"setup failed: {str(result)[:2000]}")
    items = data["results"]
    sprints = [int(item["result"]["id"]) for item in items[:2]]
    task_ids = [int(item["result"]["task"]["id"]) for item in items[2:]]
    return task_ids, sprints[0], sprints[1]


async def _fill_bucket(peer: StdioPeer, threshold: int, base: str, pacing: bool) -> None:
    """Fill the portal's bucket so the timed part starts in steady state.

    With pacing, through the server (`threshold` cheap reads at once), so our pacer's count
    fills with the portal's. Without pacing there is no count to keep in step: cheap
    requests go straight to the sandbox until it answers 503, i.e. the bucket is full.
    """
    if not pacing:
        import httpx2

        async with httpx2.AsyncClient(timeout=30.0) as http:
            for _ in range(threshold * 4):
                response = await http.post(base + "user.current", json={})
                if response.status_code == 503:
                    return
        raise RuntimeError("the sandbox never answered 503: is its rate limiter on?")
    results = await asyncio.gather(*(peer.call_tool("user_current", {}) for _ in range(threshold)))
    errors = [r for r in results if r.get("isError")]
    if errors:
        log(f"ratelimit: {len(errors)} warm-up calls failed, e.g. {str(errors[0])[:300]}")


def _rate_errors_in(result: dict[str, Any]) -> tuple[int, int]:
    """(rate-limit errors, other errors) visible to the caller in one tool result."""
    data = _structured(result)
    if result.get("isError"):
        return (1, 0) if data.get("error") == RATE_ERROR else (0, 1)
    rate = other = 0
    for item in data.get("results", []):
        if not item.get("ok"):
            error: dict[str, Any] = item.get("error") or {}
            if error.get("error") == RATE_ERROR:
                rate += 1
            else:
                other += 1
    return rate, other


def _pct(value: float, ceiling: float) -> float:
    return round(100.0 * value / ceiling, 1)


async def _scenario(rate: str, tasks: int, pacing: bool, modes: tuple[str, ...]) -> dict[str, Any]:
    drain, _, threshold_text = rate.partition("/")
    per_s, threshold = float(drain), int(threshold_text or 50)
    ceiling = per_s * BATCH
    out: dict[str, Any] = {
        "rate": f"{per_s:g} req/s drain, threshold {threshold}",
        "client_pacing": rate if pacing else "off",
        "tasks": tasks,
        "ceiling_ops_per_s": ceiling,
    }
    with tempfile.NamedTemporaryFile("w+b", suffix=".log") as stderr:
        async with sandbox_portal(rate) as base:
            env = server_env(
                BITRIX24_WEBHOOK_URL=base,
                BITRIX24_RATE_LIMIT=rate if pacing else NO_PACING,
                BITRIX24_LOG_LEVEL="INFO",
            )
            async with stdio_session(our_server(), env, stderr=stderr) as peer:
                log(f"ratelimit {rate} pacing={'on' if pacing else 'off'}: setup {tasks} tasks")
                task_ids, sprint_a, sprint_b = await _setup(peer, tasks)
                await _fill_bucket(peer, threshold, base, pacing)
                retries_before = _retries(Path(stderr.name))

                if "per_call" in modes:
                    log(f"ratelimit: (a) {tasks} task_update calls")
                    rate_errors = other_errors = 0
                    began = time.perf_counter()
                    for task_id in task_ids:
                        result = await peer.call_tool(
                            "task_update", {"id": task_id, "fields": {"entityId": sprint_a}}
                        )
                        r, o = _rate_errors_in(result)
                        rate_errors += r
                        other_errors += o
                    elapsed = time.perf_counter() - began
                    ops = tasks / elapsed
                    retries_after = _retries(Path(stderr.name))
                    out["per_call"] = {
                        "requests": tasks,
                        "seconds": round(elapsed, 2),
                        "ops_per_s": round(ops, 2),
                        "pct_of_ceiling": _pct(ops, ceiling),
                        "own_ceiling_ops_per_s": per_s,
                        "pct_of_own_ceiling": _pct(ops, per_s),
                        "rate_limit_errors_surfaced": rate_errors,
                        "other_errors": other_errors,
                        "503s_absorbed_by_retry": retries_after - retries_before,
                    }
                    retries_before = retries_after

                if "bulk" in modes:
                    if not pacing and "per_call" in modes:  # retries left it part-drained
                        await _fill_bucket(peer, threshold, base, pacing)
                        retries_before = _retries(Path(stderr.name))
                    log(f"ratelimit: (b) scrum_batch of {tasks} task_update calls")
                    calls = [
                        {
                            "tool": "task_update",
                            "arguments": {"id": task_id, "fields": {"entityId": sprint_b}},
                        }
                        for task_id in task_ids
                    ]
                    began = time.perf_counter()
                    result = await peer.call_tool("scrum_batch", {"calls": calls})
                    elapsed = time.perf_counter() - began
                    data = _structured(result)
                    rate_errors, other_errors = _rate_errors_in(result)
                    ops = tasks / elapsed
                    requests = int(data.get("requests", -(-tasks // BATCH)))
                    out["bulk"] = {
                        "requests": requests,
                        "seconds": round(elapsed, 2),
                        "ops_per_s": round(ops, 2),
                        "pct_of_ceiling": _pct(ops, ceiling),
                        "succeeded": data.get("succeeded"),
                        "rate_limit_errors_surfaced": rate_errors,
                        "other_errors": other_errors,
                        "503s_absorbed_by_retry": _retries(Path(stderr.name)) - retries_before,
                        "min_seconds_at_rate": round(requests / per_s, 2),
                    }
    return out


def _retries(log_file: Path) -> int:
    try:
        text = log_file.read_text(errors="replace")
    except OSError:
        return 0
    return sum(1 for line in text.splitlines() if "retrying" in line and RATE_ERROR in line)


def run(quick: bool = False) -> dict[str, Any]:
    scenarios: list[dict[str, Any]] = []
    if quick:
        scenarios.append(asyncio.run(_scenario("20/50", 100, True, ("per_call", "bulk"))))
    else:
        scenarios.append(asyncio.run(_scenario("2/50", 300, True, ("per_call", "bulk"))))
        scenarios.append(asyncio.run(_scenario("20/50", 300, True, ("per_call", "bulk"))))
        scenarios.append(asyncio.run(_scenario("20/50", 300, False, ("per_call", "bulk"))))
        scenarios.append(asyncio.run(_scenario("2/50", 300, False, ("bulk",))))
    return {"goal_pct_bulk": GOAL_PCT, "scenarios": scenarios}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", default=None, help="DRAIN/THRESHOLD, e.g. 2/50")
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--no-pacing", action="store_true", help="client pacing off")
    parser.add_argument("--bulk-only", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.rate:
        modes = ("bulk",) if args.bulk_only else ("per_call", "bulk")
        result = asyncio.run(_scenario(args.rate, args.tasks, not args.no_pacing, modes))
    else:
        result = run(args.quick)
    print(dump(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
