"""BITRIX24_CONFIRM through the real launch path: the console entry point over stdio.

The client declines every question; the stand-in portal records what reached it.
"""

from __future__ import annotations

import sys

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.context import ClientRequestContext
from mcp.types import ElicitRequestParams, ElicitResult, ErrorData

from tests.standin import StandIn
from tests.test_stdio_and_cli import ROOT, _clean_env  # pyright: ignore[reportPrivateUsage]

pytestmark = pytest.mark.anyio


async def _declines(
    context: ClientRequestContext, params: ElicitRequestParams
) -> ElicitResult | ErrorData:
    del context, params
    return ElicitResult(action="decline")


@pytest.mark.parametrize(
    ("confirm", "deleted"),
    [pytest.param(None, False, id="default-asks"), pytest.param("never", True, id="never")],
)
async def test_confirm_setting_reaches_the_stdio_server(
    standin: StandIn, confirm: str | None, deleted: bool
) -> None:
    env = {"BITRIX24_WEBHOOK_URL": standin.webhook_url}
    if confirm is not None:
        env["BITRIX24_CONFIRM"] = confirm
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "bitrix24_scrum_mcp", "serve", "--toolsets", "all"],
        env=_clean_env(**env),
        cwd=str(ROOT),
    )
    with anyio.fail_after(30):
        async with Client(params, elicitation_callback=_declines) as session:
            result = await session.call_tool("epic_delete", {"id": 5})
    methods = [r.method for r in standin.requests]
    assert ("tasks.api.scrum.epic.delete" in methods) is deleted
    if not deleted:
        assert result.structured_content is not None
        assert result.structured_content["error"] == "CANCELLED_BY_USER"
