"""File-backed portals: state survives a restart and two portals can share one file."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from sbx_support import result

from bitrix24_scrum_mcp.sandbox import Portal, create_app
from bitrix24_scrum_mcp.sandbox.seed import DEMO_SCRUM_GROUP_ID

pytestmark = pytest.mark.anyio
EPIC_LIST = "tasks.api.scrum.epic.list"


def _client(portal: Portal) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=create_app(portal))
    return httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1")


async def test_state_survives_a_restart_and_is_shared(tmp_path: Path) -> None:
    path = str(tmp_path / "portal.sqlite")
    first = Portal(path)
    async with _client(first) as client:
        epic = await result(
            client,
            "tasks.api.scrum.epic.add",
            {"fields": {"name": "Loyalty points", "groupId": DEMO_SCRUM_GROUP_ID}},
        )
    second = Portal(path)  # opened while the first is still open: shared WAL file
    async with _client(second) as client:
        names = [e["name"] for e in await result(client, EPIC_LIST, {"filter": {"GROUP_ID": 11}})]
        assert names.count("Loyalty points") == 1 and len(names) == 4  # seeded once, not twice
        await result(client, "tasks.api.scrum.epic.delete", {"id": epic["id"]})
    first.close()
    second.close()
    third = Portal(path)
    async with _client(third) as client:
        assert len(await result(client, EPIC_LIST, {"filter": {"GROUP_ID": 11}})) == 3
    third.close()


async def test_unseeded_portal_has_only_user_one() -> None:
    portal = Portal(seed=False)
    async with _client(portal) as client:
        assert (await result(client, "user.current"))["ID"] == "1"
        groups = await result(client, "socialnetwork.api.workgroup.list")
        assert groups == {"workgroups": []}
        group = portal.add_group("Fresh Scrum", scrum_master_id=1)
        backlog = await result(client, "tasks.api.scrum.backlog.get", {"id": group})
        assert backlog["groupId"] == group
