"""Hostile load (issue 17, issue 12 §3): abandoned calls, slow clients, a maximal answer.

    python bench/load.py [--quick]

Loopback only, bounded in count and time (full ~1.5 min, quick ~40 s). A recording
stand-in portal runs in this process (it notes when each request arrives); our server runs
as `serve` in its own process, as users run it.

  abandoned  The issue's case over HTTP: BITRIX24_TIMEOUT_TOTAL=20, BITRIX24_RATE_LIMIT=2/10,
             200 concurrent `sprint_get` whose clients give up after 5 s, one `user_current`
             from another client during the burst (t=1 s) and one at t=25 s. Reported: calls
             that reached the portal after their clients left (goal 0), both latencies
             (goal < 2 s; before: 71.3 s for the one at t=25 s).
  slow       300 connections that never finish their headers (`MCP_HTTP_HEADER_TIMEOUT`
             default 10 s): how many are held and for how long (goal: closed within the
             header timeout), and a tools/list from a real client meanwhile.
  large      A `sprint_list` answer of 60,000 items (13.3 MB) over stdio: event-loop steps
             over 100 ms during the call (asyncio debug mode, a second run; goal: none),
             the longest of `tools/list` pings sent every 10 ms meanwhile (as a client sees
             it, GIL hand-offs and this machine's load included), peak RSS (goal < 150 MB)
             and the tool result's bytes (goal within BITRIX24_MAX_RESULT_BYTES).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import socket
import tempfile
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from common import (
    PROTOCOL,
    dump,
    http_server,
    log,
    our_server,
    rss_kib,
    server_env,
    stdio_session,
)

WEBHOOK_CODE = "b3nchl0adc0de"
HEADER_TIMEOUT_S = 10.0  # the documented default
MAX_RESULT_BYTES = 100_000  # the documented default
GOALS = {"fresh_latency_s": 2.0, "stall_ms": 100.0, "peak_rss_mib": 150.0}


# --- a stand-in portal that records arrival times ---------------------------------------------


@dataclass
class Portal:
    port: int = 0
    arrivals: list[tuple[float, str]] = field(default_factory=list[tuple[float, str]])
    huge: bytes = b""

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/rest/1/{WEBHOOK_CODE}/"


def _sprint(n: int) -> dict[str, Any]:
    return {
        "id": n,
        "groupId": 7,
        "name": f"Sprint {n}",
        "goal": "",
        "sort": n,
        "createdBy": 1,
        "modifiedBy": 1,
        "dateStart": "2024-09-09T00:00:00+03:00",
        "dateEnd": "2024-09-23T00:00:00+03:00",
        "status": "completed",
    }


def _huge_answer(items: int) -> bytes:
    return json.dumps(
        {"result": [_sprint(n) for n in range(1, items + 1)], "total": items}
    ).encode()


@contextlib.contextmanager
def recording_portal(huge_items: int = 0) -> Generator[Portal, None, None]:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    portal = Portal(huge=_huge_answer(huge_items) if huge_items else b"")

    async def endpoint(request: Request) -> Response:
        method = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        portal.arrivals.append((time.monotonic(), method))
        await request.body()
        if method.endswith("sprint.list") and portal.huge:
            return Response(portal.huge, media_type="application/json")
        result = {"ID": "1"} if method == "user.current" else _sprint(23)
        return Response(json.dumps({"result": result}), media_type="application/json")

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    portal.port = sock.getsockname()[1]
    try:
        yield portal
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --- abandoned calls ------------------------------------------------------------------------


def _call(tool: str, arguments: dict[str, Any], rid: int) -> bytes:
    params = {"name": tool, "arguments": arguments}
    return json.dumps(
        {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}
    ).encode()


HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": PROTOCOL,
}


async def _timed_call(url: str, tool: str, rid: int) -> tuple[float, bool]:
    import httpx2

    async with httpx2.AsyncClient(timeout=60.0, headers=HEADERS) as http:
        began = time.monotonic()
        response = await http.post(url, content=_call(tool, {}, rid))
        ok = not response.json()["result"].get("isError")
        return time.monotonic() - began, ok


async def _abandoned(quick: bool) -> dict[str, Any]:
    import httpx2

    count, give_up_s, late_at_s = (60, 2.0, 6.0) if quick else (200, 5.0, 25.0)
    with recording_portal() as portal:
        env = server_env(
            BITRIX24_WEBHOOK_URL=portal.webhook,
            BITRIX24_TIMEOUT_TOTAL="20",
            BITRIX24_RATE_LIMIT="2/10",
        )
        async with http_server(env) as (url, _pid):
            pool = httpx2.Limits(max_connections=count, max_keepalive_connections=0)
            async with httpx2.AsyncClient(timeout=give_up_s, headers=HEADERS, limits=pool) as http:
                began = time.monotonic()

                async def abandoned(rid: int) -> None:
                    with contextlib.suppress(httpx2.TimeoutException):
                        await http.post(url, content=_call("sprint_get", {"id": 23}, rid))

                async def fresh_during() -> tuple[float, bool]:
                    await asyncio.sleep(1.0)
                    return await _timed_call(url, "user_current", 100_001)

                tasks = [asyncio.create_task(abandoned(i)) for i in range(count)]
                during = await fresh_during()
                await asyncio.gather(*tasks)
                left_at = time.monotonic()
            await asyncio.sleep(max(0.0, began + late_at_s - time.monotonic()))
            late = await _timed_call(url, "user_current", 100_002)
    grace = 0.3  # a request already on the wire when its client hung up
    burst = [(t - began, m) for t, m in portal.arrivals if m.endswith("sprint.get")]
    after_left = [t for t, _ in burst if began + t > left_at + grace]
    return {
        "calls": count,
        "clients_gave_up_after_s": give_up_s,
        "rate_limit": "2/10",
        "total_timeout_s": 20,
        "burst_calls_sent": len(burst),
        "sent_after_clients_left": len(after_left),
        "fresh_call_during_burst_s": round(during[0], 3),
        "fresh_call_during_burst_ok": during[1],
        "late_call_at_s": late_at_s,
        "late_call_latency_s": round(late[0], 3),
        "late_call_ok": late[1],
        "before_late_call_latency_s": 71.3,
    }


# --- slow clients ---------------------------------------------------------------------------


async def _slow(quick: bool) -> dict[str, Any]:
    count = 100 if quick else 300
    timeout_s = 2.0 if quick else HEADER_TIMEOUT_S
    env = server_env(BITRIX24_SANDBOX="1", MCP_HTTP_HEADER_TIMEOUT=f"{timeout_s:g}")
    async with http_server(env) as (url, _pid):
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        opened: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []
        for _ in range(count):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            opened.append((time.monotonic(), reader, writer))
        ping = await _ping(url)

        async def held(began: float, reader: asyncio.StreamReader) -> float | None:
            try:
                await asyncio.wait_for(reader.read(), timeout_s + 10)
            except TimeoutError:
                return None
            return time.monotonic() - began

        holds = await asyncio.gather(*(held(b, r) for b, r, _ in opened))
        for _, _, writer in opened:
            writer.close()
    closed = [h for h in holds if h is not None]
    return {
        "connections": count,
        "header_timeout_s": timeout_s,
        "closed": len(closed),
        "still_open_after_timeout_plus_10s": count - len(closed),
        "held_max_s": round(max(closed), 2) if closed else None,
        "held_median_s": round(sorted(closed)[len(closed) // 2], 2) if closed else None,
        "tools_list_meanwhile_s": round(ping, 3),
        "met": len(closed) == count and max(closed) <= timeout_s + 1.0,
        "before": "3,000 held for 60 s, none closed",
    }


async def _ping(url: str) -> float:
    import httpx2

    async with httpx2.AsyncClient(timeout=30.0, headers=HEADERS) as http:
        began = time.monotonic()
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        response = await http.post(url, content=json.dumps(body).encode())
        assert response.status_code == 200, response.text
        return time.monotonic() - began


# --- a maximal answer -----------------------------------------------------------------------


async def _large(quick: bool) -> dict[str, Any]:
    items = 20_000 if quick else 60_000
    with recording_portal(huge_items=items) as portal:
        env = server_env(BITRIX24_WEBHOOK_URL=portal.webhook, BITRIX24_RATE_LIMIT="0/0")
        async with stdio_session(our_server(), env) as peer:
            await _warm_up(peer)
            startup = rss_kib(peer.pid)
            pings: list[float] = []
            done = asyncio.Event()

            async def pinger() -> None:
                while not done.is_set():
                    began = time.monotonic()
                    await peer.request("tools/list")
                    pings.append(time.monotonic() - began)
                    await asyncio.sleep(0.01)

            async def big() -> tuple[dict[str, Any], float]:
                began = time.monotonic()
                result = await peer.call_tool("sprint_list", {"filter": {"GROUP_ID": 7}})
                done.set()
                return result, time.monotonic() - began

            quiet: list[float] = []
            for _ in range(20):  # the ping on an idle loop, for reference
                began = time.monotonic()
                await peer.request("tools/list")
                quiet.append(time.monotonic() - began)
            ping_task = asyncio.create_task(pinger())
            result, seconds = await big()
            await ping_task
            after = rss_kib(peer.pid)
    slow_callbacks = await _slow_callbacks(portal_items=items)
    text = result["content"][0]["text"]
    page: dict[str, Any] = result.get("structuredContent") or {}
    truncated: dict[str, Any] = page.get("truncated") or {}
    stall_ms = (max(pings) - sorted(quiet)[len(quiet) // 2]) * 1000 if pings else None
    return {
        "items": items,
        "answer_bytes": len(portal.huge),
        "seconds": round(seconds, 2),
        "pings": len(pings),
        "ping_idle_p50_ms": round(sorted(quiet)[len(quiet) // 2] * 1000, 2),
        "ping_max_ms": round(max(pings) * 1000, 1) if pings else None,
        "stall_ms": round(stall_ms, 1) if stall_ms is not None else None,
        "loop_callbacks_over_100ms": slow_callbacks,
        "rss_after_warm_up_mib": round(startup["peak_rss_kib"] / 1024, 1),
        "peak_rss_mib": round(after["peak_rss_kib"] / 1024, 1),
        "result_bytes": len(text.encode()),
        "result_items": len(page.get("items", [])),
        "max_result_bytes": MAX_RESULT_BYTES,
        "truncated_note": truncated.get("note", ""),
        "before": "18 s, a concurrent call waited 17.9 s, RSS 318 MB, a 12 MB tool result",
    }


async def _warm_up(peer: Any) -> None:
    """The first calls of a process build what later ones reuse (the HTTP client and its TLS
    context, lazily imported modules): a one-time cost, measured by coldstart.py, not here."""
    for _ in range(3):
        await peer.request("tools/list")
        await peer.call_tool("user_current", {})


async def _slow_callbacks(portal_items: int) -> list[float]:
    """The same call with asyncio's debug mode on, which logs every event-loop step that
    took over 100 ms: the stall measured inside the server, free of ping round trips."""
    with recording_portal(huge_items=portal_items) as portal, tempfile.TemporaryFile() as err:
        env = server_env(
            BITRIX24_WEBHOOK_URL=portal.webhook, BITRIX24_RATE_LIMIT="0/0", PYTHONASYNCIODEBUG="1"
        )
        async with stdio_session(our_server(), env, stderr=err) as peer:
            await _warm_up(peer)
            await asyncio.sleep(0.5)  # the log of those steps is written after their answer
            started = err.tell()
            await peer.call_tool("sprint_list", {"filter": {"GROUP_ID": 7}})
            await peer.request("tools/list")
        err.seek(started)
        log_text = err.read().decode(errors="replace")
    return [float(ms) * 1000 for ms in re.findall(r"took (\d+\.\d+) seconds", log_text)]


# --- run ---------------------------------------------------------------------------------------


async def _measure(quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"goals": GOALS}
    for name, fn in (("abandoned", _abandoned), ("slow", _slow), ("large", _large)):
        log(f"load: {name}")
        out[name] = await fn(quick)
    ab, lg = out["abandoned"], out["large"]
    out["met"] = {
        "sent_after_clients_left": ab["sent_after_clients_left"] == 0,
        "fresh_call_during_burst": ab["fresh_call_during_burst_s"] < GOALS["fresh_latency_s"],
        "late_call": ab["late_call_latency_s"] < GOALS["fresh_latency_s"],
        "slow_clients_closed": out["slow"]["met"],
        "stall": not lg["loop_callbacks_over_100ms"],
        "peak_rss": lg["peak_rss_mib"] < GOALS["peak_rss_mib"],
        "result_bytes": lg["result_bytes"] <= MAX_RESULT_BYTES,
    }
    return out


def run(quick: bool = False) -> dict[str, Any]:
    return asyncio.run(_measure(quick))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(dump(run(args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
