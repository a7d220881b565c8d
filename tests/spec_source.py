"""The documentation as data: `docs/spec/methods.json`, loaded once for the tests.

The file is ours (see docs/spec/README.md for where it came from and how to refresh it), so
a missing or unreadable copy is a test failure, never a skip.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).resolve().parents[1] / "docs" / "spec"
METHODS_JSON = SPEC_DIR / "methods.json"


@cache
def methods() -> dict[str, dict[str, Any]]:
    """Every documented method by name, e.g. `methods()["tasks.api.scrum.sprint.add"]`."""
    data: list[dict[str, Any]] = json.loads(METHODS_JSON.read_text(encoding="utf-8"))
    return {m["method"]: m for m in data}
