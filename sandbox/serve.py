# pyright: strict
"""`serve()`: run the sandbox portal over loopback HTTP, or HTTPS with `tls=True`, with uvicorn
(for the CLI and demos).

The socket is bound before anything is printed, so the printed URL is a promise: a client
may connect the moment it reads it (port 0 picks a free port, and the URL shows which).
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

import uvicorn
from starlette.routing import BaseRoute

from bitrix24_scrum_mcp.sandbox.app import create_app
from bitrix24_scrum_mcp.sandbox.faults import FaultConfig
from bitrix24_scrum_mcp.sandbox.portal import Portal
from bitrix24_scrum_mcp.sandbox.seed import DEMO_USER_ID, DEMO_WEBHOOK_CODE


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url(host: str, port: int, scheme: str = "http") -> str:
    """The demo webhook's base URL, as a client configures it."""
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}/"


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(256)
    return sock


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    db_path: str | None = None,
    faults: FaultConfig | None = None,
    *,
    tls: bool = False,
    ca_file: Path | None = None,
    pages: Callable[[Portal], Sequence[BaseRoute]] | None = None,
) -> None:
    """Serve the demo portal until interrupted.

    Prints the webhook URL to stdout; with `tls`, a second line: the path of the throwaway
    CA's certificate (`ca_file`, or a file in a temporary folder removed at exit).
    `pages` makes routes for the portal to serve besides REST and OAuth (the CLI's board).

    Raises: ValueError for a host that is not a loopback address (the sandbox has no auth
    worth the name and must never listen on a network interface) or a port in use.
    """
    if not _is_loopback(host):
        raise ValueError(f"the sandbox only listens on loopback, not {host!r}")
    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    portal = Portal(db_path or ":memory:", seed=True)
    app = create_app(
        portal,
        faults=faults if faults is not None else FaultConfig(),
        pages=pages(portal) if pages else (),
    )
    sock = _listen(host, port)
    if threading.current_thread() is threading.main_thread():
        # uvicorn stops on SIGTERM, then raises it again to the handler it found: make that
        # an exit that unwinds, so the temporary folder with the private key is removed.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with sock, tempfile.TemporaryDirectory(prefix="bitrix24-sandbox-") as folder:
        files = None
        if tls:
            from bitrix24_scrum_mcp.sandbox.tls import issue  # trustme: only when asked for

            files = issue(Path(folder), ca_file)
        config = uvicorn.Config(
            app,
            log_level="info",
            access_log=False,
            ssl_certfile=str(files.key_and_chain) if files else None,
        )
        print(webhook_url(host, sock.getsockname()[1], "https" if files else "http"), flush=True)
        if files:
            print(files.ca, flush=True)
        if pages:
            shown = f"[{host}]" if ":" in host else host
            scheme = "https" if files else "http"
            # stderr: stdout's lines are for scripts; this one is for the person watching
            print(f"pages at {scheme}://{shown}:{sock.getsockname()[1]}/", file=sys.stderr)
        uvicorn.Server(config).run(sockets=[sock])
