"""Snapshot of `tools/list` as a client receives it: every schema change shows in review.

One JSON file per tool in tests/snapshots/tools/. `UPDATE_SNAPSHOTS=1 pytest` rewrites
them; a missing file is written locally but fails under CI, which must not invent one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import mcp_session
from tests.standin import StandIn

pytestmark = pytest.mark.anyio

SNAPSHOTS = Path(__file__).parent / "snapshots" / "tools"


async def _listing(standin: StandIn) -> dict[str, dict[str, Any]]:
    async with mcp_session(standin.webhook_url) as (session, _):
        tools = (await session.list_tools()).tools
    return {t.name: t.model_dump(by_alias=True, mode="json", exclude_none=True) for t in tools}


async def test_tools_list_matches_the_snapshots(standin: StandIn) -> None:
    listing = await _listing(standin)
    update = os.environ.get("UPDATE_SNAPSHOTS") == "1"
    missing: list[str] = []
    changed: list[str] = []
    for name, tool in listing.items():
        path = SNAPSHOTS / f"{name}.json"
        if update or not path.exists():
            if not path.exists():
                missing.append(name)
            path.write_text(json.dumps(tool, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
            continue
        if json.loads(path.read_text()) != tool:
            changed.append(name)
    stale = sorted(p.stem for p in SNAPSHOTS.glob("*.json") if p.stem not in listing)
    if update:
        for name in stale:
            (SNAPSHOTS / f"{name}.json").unlink()
        return
    assert not changed, (
        f"tools/list changed for {changed}; rerun with UPDATE_SNAPSHOTS=1 and review"
    )
    assert not stale, f"snapshots of removed tools: {stale}"
    assert not (missing and os.environ.get("CI")), f"snapshots missing in CI: {missing}"


async def test_tools_list_order_is_stable(standin: StandIn) -> None:
    first = list(await _listing(standin))
    assert first == list(await _listing(standin))
