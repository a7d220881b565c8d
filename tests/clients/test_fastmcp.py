"""fastmcp's Client, 4.x (mcp 2.x, the dev venv) and 3.x (mcp 1.x, its own venv).

The same driver program runs under both; fastmcp has no schema conversion of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.clients.conftest import Matrix
from tests.clients.support import (
    DRIVERS,
    TOOLS,
    check_all,
    driver_payload,
    run_driver,
    seen_in,
    venv_python,
)
from tests.ecosystem.support import Served

pytestmark = pytest.mark.slow


def _python(version: str) -> Path:
    return Path(sys.executable) if version == "4" else venv_python("fastmcp3")


@pytest.mark.parametrize("version", ["4", "3"])
@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_fastmcp_client_lists_and_calls(
    version: str, transport: str, http_server: Served, matrix: Matrix
) -> None:
    python = _python(version)
    client = f"fastmcp {version} {transport}"
    payload = driver_payload(client, transport, http_server.mcp_url)
    report = run_driver([str(python), str(DRIVERS / "fastmcp_client.py")], payload)
    assert report["version"].startswith(f"{version}.")
    assert report["listed"] == TOOLS
    assert report["raised"] == "sprint_get failed: Sprint not found (error 0, HTTP 400)"
    seen = seen_in(report)
    matrix.record(f"fastmcp Client {report['version']}", transport,
                  listed=len(report["listed"]), calls=check_all(client, seen))  # fmt: skip
