"""langchain-mcp-adapters 0.3 (its own venv: mcp<2), and langchain's OpenAI conversion.

`convert_to_openai_tool(tool, strict=True)` (what `bind_tools(..., strict=True)` uses)
closes every object: an open map would become `{}`, so the declared filter/order keys
are what keeps list tools usable in strict mode. The model is shown the text content only.
"""

from __future__ import annotations

from typing import Any

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


def _object(schema: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in schema.get("anyOf", [schema]) if b.get("type") == "object")


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_langchain_adapters_list_convert_strict_and_call(
    transport: str, http_server: Served, matrix: Matrix
) -> None:
    python = venv_python("langchain")
    client = f"langchain {transport}"
    payload = driver_payload(client, transport, http_server.mcp_url)
    report = run_driver([str(python), str(DRIVERS / "langchain_client.py")], payload)
    assert report["listed"] == TOOLS
    assert report["converted"] == len(TOOLS)
    # strict mode keeps meaning: the filter keeps its declared keys, fields stay optional
    sprint_filter = _object(report["strict"]["sprint_list"]["properties"]["filter"])
    assert {"GROUP_ID", "STATUS"} <= set(sprint_filter["properties"])
    fields = report["strict"]["sprint_update"]["properties"]["fields"]
    assert fields["properties"]["dateStart"]["type"] == ["string", "null"]
    seen = seen_in(report)
    matrix.record("langchain-mcp-adapters 0.3", transport, listed=len(report["listed"]),
                  converted=f"{report['converted']} (OpenAI, strict and not)",
                  calls=check_all(client, seen))  # fmt: skip
