from pathlib import Path

import pytest

from tests.team.support import Browser, Person, sandbox_portal, sign_in_server

pytestmark = pytest.mark.anyio


async def test_smoke(tmp_path: Path) -> None:
    with sandbox_portal() as (portal, origin), sign_in_server(tmp_path, portal, origin) as server:
        p = Person(server.mcp_url, Browser(2))
        try:
            r = await p.call("user_current")
            print(r)
        finally:
            await p.aclose()
