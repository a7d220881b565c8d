"""`bitrix24-scrum-mcp sandbox`: serve the emulated portal over loopback HTTP or HTTPS.

Prints the demo webhook URL to stdout (so `export BITRIX24_WEBHOOK_URL=$(...)`-style
scripts can read it) and serves until interrupted. It limits requests like a cloud portal
on the standard plan (the documented leaky bucket, 2/50): `--rate-limit 5/250` for the
Enterprise plan, `--no-rate-limit` (or `--rate-limit off`) for an on-premise portal whose
administrator set none. `--tls` serves HTTPS with a certificate from a throwaway CA and
prints, on a second line, the CA file to trust (`--ca-file` chooses where it goes).
`--latency-ms` delays every answer. Its own page at `/` shows the portal's Scrum boards
as they change (sandbox_board.py).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from bitrix24_scrum_mcp.env import ConfigError, parse_rate_limit

CLOUD_RATE_LIMIT = "2/50"  # docs (limits): drain 2 a second, block above 50, plans below Enterprise


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    """The `sandbox` subcommand's flags (cli.py builds the parser)."""
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    parser.add_argument("--sandbox-db", metavar="PATH", help="SQLite file for its state")
    limit = parser.add_mutually_exclusive_group()
    limit.add_argument(
        "--rate-limit",
        metavar="RATE/BURST",
        default=CLOUD_RATE_LIMIT,
        help=f"the portal's request limit, e.g. 5/250, or off (default {CLOUD_RATE_LIMIT}, "
        "the cloud's standard plan)",
    )
    limit.add_argument(
        "--no-rate-limit",
        dest="rate_limit",
        action="store_const",
        const="off",
        help="no request limit, as on an on-premise portal without one",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a certificate from a throwaway CA (an on-premise portal "
        "with a company CA); the CA file's path is printed on a second line",
    )
    parser.add_argument(
        "--ca-file",
        metavar="PATH",
        type=Path,
        help="with --tls: write the CA certificate (PEM) here (default: a temporary file)",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added delay per request")


def run_sandbox(args: argparse.Namespace) -> int:
    """Serve `sandbox.serve(...)` with the faults the flags ask for; 0 when stopped cleanly.

    Raises:
        ConfigError: a malformed flag or a non-loopback host (the CLI prints it, exit 2).
    """
    from bitrix24_scrum_mcp.sandbox import FaultConfig, serve
    from bitrix24_scrum_mcp.sandbox_board import SandboxBoard

    faults = FaultConfig()
    rate, burst = parse_rate_limit(args.rate_limit, "--rate-limit")
    if (rate > 0) != (burst > 0):
        raise ConfigError("--rate-limit values must both be positive, e.g. 2/50, or off")
    if rate > 0:
        faults.rate_limit_drain_per_s, faults.rate_limit_threshold = rate, burst
    if not 0 <= args.latency_ms < math.inf:
        raise ConfigError("--latency-ms must be a number >= 0")
    faults.latency_s = args.latency_ms / 1000
    ca_file: Path | None = args.ca_file
    if ca_file is not None and not args.tls:
        raise ConfigError("--ca-file is for --tls: there is a CA only when serving https")
    if ca_file is not None and not ca_file.expanduser().parent.is_dir():
        raise ConfigError(f"--ca-file is in a folder that does not exist: {ca_file}")
    try:
        serve(
            host=args.host,
            port=args.port,
            db_path=args.sandbox_db,
            faults=faults,
            tls=args.tls,
            ca_file=ca_file.expanduser().resolve() if ca_file else None,
            pages=lambda portal: SandboxBoard(portal).routes(),
        )
    except ValueError as exc:  # a non-loopback host, a port in use
        raise ConfigError(str(exc)) from None
    return 0
