"""The MCP TypeScript SDK clients, v1 (`@modelcontextprotocol/sdk`) and v2
(`@modelcontextprotocol/client`), with node 22 from .ci/node."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.conftest import Matrix
from tests.clients.support import (
    DRIVERS,
    TOOLS,
    check_all,
    driver_payload,
    node_package,
    node_script,
    run_driver,
    seen_in,
)
from tests.ecosystem.support import Served

pytestmark = pytest.mark.slow

PACKAGES = {"v1": "@modelcontextprotocol/sdk", "v2": "@modelcontextprotocol/client"}


@pytest.mark.parametrize("sdk", ["v1", "v2"])
@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_typescript_sdk_client_lists_and_calls(
    sdk: str, transport: str, http_server: Served, matrix: Matrix, tmp_path: Path
) -> None:
    node_package(PACKAGES[sdk])
    client = f"ts sdk {sdk} {transport}"
    payload = {"sdk": sdk, **driver_payload(client, transport, http_server.mcp_url)}
    report = run_driver(node_script(DRIVERS / "tssdk_client.mjs", tmp_path), payload)
    assert report["listed"] == TOOLS
    seen = seen_in(report)
    matrix.record(f"MCP TypeScript SDK {sdk} ({PACKAGES[sdk]})", transport,
                  listed=len(report["listed"]), calls=check_all(client, seen))  # fmt: skip
