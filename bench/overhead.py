"""Per-call overhead: one read tool through MCP over stdio vs the same REST request direct.

    python bench/overhead.py [--calls N]

The sandbox portal runs in its own process on loopback HTTP; three paths reach it:
  direct   httpx2.AsyncClient POST tasks.api.scrum.sprint.get {"id": 23}
  ours     tools/call sprint_get {"id": 23} over stdio to our server (pacing off)
  sdk      the same over stdio to bench/proxy_server.py: the SDK's low-level Server with
           one forwarding tool, the floor any MCP proxy on this SDK pays
Calls alternate between the paths (rotating order), one at a time, after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

from common import (
    BENCH,
    NO_PACING,
    PYTHON,
    candidate_server,
    dump,
    log,
    our_server,
    sandbox_portal,
    server_env,
    stdio_session,
    summary_ms,
)

GOAL_MS = 2.0  # issue 11: under 2 ms added at p50
METHOD = "tasks.api.scrum.sprint.get"
TOOL = "sprint_get"


def _sprint_id() -> int:
    from bitrix24_scrum_mcp.sandbox.seed import DEMO_SPRINT_ID

    return DEMO_SPRINT_ID


async def _measure(calls: int, warmup: int, candidate: Path | None = None) -> dict[str, Any]:
    import httpx2

    args = {"id": _sprint_id()}
    async with sandbox_portal() as base:
        env = server_env(BITRIX24_WEBHOOK_URL=base, BITRIX24_RATE_LIMIT=NO_PACING)
        proxy_env = server_env(BENCH_PORTAL_URL=base)
        async with (
            httpx2.AsyncClient(
                timeout=60.0,
                headers={"Accept": "application/json", "User-Agent": "bench"},
            ) as http,
            stdio_session(our_server(), env) as ours,
            stdio_session([PYTHON, str(BENCH / "proxy_server.py")], proxy_env) as sdk,
            contextlib.AsyncExitStack() as stack,
        ):
            other = None
            if candidate is not None:
                other = await stack.enter_async_context(
                    stdio_session(candidate_server(candidate), env, cwd=candidate)
                )

            async def direct() -> None:
                response = await http.post(base + METHOD, json=args)
                assert response.status_code == 200, response.text

            async def via_ours() -> None:
                result = await ours.call_tool(TOOL, args)
                assert not result.get("isError"), result

            async def via_sdk() -> None:
                result = await sdk.call_tool(TOOL, args)
                assert not result.get("isError"), result

            async def via_candidate() -> None:
                assert other is not None
                result = await other.call_tool(TOOL, args)
                assert not result.get("isError"), result

            paths = {"direct": direct, "ours": via_ours, "sdk": via_sdk}
            if other is not None:
                paths["candidate"] = via_candidate
            for fn in paths.values():
                for _ in range(warmup):
                    await fn()
            samples: dict[str, list[float]] = {name: [] for name in paths}
            names = list(paths)
            for i in range(calls):
                shift = i % len(names)
                for name in names[shift:] + names[:shift]:
                    began = time.perf_counter()
                    await paths[name]()
                    samples[name].append(time.perf_counter() - began)
    stats = {name: summary_ms(values) for name, values in samples.items()}
    added_p50 = stats["ours"]["p50"] - stats["direct"]["p50"]
    return {
        "calls": calls,
        "tool": f"{TOOL} {args} -> {METHOD}",
        "ms": stats,
        "added_ms": {
            "p50": round(added_p50, 3),
            "p99": round(stats["ours"]["p99"] - stats["direct"]["p99"], 3),
        },
        "sdk_floor_added_ms": {
            "p50": round(stats["sdk"]["p50"] - stats["direct"]["p50"], 3),
            "p99": round(stats["sdk"]["p99"] - stats["direct"]["p99"], 3),
        },
        "ours_over_sdk_ms": {"p50": round(stats["ours"]["p50"] - stats["sdk"]["p50"], 3)},
        **(
            {
                "candidate": str(candidate),
                "candidate_added_ms": {
                    "p50": round(stats["candidate"]["p50"] - stats["direct"]["p50"], 3),
                    "p99": round(stats["candidate"]["p99"] - stats["direct"]["p99"], 3),
                },
            }
            if candidate
            else {}
        ),
        "goal_ms": GOAL_MS,
        "met": added_p50 < GOAL_MS,
    }


def run(
    quick: bool = False, calls: int | None = None, candidate: Path | None = None
) -> dict[str, Any]:
    calls = calls or (200 if quick else 2000)
    log(f"overhead: {calls} calls on each path")
    return asyncio.run(_measure(calls, 20 if quick else 200, candidate))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--candidate", type=Path, help="another checkout of the repo to measure side by side"
    )
    args = parser.parse_args()
    print(dump(run(args.quick, args.calls, args.candidate)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
