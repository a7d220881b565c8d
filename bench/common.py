"""Shared pieces of the benchmarks: statistics, machine facts, a lean JSON-RPC client.

The MCP client here is deliberately thin (one JSON line out, one JSON line in, matched by
id) so that what is measured is the server, not a client library's own overhead. Both
sides of every comparison use the same client.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
PROTOCOL = "2025-11-25"  # the handshake era: spawn -> initialize -> tools/list
# A webhook on loopback that is never called: start-up and tools/list need no portal.
DUMMY_WEBHOOK = "http://127.0.0.1:9/rest/1/benchdummy/"
NO_PACING = "0/0"  # BITRIX24_RATE_LIMIT value that switches client-side pacing off


# --- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sample."""
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/mean/min/max of a sample of durations, in milliseconds."""
    ms = [s * 1000.0 for s in seconds]
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 4),
        "p90": round(percentile(ms, 90), 4),
        "p99": round(percentile(ms, 99), 4),
        "mean": round(statistics.fmean(ms), 4),
        "min": round(min(ms), 4),
        "max": round(max(ms), 4),
    }


# --- machine ---------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                kib = int(line.split()[1])
                return f"{kib / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict[str, Any]:
    versions = {}
    for dist in ("mcp", "httpx2", "pydantic", "uvicorn", "starlette", "anyio", "tiktoken"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "-"
    dirty = bool(_git("status", "--porcelain", "--", "server", "tools", "sandbox"))
    return {
        "date": _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds"),
        "uname": " ".join(platform.uname()),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory": _mem_total(),
        "python": sys.version.split()[0],
        "packages": versions,
        "commit": (_git("rev-parse", "--short", "HEAD") or "?") + (" (dirty)" if dirty else ""),
    }


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(*, every_tool: bool = True, **extra: str) -> dict[str, str]:
    """Environment for a server child: no stray BITRIX24_*/MCP_* settings or PYTHONPATH.

    With `every_tool` (the scenarios call sprint_get, epic_add and the like, outside the
    default profile) every tool is offered, as in the runs before the profile existed, so
    figures stay comparable; without it the server starts as a person starts it, and so
    does a checkout from before the profiles, which knows no `all`.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BITRIX24_", "MCP_")) and k != "PYTHONPATH"
    }
    env.setdefault("PYTHONDONTWRITEBYTECODE", "0")
    if every_tool:
        env["BITRIX24_TOOLSETS"] = "all"
    env.update(extra)
    return env


def rss_kib(pid: int) -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident set size of a live process, in KiB."""
    out = {"rss_kib": 0, "peak_rss_kib": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss_kib"] = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                out["peak_rss_kib"] = int(line.split()[1])
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


async def wait_http(url: str, timeout: float = 30.0) -> None:
    """Poll until something answers HTTP at `url` (any status)."""
    import httpx2

    deadline = time.monotonic() + timeout
    async with httpx2.AsyncClient(timeout=2.0) as http:
        while True:
            try:
                await http.get(url)
                return
            except httpx2.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nothing answered at {url} within {timeout}s") from None
                await asyncio.sleep(0.05)


# --- a lean MCP client over stdio ------------------------------------------------------------


class RpcError(RuntimeError):
    pass


class StdioPeer:
    """JSON-RPC over a child's stdin/stdout; requests may be in flight concurrently."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self._next_id = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                break
            message: dict[str, Any] = json.loads(line)
            key = message.get("id")  # None for a notification
            future = self._waiting.pop(key, None) if isinstance(key, int) else None
            if future is not None and not future.done():
                future.set_result(message)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(RpcError("server closed its stdout"))

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        rid = self._next_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        message = await future
        if "error" in message:
            raise RpcError(f"{method}: {message['error']}")
        return message["result"]

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params or {}})

    async def initialize(self) -> dict[str, Any]:
        result = await self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "0"},
            },
        )
        self.notify("notifications/initialized")
        return result

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return await self.request("tools/call", {"name": name, "arguments": arguments})

    async def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader


