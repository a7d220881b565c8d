"""Cold start: spawn -> initialize -> tools/list over stdio, ours against a minimal MCPServer.

    python bench/coldstart.py [--runs N]

Runs alternate between the servers (ABBA order) so drift on a noisy machine hits both
alike; the figure is the ratio of the medians measured in this one run. Also reported:
the bare interpreter (`python -c pass`) as the floor, and an `-X importtime` profile of
the serve path grouped by top-level package.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from common import (
    DUMMY_WEBHOOK,
    PYTHON,
    ROOT,
    baseline_server,
    candidate_server,
    dump,
    log,
    our_server,
    server_env,
    spawn,
    summary_ms,
)

GOAL_RATIO = 1.3


Candidate = tuple[list[str], dict[str, str], Path]


def _candidates(candidate: Path | None = None) -> dict[str, Candidate]:
    # "ours" as a person starts it: the default profile
    as_started = server_env(every_tool=False, BITRIX24_WEBHOOK_URL=DUMMY_WEBHOOK)
    out = {
        "ours": (our_server(), as_started, ROOT),
        "baseline": (baseline_server(), server_env(), ROOT),
        "ours --sandbox": (our_server("--sandbox"), server_env(every_tool=False), ROOT),
        "ours --toolsets all": (our_server(), server_env(BITRIX24_WEBHOOK_URL=DUMMY_WEBHOOK), ROOT),
    }
    if candidate is not None:
        env = server_env(every_tool=False, BITRIX24_WEBHOOK_URL=DUMMY_WEBHOOK)
        out["candidate"] = (candidate_server(candidate), env, candidate)
    return out


async def _one_start(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    """Seconds from spawn to the tools/list answer; and the number of tools listed."""
    began = time.perf_counter()
    peer = await spawn(args, env, cwd=cwd)
    try:
        await peer.initialize()
        listing = await peer.request("tools/list")
        elapsed = time.perf_counter() - began
    finally:
        await peer.close()
    return elapsed, len(listing["tools"])


def _bare_interpreter() -> float:
    began = time.perf_counter()
    subprocess.run([PYTHON, "-c", "pass"], check=True)
    return time.perf_counter() - began


async def _measure(runs: int, names: list[str], candidate: Path | None) -> dict[str, Any]:
    candidates = _candidates(candidate)
    samples: dict[str, list[float]] = {name: [] for name in names}
    samples["python -c pass"] = []
    tools: dict[str, int] = {}
    for name in names:  # one warm-up each: page cache, .pyc files
        await _one_start(*candidates[name])
    for i in range(runs):
        order = names if i % 2 == 0 else list(reversed(names))
        for name in order:
            seconds, count = await _one_start(*candidates[name])
            samples[name].append(seconds)
            tools[name] = count
        samples["python -c pass"].append(_bare_interpreter())
    stats = {name: summary_ms(values) for name, values in samples.items()}
    for name in names:
        stats[name]["tools"] = tools[name]
    ratio = stats["ours"]["p50"] / stats["baseline"]["p50"]
    out: dict[str, Any] = {
        "runs": runs,
        "ms": stats,
        "ratio_p50": round(ratio, 3),
        "goal_ratio": GOAL_RATIO,
        "met": ratio <= GOAL_RATIO,
    }
    for name, key in (
        ("ours --sandbox", "ratio_p50_sandbox"),
        ("ours --toolsets all", "ratio_p50_all_tools"),
        ("candidate", "ratio_p50_candidate"),
    ):
        if name in stats:
            out[key] = round(stats[name]["p50"] / stats["baseline"]["p50"], 3)
    if candidate is not None:
        out["candidate"] = str(candidate)
    return out


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_profile(
    args: list[str], env: dict[str, str], cwd: Path = ROOT, top: int = 12
) -> dict[str, Any]:
    """`-X importtime` of a start-up (stdin at EOF, so it exits after start), by package."""
    proc = subprocess.run(
        [args[0], "-X", "importtime", *args[1:]],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=str(cwd),
        timeout=60,
        check=False,
    )
    by_package: dict[str, int] = {}
    total = 0
    modules = 0
    for line in proc.stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        self_us = int(match[1])
        package = match[4].split(".")[0]
        by_package[package] = by_package.get(package, 0) + self_us
        total += self_us
        modules += 1
    ranked = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)
    return {
        "modules": modules,
        "total_ms": round(total / 1000, 1),
        "by_package_ms": {k: round(v / 1000, 1) for k, v in ranked[:top]},
    }


def run(
    quick: bool = False, runs: int | None = None, candidate: Path | None = None
) -> dict[str, Any]:
    runs = runs or (5 if quick else 21)
    names = (
        ["ours", "baseline"]
        if quick
        else ["ours", "baseline", "ours --sandbox", "ours --toolsets all"]
    )
    if candidate is not None:
        names.append("candidate")
    log(f"coldstart: {runs} runs each of {', '.join(names)}")
    result = asyncio.run(_measure(runs, names, candidate))
    candidates = _candidates()
    result["imports"] = {
        "ours": import_profile(*candidates["ours"]),
        "baseline": import_profile(*candidates["baseline"]),
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--candidate", type=Path, help="another checkout of the repo to measure side by side"
    )
    args = parser.parse_args()
    print(dump(run(args.quick, args.runs, args.candidate)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
