"""On-premise test rigs: the sandbox over TLS with a certificate from a throwaway CA, a real
HTTP proxy (proxy.py) on loopback that records what passes through it, and settings read
the way `serve` reads them.

The proxy resolves `*.test` names to 127.0.0.1 itself (as a corporate proxy resolves
intranet names with its own DNS), so a portal can have a name that is not loopback, which
the client must send through the proxy, while every byte stays on this machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import trustme
from mcp import Client

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.client import Bitrix24Client
from bitrix24_scrum_mcp.config import Settings
from bitrix24_scrum_mcp.json_types import is_object
from bitrix24_scrum_mcp.portal import build_client
from bitrix24_scrum_mcp.sandbox import (
    DEMO_USER_ID,
    DEMO_WEBHOOK_CODE,
    FaultConfig,
    Portal,
    create_app,
)
from bitrix24_scrum_mcp.tools import ALL_TOOLS
from tests.loopback import serving

ROOT = Path(__file__).resolve().parents[2]
QUICK = {"BITRIX24_MAX_RETRIES": "0", "BITRIX24_RATE_LIMIT": "off", "BITRIX24_TIMEOUT_CONNECT": "5"}
"""One attempt, no pacing: a test counts requests, not seconds."""


def poll(done: Any, what: str, timeout: float = 20.0) -> None:
    """Wait until `done()` is true, at most `timeout` seconds (a bounded poll, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.02)


class PathRecorder:
    """ASGI wrapper that notes the path of every HTTP request (the OAuth endpoint included,
    which the sandbox does not count)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


@dataclass
class TlsPortal:
    """The sandbox served over https on 127.0.0.1."""

    portal: Portal
    faults: FaultConfig
    port: int
    ca_file: Path  # the PEM to put in BITRIX24_CA_BUNDLE
    recorder: PathRecorder

    @property
    def paths(self) -> list[str]:
        return self.recorder.paths

    def origin(self, host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.port}"

    def webhook_url(self, host: str = "127.0.0.1") -> str:
        return f"{self.origin(host)}/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"


class Certificates:
    """A company CA and the certificates it issues, written as PEM files under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.ca = trustme.CA(organization_name="Example Corp Root CA")
        self.ca_file = folder / "company-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def leaf(self, name: str, *identities: str, days_left: int = 365) -> Path:
        """A key and chain file for the portal, issued for `identities`, valid `days_left`
        more days (negative: expired that many days ago)."""
        now = datetime.now(UTC)
        cert = self.ca.issue_cert(
            *identities,
            not_before=now - timedelta(days=400),
            not_after=now + timedelta(days=days_left, hours=1),
        )
        path = self.folder / f"{name}.pem"
        cert.private_key_and_cert_chain_pem.write_to_path(str(path))
        return path

    def self_signed(self) -> Path:
        """The CA's own key and certificate, served as if it were the portal's."""
        path = self.folder / "self-signed.pem"
        path.write_bytes(self.ca.private_key_pem.bytes() + self.ca.cert_pem.bytes())
        return path


PORTAL_NAMES = ("127.0.0.1", "localhost", "portal.test", "oauth.test")


@contextmanager
def tls_sandbox(
    certificates: Certificates,
    key_and_chain: Path | None = None,
    *,
    portal: Portal | None = None,
    faults: FaultConfig | None = None,
) -> Generator[TlsPortal, None, None]:
    """The seeded sandbox on https, by default with a good certificate for `PORTAL_NAMES`."""
    portal = portal or Portal(seed=True)
    faults = faults or FaultConfig()
    chain = key_and_chain or certificates.leaf("portal", *PORTAL_NAMES)
    recorder = PathRecorder(create_app(portal, faults=faults))
    with serving(recorder, tls_key_and_chain=str(chain)) as port:
        yield TlsPortal(portal, faults, port, certificates.ca_file, recorder)


