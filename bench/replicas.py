"""Replicas sharing one portal: three `serve --transport http`, with and without Redis.

    python bench/replicas.py [--seconds 60] [--workers 8] [--only redis,local,faults] [--json F]

A stand-in portal (the sandbox, in this process, with the documented leaky bucket: 2 requests
a second drained, refused above 50, every refusal counted) serves three replicas of our
server. Workers write through the replicas in turn, each call an `epic_add` with a name of
its own, for `--seconds`. Afterwards the portal's own table says whether a write was lost (a
call answered ok whose epic is missing) or doubled (a name stored twice).

Scenarios:
  redis   BITRIX24_STATE_URL=redis://... : one bucket for all replicas (the team server)
  local   no Redis: each replica paces itself to 2/50 as if it were alone
  faults  redis, and mid-run: one replica is killed, then Redis is killed for a while and
          started again; the load goes on against whatever is up

Reported: writes per second across the replicas (whole run and second half, the steady
state) against the portal's ceiling (2/s, plus the 50-request burst at the start), rate-limit
errors that reached callers, requests the portal refused, other errors by code, lost and
doubled writes. A worker retries a write only when it provably never left (connection
refused: its replica is down), on the next replica, as a load balancer does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncGenerator, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import uvicorn
from common import PYTHON, ROOT, dump, free_port, log, server_env, wait_http

from bitrix24_scrum_mcp.sandbox import (
    DEMO_SCRUM_GROUP_ID,
    DEMO_USER_ID,
    DEMO_WEBHOOK_CODE,
    FaultConfig,
    Portal,
    create_app,
)

RATE, BURST = 2.0, 50  # docs: limits.md, the standard plans
REPLICAS = 3
LIMIT_ERROR = "QUERY_LIMIT_EXCEEDED"


@dataclass
class Outcome:
    name: str
    replica: int
    status: str  # "ok", an error code, "not_sent" (connection refused everywhere), "unknown"
    finished: float
    description: str = ""


@dataclass
class Run:
    began: float
    outcomes: list[Outcome] = field(default_factory=list[Outcome])
    events: list[str] = field(default_factory=list[str])
    last_event: float = 0.0


@contextlib.contextmanager
def stand_in_portal() -> Generator[tuple[Portal, Any, str], None, None]:
    """The sandbox with the documented leaky bucket, on loopback, in a thread of this process."""
    portal = Portal(seed=True)
    faults = FaultConfig(rate_limit_drain_per_s=RATE, rate_limit_threshold=BURST)
    app = create_app(portal, faults=faults)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    try:
        yield (
            portal,
            app.state.bucket,
            f"http://127.0.0.1:{port}/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/",
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class RedisProcess:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run bash .ci/services.sh")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.5) as s,
            ):
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@contextlib.asynccontextmanager
async def replicas(
    webhook: str, redis_url: str | None, logs: Path
) -> AsyncGenerator[list[Any], None]:
    """REPLICAS servers; yields [(url, process)] once every one answers /healthz."""
    env = server_env(BITRIX24_WEBHOOK_URL=webhook, BITRIX24_RATE_LIMIT=f"{RATE:g}/{BURST}")
    if redis_url:
        env["BITRIX24_STATE_URL"] = redis_url
    started: list[Any] = []
    try:
        for n in range(REPLICAS):
            port = free_port()
            proc = await asyncio.create_subprocess_exec(
                PYTHON,
                "-m",
                "bitrix24_scrum_mcp",
                "serve",
                "--transport",
                "http",
                "--port",
                str(port),
                env=env,
                cwd=str(ROOT),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=open(logs / f"replica{n}.log", "wb"),
            )
            started.append((f"http://127.0.0.1:{port}", proc))
        for base, _proc in started:
            await wait_http(f"{base}/healthz")
        yield started
    finally:
        for _base, proc in started:
            if proc.returncode is None:
                proc.terminate()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), 10)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def _call(http: httpx2.AsyncClient, base: str, name: str, n: int) -> dict[str, Any]:
    """One tools/call over stateless streamable HTTP (JSON answers), as any MCP client sends."""
    body = {
        "jsonrpc": "2.0",
        "id": n,
        "method": "tools/call",
        "params": {
            "name": "epic_add",
            "arguments": {"fields": {"groupId": DEMO_SCRUM_GROUP_ID, "name": name}},
            "_meta": {"io.modelcontextprotocol/protocolVersion": "2025-11-25"},
        },
    }
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    response = await http.post(f"{base}/mcp", json=body, headers=headers)
    return response.json()["result"]


async def _worker(servers: list[Any], run: Run, until: float, counter: Iterator[int]) -> None:
    async with httpx2.AsyncClient(timeout=180) as http:
        while time.monotonic() < until:
            n = next(counter)
            name = f"bench-{n}"
            status, description, replica = "not_sent", "", n % len(servers)
            for attempt in range(len(servers)):  # only a refused connection moves on
                replica = (n + attempt) % len(servers)
                try:
                    result = await _call(http, servers[replica][0], name, n)
                except httpx2.ConnectError:
                    continue
                except (httpx2.HTTPError, ValueError, KeyError) as exc:
                    status, description = "unknown", type(exc).__name__
                    break
                if result.get("isError"):
                    error: dict[str, Any] = result.get("structuredContent") or {}
                    status = str(error.get("error"))
                    description = str(error.get("error_description", ""))[:240]
                else:
                    status = "ok"
                break
            run.outcomes.append(Outcome(name, replica, status, time.monotonic(), description))


async def _faults(servers: list[Any], redis: RedisProcess, run: Run, seconds: float) -> None:
    await asyncio.sleep(seconds * 0.3)
    servers[1][1].kill()
    run.events.append(f"{time.monotonic() - run.began:.1f}s: replica 1 killed")
    await asyncio.sleep(seconds * 0.2)
    redis.kill()
    run.events.append(f"{time.monotonic() - run.began:.1f}s: Redis killed")
    await asyncio.sleep(seconds * 0.15)
    redis.start()
    run.events.append(f"{time.monotonic() - run.began:.1f}s: Redis started again (empty)")
    run.last_event = time.monotonic()


def _report(run: Run, portal: Portal, bucket: Any, seconds: float, scenario: str) -> dict[str, Any]:
    rows = portal.store.all(
        "SELECT name, COUNT(*) AS n FROM epics WHERE name LIKE 'bench-%' GROUP BY name"
    )
    stored = {row["name"]: int(row["n"]) for row in rows}
    ok = [o for o in run.outcomes if o.status == "ok"]
    half = run.began + seconds / 2
    codes = Counter(o.status for o in run.outcomes if o.status != "ok")
    samples = {}
    for o in run.outcomes:
        if o.status not in ("ok",) and o.status not in samples:
            samples[o.status] = o.description
    return {
        "scenario": scenario,
        "replicas": REPLICAS,
        "seconds": seconds,
        "calls": len(run.outcomes),
        "writes_ok": len(ok),
        "writes_per_s": round(len(ok) / seconds, 2),
        "steady_writes_per_s": round(sum(o.finished >= half for o in ok) / (seconds / 2), 2),
        "portal_ceiling_per_s": RATE,
        "portal_burst": BURST,
        "limit_errors_to_callers": codes.get(LIMIT_ERROR, 0),
        "portal_refusals": int(bucket.refused),
        "other_errors": {k: v for k, v in codes.items() if k != LIMIT_ERROR},
        "error_samples": samples,
        "lost_writes": sum(1 for o in ok if stored.get(o.name, 0) == 0),
        "doubled_writes": sum(1 for n in stored.values() if n > 1),
        "unknown_outcomes_applied": sum(
            1 for o in run.outcomes if o.status not in ("ok",) and stored.get(o.name, 0) == 1
        ),
        "events": run.events,
        "writes_ok_after_faults": sum(o.finished > run.last_event for o in ok)
        if run.last_event
        else None,
    }


async def scenario(name: str, seconds: float, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, stand_in_portal() as (portal, bucket, webhook):
        folder = Path(tmp)
        redis = RedisProcess(folder) if name in ("redis", "faults") else None
        if redis:
            redis.start()
        try:
            async with replicas(webhook, redis.url if redis else None, folder) as servers:
                log(f"replicas {name}: {workers} workers for {seconds:g}s")
                run = Run(time.monotonic())
                counter = iter(range(1, 10**9))
                until = run.began + seconds
                tasks = [_worker(servers, run, until, counter) for _ in range(workers)]
                if name == "faults" and redis:
                    tasks.append(_faults(servers, redis, run, seconds))
                await asyncio.gather(*tasks)
                elapsed = time.monotonic() - run.began  # calls in flight at `until` finish late
                return _report(run, portal, bucket, max(seconds, elapsed), name)
        finally:
            if redis:
                redis.kill()


SCENARIOS = ("redis", "local", "faults")


def run(
    quick: bool = False,
    only: tuple[str, ...] = SCENARIOS,
    seconds: float | None = None,
    workers: int = 8,
) -> dict[str, Any]:
    seconds = seconds or (10.0 if quick else 60.0)
    results: dict[str, Any] = {"portal": f"{RATE:g} req/s drain, refused above {BURST}"}
    for name in only:
        results[name] = asyncio.run(scenario(name, seconds, workers))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    names = tuple(n.strip() for n in args.only.split(",") if n.strip())
    text = dump(run(only=names, seconds=args.seconds, workers=args.workers))
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
