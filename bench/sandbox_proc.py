"""Run the sandbox portal on loopback HTTP in its own process, for the benchmarks.

    python bench/sandbox_proc.py PORT [--rate DRAIN/THRESHOLD]

Prints the webhook URL on stdout once configured (uvicorn then starts listening).
"""

from __future__ import annotations

import argparse
import logging


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--rate", default=None, help="leaky bucket DRAIN/THRESHOLD, e.g. 2/50")
    args = parser.parse_args()

    from bitrix24_scrum_mcp.sandbox import FaultConfig, serve

    faults = FaultConfig()
    if args.rate:
        drain, _, threshold = args.rate.partition("/")
        faults.rate_limit_drain_per_s = float(drain)
        faults.rate_limit_threshold = int(threshold or 50)
    logging.disable(logging.INFO)  # no per-request chatter on stderr
    serve("127.0.0.1", args.port, None, faults)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
