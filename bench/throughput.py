"""Throughput and memory: 1,000 read calls, sequential and 50 in flight, stdio and HTTP.

    python bench/throughput.py [--calls N] [--concurrency C]

The sandbox portal runs in its own process on loopback HTTP (rate limiter off) and our
server forwards to it with client-side pacing off, so the figures are the server's own
capacity, not the portal's budget (that is bench/rate_limit.py). Side by side, the same
requests sent straight to the sandbox with httpx2: the ceiling set by the portal itself.

Memory: peak RSS (VmHWM) of the stdio server after start-up (initialize + tools/list) and
after the sequential calls, and of the baseline MCPServer after its start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from common import (
    NO_PACING,
    HttpPeer,
    baseline_server,
    cpu_seconds,
    dump,
    http_server,
    log,
    our_server,
    rss_kib,
    sandbox_portal,
    server_env,
    stdio_session,
)

METHOD = "tasks.api.scrum.sprint.get"
TOOL = "sprint_get"


async def _drive(
    call: Callable[[], Awaitable[None]], calls: int, concurrency: int, pid: int | None = None
) -> dict[str, Any]:
    """Run `calls` calls with at most `concurrency` in flight; calls per second.

    With `pid`, also the server process's CPU time per call (user + system).
    """
    remaining = calls
    cpu_before = cpu_seconds(pid) if pid else 0.0

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    out = {"calls": calls, "seconds": round(elapsed, 3), "per_s": round(calls / elapsed, 1)}
    if pid:
        out["server_cpu_ms_per_call"] = round(1000 * (cpu_seconds(pid) - cpu_before) / calls, 3)
    return out


async def _both(
    call: Callable[[], Awaitable[None]], calls: int, concurrency: int, pid: int | None = None
) -> dict[str, Any]:
    for _ in range(min(50, calls)):  # warm-up: connections, caches
        await call()
    return {
        "sequential": await _drive(call, calls, 1, pid),
        f"concurrent_{concurrency}": await _drive(call, calls, concurrency, pid),
    }


async def _measure(calls: int, concurrency: int) -> dict[str, Any]:
    import httpx2

    from bitrix24_scrum_mcp.sandbox.seed import DEMO_SPRINT_ID

    args = {"id": DEMO_SPRINT_ID}
    out: dict[str, Any] = {"calls": calls, "concurrency": concurrency, "tool": TOOL}
    memory: dict[str, Any] = {}
    async with sandbox_portal() as base:
        env = server_env(BITRIX24_WEBHOOK_URL=base, BITRIX24_RATE_LIMIT=NO_PACING)

        limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx2.AsyncClient(timeout=60.0, limits=limits) as http:

            async def direct() -> None:
                response = await http.post(base + METHOD, json=args)
                assert response.status_code == 200

            log("throughput: direct httpx2 -> sandbox")
            out["direct"] = await _both(direct, calls, concurrency)

        log("throughput: stdio")
        async with stdio_session(our_server(), env) as peer:
            await peer.request("tools/list")
            memory["ours_after_startup"] = rss_kib(peer.pid)

            async def over_stdio() -> None:
                result = await peer.call_tool(TOOL, args)
                assert not result.get("isError"), result

            for _ in range(min(50, calls)):
                await over_stdio()
            out["stdio"] = {"sequential": await _drive(over_stdio, calls, 1, peer.pid)}
            memory["ours_after_calls"] = rss_kib(peer.pid)
            memory["calls"] = calls + min(50, calls)
            out["stdio"][f"concurrent_{concurrency}"] = await _drive(
                over_stdio, calls, concurrency, peer.pid
            )
            memory["ours_after_concurrent"] = rss_kib(peer.pid)

        log("throughput: streamable HTTP")
        async with http_server(env) as (url, http_pid):
            peer_http = HttpPeer(url, concurrency)
            try:

                async def over_http() -> None:
                    result = await peer_http.call_tool(TOOL, args)
                    assert not result.get("isError"), result

                out["http"] = await _both(over_http, calls, concurrency, http_pid)
            finally:
                await peer_http.aclose()

    async with stdio_session(baseline_server(), server_env()) as peer:
        await peer.request("tools/list")
        memory["baseline_after_startup"] = rss_kib(peer.pid)
    out["memory"] = memory
    return out


def run(quick: bool = False, calls: int | None = None, concurrency: int = 50) -> dict[str, Any]:
    calls = calls or (200 if quick else 1000)
    return asyncio.run(_measure(calls, concurrency))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(dump(run(args.quick, args.calls, args.concurrency)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
