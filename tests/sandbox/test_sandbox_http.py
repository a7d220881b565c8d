"""The sandbox over real loopback HTTP with uvicorn, as the CLI's `sandbox` command runs it.

The listening socket is bound before the server task starts, so requests simply queue in
the kernel's backlog until uvicorn accepts them: no waiting loop is needed.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import anyio
import httpx2
import pytest
import uvicorn

from bitrix24_scrum_mcp.sandbox import (
    DEMO_USER_ID,
    DEMO_WEBHOOK_CODE,
    FaultConfig,
    Portal,
    create_app,
    serve,
)
from bitrix24_scrum_mcp.sandbox.seed import DEMO_SPRINT_ID

pytestmark = pytest.mark.anyio


@pytest.fixture
async def live(faults: FaultConfig) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    app = create_app(Portal(), faults=faults)
    config = uvicorn.Config(app, log_level="critical", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(server.serve, [sock])
            try:
                yield f"http://127.0.0.1:{port}/rest/{DEMO_USER_ID}/{DEMO_WEBHOOK_CODE}"
            finally:
                server.should_exit = True
    sock.close()


async def test_real_http_round_trip(live: str) -> None:
    async with httpx2.AsyncClient(timeout=5) as client:
        response = await client.post(
            f"{live}/tasks.api.scrum.sprint.get.json", json={"id": DEMO_SPRINT_ID}
        )
        assert response.status_code == 200
        assert response.json()["result"]["status"] == "planned"


async def test_drop_after_write_breaks_the_response_on_the_wire(
    live: str, faults: FaultConfig
) -> None:
    faults.fail_next, faults.fail_kind = 1, "drop_after_write"
    async with httpx2.AsyncClient(timeout=5) as client:
        with pytest.raises(httpx2.TransportError):
            await client.post(
                f"{live}/tasks.api.scrum.sprint.update",
                json={"id": DEMO_SPRINT_ID, "fields": {"name": "Applied"}},
            )
        after = await client.post(f"{live}/tasks.api.scrum.sprint.get", json={"id": DEMO_SPRINT_ID})
        assert after.json()["result"]["name"] == "Applied"


def test_serve_refuses_a_non_loopback_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve(host="0.0.0.0", port=1)
