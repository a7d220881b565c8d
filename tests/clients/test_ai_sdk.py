"""Vercel AI SDK: `@ai-sdk/mcp` tools driven by `generateText` with a scripted model.

The AI SDK closes the root of every schema (`additionalProperties: false`) and passes the
rest through to the provider. The model is shown the text content only, and an isError
result arrives as ordinary content: the text must say it failed and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.conftest import Matrix
from tests.clients.support import (
    DRIVERS,
    TOOLS,
    Seen,
    check_all,
    driver_payload,
    node_package,
    node_script,
    run_driver,
)
from tests.ecosystem.support import Served

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_ai_sdk_tools_run_in_generate_text(
    transport: str, http_server: Served, matrix: Matrix, tmp_path: Path
) -> None:
    node_package("@ai-sdk/mcp")
    node_package("ai")
    client = f"ai sdk {transport}"
    payload = driver_payload(client, transport, http_server.mcp_url)
    report = run_driver(node_script(DRIVERS / "aisdk_client.mjs", tmp_path), payload)
    assert report["listed"] == TOOLS
    assert report["offered"] == report["closed"] == len(TOOLS)
    assert report["final"] == "Done."
    assert {entry["output_type"] for entry in report["calls"].values()} == {"content"}
    seen = {label: Seen(None, entry["text"]) for label, entry in report["calls"].items()}
    matrix.record("Vercel AI SDK (@ai-sdk/mcp 2, ai 7)", transport,
                  listed=len(report["listed"]),
                  converted=f"{report['offered']} (root closed, rest passed through)",
                  calls=check_all(client, seen))  # fmt: skip
