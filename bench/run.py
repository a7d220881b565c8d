"""Run every benchmark, write results JSON and the RESULTS.md made from it.

    python bench/run.py              # full: bench/results.json + bench/RESULTS.md (~6 min)
    python bench/run.py --quick      # CI: few iterations (~2 min), to .bench-cache/
    python bench/run.py --only tokens,coldstart   # refresh these sections of results.json
    python bench/run.py --only tokens --candidate ../before   # with another checkout beside

Nothing here asserts a timing: a run fails only when a benchmark cannot run at all.
"""

from __future__ import annotations

import argparse
import inspect
import json
import time
import traceback
from pathlib import Path
from typing import Any

import coldstart
import jobs
import load
import overhead
import rate_limit
import replicas
import report
import throughput
import tokens
from common import BENCH, ROOT, log, machine

BENCHMARKS = {
    "tokens": tokens.run,
    "coldstart": coldstart.run,
    "overhead": overhead.run,
    "throughput": throughput.run,
    "ratelimit": rate_limit.run,
    "load": load.run,
    "replicas": replicas.run,
    "jobs": jobs.run,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (CI)")
    parser.add_argument("--only", default="", help=f"comma list of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--out", type=Path, default=None, help="directory for the results")
    parser.add_argument(
        "--candidate",
        type=Path,
        default=None,
        help="another checkout to measure side by side (benchmarks that take one)",
    )
    args = parser.parse_args()

    wanted = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = set(wanted) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    out_dir = args.out or (ROOT / ".bench-cache" if args.quick else BENCH)
    out_dir.mkdir(parents=True, exist_ok=True)

    command = "python bench/run.py" + (" --quick" if args.quick else "")
    if args.only:
        command += f" --only {args.only}"
    if args.candidate:
        command += f" --candidate {args.candidate}"
    json_path = out_dir / ("results-quick.json" if args.quick else "results.json")
    results: dict[str, Any] = {}
    if args.only and json_path.exists():  # refresh some sections, keep the others
        results = json.loads(json_path.read_text())
        command = results.get("command", command) + f"; then {command}"
    results.update(
        {"machine": machine(), "mode": "quick" if args.quick else "full", "command": command}
    )
    failed: list[str] = []
    began = time.perf_counter()
    for name in wanted:
        log(f"== {name}")
        started = time.perf_counter()
        try:
            bench = BENCHMARKS[name]
            side = {"candidate": args.candidate} if args.candidate else {}
            if "candidate" not in inspect.signature(bench).parameters:
                side = {}
            results[name] = bench(quick=args.quick, **side)
        except Exception:  # report and go on: one broken benchmark must not hide the rest
            failed.append(name)
            results[name] = {"error": traceback.format_exc(limit=5)}
            log(results[name]["error"])
        log(f"   {name}: {time.perf_counter() - started:.1f}s")
    results["seconds"] = round(time.perf_counter() - began + float(results.get("seconds", 0)), 1)
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    md_path = out_dir / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    md_path.write_text(report.render(results))
    log(f"wrote {json_path} and {md_path} in {results['seconds']}s")
    if failed:
        log(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
