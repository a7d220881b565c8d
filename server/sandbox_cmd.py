"""`bitrix24-scrum-mcp sandbox`: serve the emulated portal over loopback HTTP.

Prints the demo webhook URL to stdout (so `export BITRIX24_WEBHOOK_URL=$(...)`-style
scripts can read it) and serves until interrupted. Faults are opt-in: `--rate-limit 2/50`
turns on the portal's leaky bucket, `--latency-ms` delays every answer.
"""

from __future__ import annotations

import argparse

from bitrix24_scrum_mcp.config import ConfigError


def parse_rate_limit(text: str) -> tuple[float, int]:
    """`"2/50"` -> (2.0 requests drained a second, 50 requests allowed in a burst)."""
    per_s, sep, burst = text.partition("/")
    try:
        rate, threshold = float(per_s), int(burst) if sep else 50
    except ValueError:
        raise ConfigError(
            f"--rate-limit must look like 2/50 (per second/burst), not {text!r}"
        ) from None
    if rate <= 0 or threshold <= 0:
        raise ConfigError("--rate-limit values must be positive, e.g. 2/50")
    return rate, threshold


def run_sandbox(args: argparse.Namespace) -> int:
    """Serve `sandbox.serve(...)` with the faults the flags ask for; 0 when stopped cleanly.

    Raises:
        ConfigError: a malformed flag or a non-loopback host (the CLI prints it, exit 2).
    """
    from bitrix24_scrum_mcp.sandbox import FaultConfig, serve

    faults = FaultConfig()
    if args.rate_limit:
        faults.rate_limit_drain_per_s, faults.rate_limit_threshold = parse_rate_limit(
            args.rate_limit
        )
    if args.latency_ms < 0:
        raise ConfigError("--latency-ms must not be negative")
    faults.latency_s = args.latency_ms / 1000
    try:
        serve(host=args.host, port=args.port, db_path=args.sandbox_db, faults=faults)
    except ValueError as exc:  # sandbox.serve refuses non-loopback hosts
        raise ConfigError(str(exc)) from None
    return 0
