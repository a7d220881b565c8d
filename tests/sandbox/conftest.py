"""Fixtures for the sandbox tests: a fresh demo portal per test, its app and an HTTP client.

Every test talks to the emulator over HTTP (httpx2 through the ASGI transport, or real
loopback HTTP in test_sandbox_http.py), never by calling handlers directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest
from sbx_support import MEMBER_CODE, NO_TASK_SCOPE_CODE, OUTSIDER_CODE

from bitrix24_scrum_mcp.sandbox import DEMO_USER_ID, FaultConfig, Portal, create_app
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID, DEMO_OUTSIDER_USER_ID


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def faults() -> FaultConfig:
    return FaultConfig()


@pytest.fixture
def portal() -> Portal:
    portal = Portal(seed=True)
    portal.add_webhook(DEMO_OUTSIDER_USER_ID, OUTSIDER_CODE)
    portal.add_webhook(DEMO_DEVELOPER_ID, MEMBER_CODE)
    portal.add_webhook(DEMO_USER_ID, NO_TASK_SCOPE_CODE, ("user", "basic"))
    return portal


@pytest.fixture
async def client(portal: Portal, faults: FaultConfig) -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(portal, faults=faults)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client