async def spawn(
    args: Sequence[str],
    env: dict[str, str],
    stderr: Any = asyncio.subprocess.DEVNULL,
    cwd: Path | None = None,
) -> StdioPeer:
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
        env=env,
        cwd=str(cwd or ROOT),
        limit=64 * 1024 * 1024,
    )
    return StdioPeer(proc)


@contextlib.asynccontextmanager
async def stdio_session(
    args: Sequence[str],
    env: dict[str, str],
    stderr: Any = asyncio.subprocess.DEVNULL,
    cwd: Path | None = None,
) -> AsyncGenerator[StdioPeer, None]:
    peer = await spawn(args, env, stderr, cwd)
    try:
        await peer.initialize()
        yield peer
    finally:
        await peer.close()


def our_server(*extra: str) -> list[str]:
    return [PYTHON, "-m", "bitrix24_scrum_mcp", "serve", *extra]


def candidate_server(checkout: Path, *extra: str) -> list[str]:
    """The server of another checkout, through its own virtualenv's console script.

    The console script, not a module path, so a checkout of any layout (before or after the
    move to one `bitrix24_scrum_mcp` package) can be measured side by side with this one.
    """
    script = checkout / ".venv" / "bin" / "bitrix24-scrum-mcp"
    if not script.exists():
        raise SystemExit(f"{script} is missing: create {checkout}/.venv and pip install -e there")
    return [str(script), "serve", *extra]


def baseline_server() -> list[str]:
    return [PYTHON, str(BENCH / "baseline_server.py")]


# --- a lean MCP client over streamable HTTP (stateless, JSON responses) --------------------


class HttpPeer:
    def __init__(self, url: str, concurrency: int = 64) -> None:
        import httpx2

        self.url = url
        self._next_id = 0
        self._http = httpx2.AsyncClient(
            timeout=60.0,
            limits=httpx2.Limits(
                max_connections=concurrency, max_keepalive_connections=concurrency
            ),
            headers={
                "Accept": "application/json, text/event-stream",
                "Content-Type": "application/json",
                "MCP-Protocol-Version": PROTOCOL,
            },
        )

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        body = {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params or {}}
        response = await self._http.post(self.url, content=json.dumps(body).encode())
        message = response.json()
        if "error" in message:
            raise RpcError(f"{method}: {message['error']}")
        return message["result"]

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return await self.request("tools/call", {"name": name, "arguments": arguments})

    async def aclose(self) -> None:
        await self._http.aclose()


# --- output ------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


# --- background processes: the sandbox portal, our server over HTTP -----------------------


@contextlib.asynccontextmanager
async def background(
    args: Sequence[str], env: dict[str, str], health_url: str, stderr_path: Path | None = None
) -> AsyncGenerator[asyncio.subprocess.Process, None]:
    """A child process that serves HTTP; yielded once `health_url` answers; stopped after."""
    stderr = open(stderr_path, "wb") if stderr_path else asyncio.subprocess.DEVNULL
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=stderr,
        env=env,
        cwd=str(ROOT),
    )
    try:
        await wait_http(health_url)
        yield proc
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if not isinstance(stderr, int):  # a file of ours, not DEVNULL
            stderr.close()


@contextlib.asynccontextmanager
async def sandbox_portal(rate: str | None = None) -> AsyncGenerator[str, None]:
    """The sandbox on loopback HTTP in its own process; yields its webhook URL."""
    from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, DEMO_WEBHOOK_CODE

    port = free_port()
    args = [PYTHON, str(BENCH / "sandbox_proc.py"), str(port)]
    if rate:
        args += ["--rate", rate]
    base = f"http://127.0.0.1:{port}/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"
    async with background(args, server_env(), f"http://127.0.0.1:{port}/"):
        yield base


@contextlib.asynccontextmanager
async def http_server(env: dict[str, str]) -> AsyncGenerator[tuple[str, int], None]:
    """Our server with `serve --transport http` on a free port; yields (MCP endpoint, pid)."""
    port = free_port()
    args = our_server("--transport", "http", "--port", str(port))
    async with background(args, env, f"http://127.0.0.1:{port}/healthz") as proc:
        yield f"http://127.0.0.1:{port}/mcp", proc.pid
