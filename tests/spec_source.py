"""The documentation as data: ../shared/b24-scrum/methods.json, loaded once for tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared"
METHODS_JSON = SHARED / "b24-scrum" / "methods.json"
SEEDS = SHARED / "seeds"


@cache
def methods() -> dict[str, dict[str, Any]]:
    data = json.loads(METHODS_JSON.read_text())
    return {m["method"]: m for m in data}
