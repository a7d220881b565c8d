"""`bitrix24-scrum-mcp sandbox`: serve the emulated portal over loopback HTTP.

Prints the demo webhook URL to stdout (so `export BITRIX24_WEBHOOK_URL=$(...)`-style
scripts can read it) and serves until interrupted. Faults are opt-in: `--rate-limit 2/50`
turns on the portal's leaky bucket, `--latency-ms` delays every answer.
"""

from __future__ import annotations

import argparse
import math

from bitrix24_scrum_mcp.env import ConfigError, parse_rate_limit


def run_sandbox(args: argparse.Namespace) -> int:
    """Serve `sandbox.serve(...)` with the faults the flags ask for; 0 when stopped cleanly.

    Raises:
        ConfigError: a malformed flag or a non-loopback host (the CLI prints it, exit 2).
    """
    from bitrix24_scrum_mcp.sandbox import FaultConfig, serve

    faults = FaultConfig()
    if args.rate_limit:
        rate, burst = parse_rate_limit(args.rate_limit, "--rate-limit")
        if rate <= 0 or burst <= 0:
            raise ConfigError("--rate-limit values must be positive, e.g. 2/50")
        faults.rate_limit_drain_per_s, faults.rate_limit_threshold = rate, burst
    if not 0 <= args.latency_ms < math.inf:
        raise ConfigError("--latency-ms must be a number >= 0")
    faults.latency_s = args.latency_ms / 1000
    try:
        serve(host=args.host, port=args.port, db_path=args.sandbox_db, faults=faults)
    except ValueError as exc:  # sandbox.serve refuses non-loopback hosts
        raise ConfigError(str(exc)) from None
    return 0
