"""Regenerate every file derived from the spec table, after a row was added or changed.

    python scripts/regenerate.py

Rewrites the README tool table, `manifest.json` and the tools/list snapshots
(`tests/snapshots/tools/`). Review the diff: the tests compare all three with the table, so
a change shows up in review rather than slipping through.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = (
    ["scripts/readme_tools.py"],
    ["scripts/gen_manifest.py"],
    ["-m", "pytest", "-q", "tests/test_tools_snapshot.py"],  # UPDATE_SNAPSHOTS=1 rewrites
)


def main() -> int:
    env = {**os.environ, "UPDATE_SNAPSHOTS": "1"}
    for step in STEPS:
        done = subprocess.run([sys.executable, *step], cwd=ROOT, env=env, check=False)
        if done.returncode:
            return done.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
