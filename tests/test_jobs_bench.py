"""The jobs benchmark (bench/jobs.py) meets its goals: every job in at most two workbench
calls, with at most half the result tokens and no more REST requests than the one-to-one
path, and the same answer both ways. It exits non-zero when a goal is missed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_job_meets_its_goals_with_the_same_answer() -> None:
    done = subprocess.run(
        [sys.executable, "bench/jobs.py", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert len(result["jobs"]) == 6
    for job in result["jobs"]:
        assert job["same"] and all(job["goals"].values()), job
