"""The official MCP conformance suite against `serve --sandbox --transport http`.

docs/clients/conformance.md is the expected result: its "not applicable" rows become the
suite's baseline of expected failures, and every scenario the suite runs must be in the
table with the result it really had. `--suite all` includes the pending scenarios.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.clients.support import node_package, require
from tests.ecosystem.support import NODE_BIN, ROOT, Served, node_env

pytestmark = pytest.mark.slow

TABLE = ROOT / "docs" / "clients" / "conformance.md"
ROW = re.compile(r"^\| ([a-z0-9-]+) \| (pass|not applicable) \|", re.MULTILINE)


def _table() -> dict[str, str]:
    return dict(ROW.findall(TABLE.read_text()))


def _results(out: Path) -> dict[str, list[str]]:
    """scenario -> the status of each of its checks, from the suite's checks.json files."""
    results: dict[str, list[str]] = {}
    for checks in out.glob("server-*/checks.json"):
        scenario = re.sub(r"^server-|-\d{4}-\d\d-\d\dT[\d-]+Z$", "", checks.parent.name)
        results[scenario] = [c["status"] for c in json.loads(checks.read_text())]
    return results


def test_conformance_suite_matches_the_documented_table(
    http_server: Served, tmp_path: Path
) -> None:
    node_package("@modelcontextprotocol/conformance")
    table = _table()
    require(bool(table), f"no scenario rows in {TABLE}")
    baseline = tmp_path / "baseline.yml"
    baseline.write_text(
        "server:\n" + "".join(f"  - {s}\n" for s, r in table.items() if r != "pass")
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [str(NODE_BIN / "conformance"), "server", "--url", http_server.mcp_url, "--suite", "all",
         "--expected-failures", str(baseline), "-o", str(out)],
        env=node_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    results = _results(out)
    assert set(results) == set(table), "scenarios added or removed: update " + TABLE.name
    passed = {s for s, statuses in results.items() if statuses and set(statuses) == {"SUCCESS"}}
    assert passed == {s for s, r in table.items() if r == "pass"}, done.stdout[-3000:]
    assert done.returncode == 0, done.stdout[-3000:]
