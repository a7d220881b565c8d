"""The report both Python client scripts print: each check, whether it passed, what it got.

Imported by b24pysdk_client.py and fast_bitrix24_client.py (run from this folder, in the
.ci/compat venv), so a failing library call is a finding in the report, not a crash.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from typing import Any

CHECKS: list[dict[str, Any]] = []


def check(name: str, run: Callable[[], Any], expect: Callable[[Any], bool]) -> None:
    """Run one library call and record whether its answer is the expected one."""
    try:
        value = run()
        CHECKS.append({"check": name, "ok": bool(expect(value)), "got": repr(value)[:300]})
    except Exception as exc:
        got = "".join(traceback.format_exception_only(exc))[:300]
        CHECKS.append({"check": name, "ok": False, "got": got})


def raised(run: Callable[[], Any]) -> BaseException | None:
    """The exception `run` raises, or None."""
    try:
        run()
    except Exception as exc:
        return exc
    return None


def emit(library: str) -> None:
    """Print the report as the one last line of stdout."""
    print(json.dumps({"library": library, "calls": len(CHECKS), "checks": CHECKS}))
