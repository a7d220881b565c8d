"""Command line: `serve` (default), `demo`, `sandbox`, `doctor`.

Heavy imports happen inside the subcommand that needs them, so `serve` over stdio starts
without loading uvicorn, the sandbox or the demo client.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bitrix24_scrum_mcp import __version__
from bitrix24_scrum_mcp.config import ConfigError, Settings

COMMANDS = ("serve", "demo", "sandbox", "doctor")


def _portal_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("portal (flags override BITRIX24_* environment variables)")
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=None,
        help="use the embedded sandbox portal instead of a real one (env BITRIX24_SANDBOX=1)",
    )
    group.add_argument(
        "--sandbox-db",
        metavar="PATH",
        help="keep the sandbox's state in this SQLite file (default: in memory)",
    )
    group.add_argument(
        "--toolsets",
        metavar="LIST",
        help="comma-separated toolsets to offer (env BITRIX24_TOOLSETS; default: all)",
    )
    group.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="offer only tools that change nothing (env BITRIX24_READ_ONLY=1)",
    )
    group.add_argument(
        "--log-level",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        type=str.upper,
        help="log level for stderr (env BITRIX24_LOG_LEVEL; default WARNING)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bitrix24-scrum-mcp",
        description="MCP server for Bitrix24 Scrum (tasks.api.scrum.*). Configure a portal with "
        "BITRIX24_WEBHOOK_URL, or BITRIX24_PORTAL_URL + BITRIX24_ACCESS_TOKEN, or use --sandbox.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the MCP server (default)")
    _portal_flags(serve)
    serve.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")

    demo = commands.add_parser(
        "demo", help="run a sprint-planning session against the sandbox and print it"
    )
    demo.add_argument("--log-level", type=str.upper, default=None, help=argparse.SUPPRESS)

    sandbox = commands.add_parser("sandbox", help="serve the sandbox portal over loopback HTTP")
    sandbox.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--sandbox-db", metavar="PATH", help="SQLite file for its state")
    sandbox.add_argument(
        "--rate-limit",
        metavar="RATE/BURST",
        help="emulate the portal's request limit, e.g. 2/50 (default: off)",
    )
    sandbox.add_argument("--latency-ms", type=float, default=0.0, help="added delay per request")
    sandbox.add_argument("--log-level", type=str.upper, default=None, help=argparse.SUPPRESS)

    doctor = commands.add_parser(
        "doctor", help="check configuration, connectivity and the 'task' scope"
    )
    _portal_flags(doctor)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        os.environ,
        sandbox=getattr(args, "sandbox", None),
        sandbox_db=getattr(args, "sandbox_db", None),
        toolsets=getattr(args, "toolsets", None),
        read_only=getattr(args, "read_only", None),
        log_level=getattr(args, "log_level", None),
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "serve")
    args = build_parser().parse_args(argv)
    from bitrix24_scrum_mcp.redact import configure_logging

    try:
        settings = _settings(args)
        configure_logging(settings.log_level)
        if args.command == "serve":
            from bitrix24_scrum_mcp.transports import serve

            return serve(settings, transport=args.transport, host=args.host, port=args.port)
        if args.command == "demo":
            from bitrix24_scrum_mcp.demo import run_demo

            return run_demo()
        if args.command == "sandbox":
            from bitrix24_scrum_mcp.sandbox_cmd import run_sandbox

            return run_sandbox(args)
        from bitrix24_scrum_mcp.doctor import run_doctor

        return run_doctor(settings)
    except ConfigError as exc:
        print(f"bitrix24-scrum-mcp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