def settings(**env: str) -> Settings:
    """Settings from this environment alone (as `serve` reads os.environ), plus `QUICK`."""
    return Settings.from_env({**QUICK, **env})


@asynccontextmanager
async def session(config: Settings) -> AsyncGenerator[tuple[Client, Bitrix24Client], None]:
    """A real MCP client on our server, whose portal client `build_client` made from `config`."""
    client = build_client(config.portal, config.limits, config.network)
    try:
        async with Client(create_server(client, ALL_TOOLS)) as mcp:
            yield mcp, client
    finally:
        await client.aclose()


@dataclass
class LoopbackProxy:
    """proxy.py on 127.0.0.1; `passed()` lists what it forwarded: "CONNECT portal.test:8443"."""

    url: str
    log: Path
    _seen_before: int = 0

    def forget(self) -> None:
        self._seen_before = len(self._records())

    def passed(self) -> list[str]:
        return self._records()[self._seen_before :]

    def _records(self) -> list[str]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return [line.split("forwarding: ", 1)[1] for line in lines if "forwarding: " in line]


@contextmanager
def loopback_proxy(folder: Path) -> Generator[LoopbackProxy, None, None]:
    """Start proxy.py with the recording plugin; stop its whole process group afterwards."""
    port_file, log = folder / "proxy.port", folder / "proxy.log"
    command = [
        sys.executable, "-m", "proxy",
        "--hostname", "127.0.0.1", "--port", "0", "--port-file", str(port_file),
        "--num-acceptors", "1", "--num-workers", "1",
        "--log-file", str(log), "--log-level", "INFO",
        "--data-dir", str(folder / "proxy-data"),
        "--plugins", "tests.onprem.proxy_plugin.IntranetProxy",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        poll(lambda: port_file.exists() and port_file.read_text().strip(), "proxy.py to listen")
        port = int(port_file.read_text().split()[0])
        yield LoopbackProxy(f"http://127.0.0.1:{port}", log)
    finally:
        _stop(process, lambda sig: os.killpg(process.pid, sig))  # proxy.py forks workers


def structured(result: Any) -> Mapping[str, Any]:
    content = result.structured_content
    assert is_object(content)
    return content


@dataclass
class SandboxProcess:
    """`bitrix24-scrum-mcp sandbox ...` in a subprocess, and the lines it printed."""

    process: subprocess.Popen[bytes]
    lines: list[str]

    @property
    def webhook_url(self) -> str:
        return self.lines[0]


@contextmanager
def sandbox_command(
    *args: str, lines: int = 1, cwd: Path = ROOT, log: Path | None = None
) -> Generator[SandboxProcess, None, None]:
    """Run the sandbox CLI on a free port (unless `args` name one); yield once it printed
    `lines` lines (it binds its socket before printing, so it accepts connections then).
    Its log (stderr) goes to `log` when given."""
    stderr = log.open("wb") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "bitrix24_scrum_mcp", "sandbox", "--port", "0", *args],
        cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
    )  # fmt: skip
    try:
        yield SandboxProcess(process, _read_lines(process, lines))
    finally:
        _stop(process, process.send_signal)
        if not isinstance(stderr, int):  # our log file, not DEVNULL
            stderr.close()


def _stop(process: subprocess.Popen[bytes], send: Callable[[int], None]) -> None:
    """SIGTERM, and SIGKILL if it is still running 10 s later."""
    send(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(timeout=10)


def _read_lines(process: subprocess.Popen[bytes], count: int, timeout: float = 30.0) -> list[str]:
    """The first `count` lines of its stdout, read unbuffered within `timeout` seconds."""
    import selectors

    assert process.stdout is not None
    fd = process.stdout.fileno()
    data = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while data.count(b"\n") < count:
            if not selector.select(max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"the sandbox printed {data!r} only")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"the sandbox exited with {process.wait(timeout=10)}")
            data += chunk
    return data.decode().splitlines()[:count]
