"""Two stateless HTTP replicas sharing one sandbox file, two clients writing at once.

This is the load-balancer set-up in miniature: any request may land on any replica, so
what one replica wrote must be visible through the other at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from bitrix24_scrum_mcp.json_types import is_object
from tests.ecosystem.support import clean_env, http_replica, wait_healthy

pytestmark = pytest.mark.anyio

GROUP_ID = 11  # the sandbox's demo Scrum
PER_CLIENT = 4


async def _add_epics(url: str, prefix: str, ids: dict[str, int]) -> None:
    async with Client(url, raise_exceptions=True) as client:
        for n in range(PER_CLIENT):
            name = f"{prefix} epic {n}"
            result = await client.call_tool(
                "epic_add", {"fields": {"groupId": GROUP_ID, "name": name}}
            )
            assert not result.is_error, result.content
            assert is_object(result.structured_content)
            ids[name] = int(result.structured_content["id"])


async def _epic_names(url: str) -> set[str]:
    async with Client(url, raise_exceptions=True) as client:
        result = await client.call_tool(
            "epic_list", {"filter": {"GROUP_ID": GROUP_ID}, "select": ["ID", "NAME"]}
        )
    assert not result.is_error, result.content
    assert is_object(result.structured_content)
    items: list[dict[str, Any]] = result.structured_content["items"]
    return {str(item.get("NAME", item.get("name"))) for item in items}


async def test_two_replicas_share_one_sandbox_file(tmp_path: Path) -> None:
    db = str(tmp_path / "portal.sqlite")
    args = ["--sandbox", "--sandbox-db", db, "--toolsets", "all"]
    env = clean_env()
    with http_replica(args, env) as (a, proc_a), http_replica(args, env) as (b, proc_b):
        await wait_healthy(a.base, proc_a)
        await wait_healthy(b.base, proc_b)
        ids: dict[str, int] = {}
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(_add_epics, a.mcp_url, "A", ids)
                tg.start_soon(_add_epics, b.mcp_url, "B", ids)
            assert len(set(ids.values())) == 2 * PER_CLIENT  # no id handed out twice

            seen_a, seen_b = await _epic_names(a.mcp_url), await _epic_names(b.mcp_url)
            assert set(ids) <= seen_a
            assert seen_a == seen_b

            async with Client(b.mcp_url, raise_exceptions=True) as client:
                got = await client.call_tool("epic_get", {"id": ids["A epic 0"]})
            assert is_object(got.structured_content)
            assert got.structured_content["name"] == "A epic 0"
