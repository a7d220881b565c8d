"""Command line: `serve` (default), `demo`, `sandbox`, `doctor`.

Heavy imports happen inside the subcommand that needs them, so `serve` over stdio starts
without loading uvicorn, the sandbox or the demo client. Every setting is read before
anything starts; one that cannot be read ends the command with exit 2 and a message that
names it (`doctor` reports it instead).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bitrix24_scrum_mcp import __version__
from bitrix24_scrum_mcp.config import LOG_LEVELS, Flags, Settings, log_level
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.redact import REDACTOR, configure_logging
from bitrix24_scrum_mcp.sandbox_cmd import add_sandbox_arguments

COMMANDS = ("serve", "demo", "sandbox", "doctor")


def _portal_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("portal (flags override BITRIX24_* environment variables)")
    group.add_argument(
        "--sandbox",
        action="store_true",
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
        help="comma-separated toolsets to offer, or all (env BITRIX24_TOOLSETS; default: default)",
    )
    group.add_argument(
        "--read-only",
        action="store_true",
        help="offer only tools that change nothing (env BITRIX24_READ_ONLY=1)",
    )
    group.add_argument(
        "--dynamic-toolsets",
        action="store_true",
        help="start with the workbench and two discovery tools, add toolsets on request "
        "(env BITRIX24_DYNAMIC_TOOLSETS=1)",
    )
    group.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
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
    demo.add_argument(
        "--webhook-url",
        metavar="URL",
        help="run it on this portal instead of a fresh embedded sandbox: the URL "
        "`sandbox --port N` prints, to watch the week on that sandbox's board at /",
    )
    demo.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, help=argparse.SUPPRESS)

    sandbox = commands.add_parser(
        "sandbox", help="serve the sandbox portal over loopback HTTP (or HTTPS with --tls)"
    )
    add_sandbox_arguments(sandbox)
    sandbox.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, help=argparse.SUPPRESS)

    doctor = commands.add_parser(
        "doctor", help="check configuration, connectivity and the 'task' scope"
    )
    _portal_flags(doctor)
    return parser


def _flags(args: argparse.Namespace) -> Flags:
    return Flags(
        sandbox=args.sandbox,
        sandbox_db=args.sandbox_db,
        toolsets=args.toolsets,
        read_only=args.read_only,
        dynamic_toolsets=args.dynamic_toolsets,
        log_level=args.log_level,
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "serve")
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigError as exc:
        print(f"bitrix24-scrum-mcp: {REDACTOR.scrub(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve(args)
    if args.command == "doctor":
        return _doctor(args)
    configure_logging(args.log_level or log_level(os.environ))
    if args.command == "demo":
        from bitrix24_scrum_mcp.demo import run_demo

        return run_demo(args.webhook_url)
    from bitrix24_scrum_mcp.sandbox_cmd import run_sandbox

    return run_sandbox(args)


def _doctor(args: argparse.Namespace) -> int:
    from bitrix24_scrum_mcp.doctor import run_doctor

    try:
        level = args.log_level or log_level(os.environ)
    except ConfigError:
        level = "WARNING"  # doctor reports the unreadable value with everything else
    configure_logging(level)
    return run_doctor(os.environ, _flags(args))


def _serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env(os.environ, _flags(args))
    if args.transport == "stdio":
        _start_logging(settings)
        from bitrix24_scrum_mcp.stdio import serve_stdio

        return serve_stdio(settings)
    from bitrix24_scrum_mcp.http_app import HttpSettings, serve_http
    from bitrix24_scrum_mcp.team.settings import TeamSettings

    team = TeamSettings.from_env(os.environ, settings)
    http = HttpSettings.from_env(
        os.environ, host=args.host, port=args.port, per_person=team.per_person
    )
    _start_logging(settings)
    return serve_http(settings, http, team)


def _start_logging(settings: Settings) -> None:
    """Logging to stderr, then what the settings need said at every start (plain http...)."""
    configure_logging(settings.log_level)
    for warning in settings.warnings:
        logging.getLogger("bitrix24_scrum_mcp").warning("%s", warning)
