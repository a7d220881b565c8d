"""The audit log: one record per write, in place before the answer returns, with ids and
outcomes but no secret and no free text; rotated by size without losing or splitting a line,
even with several processes writing; or the Redis stream that replicas share."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from redis.asyncio import Redis

from bitrix24_scrum_mcp.sandbox import DEMO_PERSON_WEBHOOK_CODES, DEMO_SCRUM_GROUP_ID
from bitrix24_scrum_mcp.sandbox.seed import DEMO_DEVELOPER_ID, DEMO_SPRINT_ID
from bitrix24_scrum_mcp.team.audit import STREAM
from tests.team.redis_support import redis_server
from tests.team.support import sandbox_portal, tokens_server, tokens_toml, write_private

pytestmark = pytest.mark.anyio
TOKEN = secrets.token_urlsafe(32)
SECRET_NAME = "Quarterly plan for the confidential merger"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def _work(url: str, request_id: str) -> list[Any]:
    """Writes, a read, a failing write and a batch; returns the answers."""
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Request-Id": request_id}
    answers: list[Any] = []
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        added = await client.call_tool(
            "epic_add", {"fields": {"groupId": DEMO_SCRUM_GROUP_ID, "name": SECRET_NAME}}
        )
        answers.append(added)
        answers.append(await client.call_tool("sprint_get", {"id": DEMO_SPRINT_ID}))  # a read
        answers.append(await client.call_tool("epic_delete", {"id": 999999}))  # refused
        calls = [
            {
                "tool": "epic_update",
                "arguments": {
                    "id": added.structured_content["id"],
                    "fields": {
                        "groupId": DEMO_SCRUM_GROUP_ID,
                        "name": "renamed",
                        "description": SECRET_NAME,
                    },
                },
            },
            {"tool": "epic_get", "arguments": {"id": added.structured_content["id"]}},
            {
                "tool": "task_update",
                "arguments": {"id": 104, "fields": {"entityId": DEMO_SPRINT_ID}},
            },
        ]
        answers.append(await client.call_tool("scrum_batch", {"calls": calls}))
    return answers


async def test_every_write_leaves_one_record_before_its_answer_returns(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with sandbox_portal() as (_portal, origin):
        webhook = (
            f"{origin}/rest/{DEMO_DEVELOPER_ID}/{DEMO_PERSON_WEBHOOK_CODES[DEMO_DEVELOPER_ID]}/"
        )
        people = tmp_path / "people.toml"
        write_private(people, tokens_toml({"dmitry": (TOKEN, webhook)}))
        with tokens_server(people, BITRIX24_AUDIT_LOG=str(log)) as url:
            added, _read, refused, batch = await _work(url, "lb-42")
            records = _lines(log)  # read right after the last answer: nothing is pending
    epic_id = added.structured_content["id"]
    assert refused.is_error and not batch.is_error
    assert [(r["tool"], r["outcome"]) for r in records] == [
        ("epic_add", "ok"),
        ("epic_delete", "failed"),
        ("epic_update", "ok"),
        ("task_update", "ok"),
    ]
    assert records[0]["ids"] == {"groupId": DEMO_SCRUM_GROUP_ID, "id": epic_id}
    assert records[1]["ids"] == {"id": 999999} and str(records[1]["error"]) == "0"
    assert records[3]["ids"] == {"id": 104, "entityId": DEMO_SPRINT_ID}
    for record in records:
        assert record["person"] == "dmitry" and record["user_id"] == DEMO_DEVELOPER_ID
        assert record["portal"] == origin and record["request_id"] == "lb-42"
        assert record["time"].endswith("Z")
    text = log.read_text()
    assert SECRET_NAME not in text and TOKEN not in text
    assert DEMO_PERSON_WEBHOOK_CODES[DEMO_DEVELOPER_ID] not in text


def test_several_processes_rotating_one_log_lose_and_split_no_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    writer = (
        "import anyio, sys\n"
        "from pathlib import Path\n"
        "from bitrix24_scrum_mcp.team.audit import JsonlAudit\n"
        "async def main():\n"
        "    audit = JsonlAudit(Path(sys.argv[1]), max_bytes=4000, backups=50)\n"
        "    for n in range(300):\n"
        "        await audit.write({'writer': sys.argv[2], 'n': n, 'pad': 'x' * 40})\n"
        "    await audit.aclose()\n"
        "anyio.run(main)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", writer, str(log), name]) for name in ("a", "b", "c")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    files = [log, *sorted(tmp_path.glob("audit.jsonl.*[0-9]"))]
    seen: list[tuple[str, int]] = []
    for path in files:
        assert path.stat().st_size <= 4000
        seen += [(r["writer"], r["n"]) for r in _lines(path)]  # every line whole JSON
    assert sorted(seen) == sorted((w, n) for w in "abc" for n in range(300))
    assert len(files) > 10  # it did rotate, many times


async def test_replicas_on_redis_write_the_audit_to_the_shared_stream(tmp_path: Path) -> None:
    with (
        redis_server(tmp_path) as redis,
        sandbox_portal() as (_portal, origin),
    ):
        webhook = (
            f"{origin}/rest/{DEMO_DEVELOPER_ID}/{DEMO_PERSON_WEBHOOK_CODES[DEMO_DEVELOPER_ID]}/"
        )
        people = tmp_path / "people.toml"
        write_private(people, tokens_toml({"dmitry": (TOKEN, webhook)}))
        with tokens_server(people, BITRIX24_STATE_URL=redis.url) as url:
            await _work(url, "r-1")
        client = Redis.from_url(redis.url, decode_responses=True)  # pyright: ignore[reportUnknownMemberType]  (redis-py: untyped **kwargs)
        try:
            entries: list[tuple[str, dict[str, str]]] = await client.xrange(STREAM)  # pyright: ignore[reportAssignmentType]  (redis-py types a reply as bytes | str | None)
        finally:
            await client.aclose()
    records = [fields for _id, fields in entries]
    assert [(r["tool"], r["outcome"]) for r in records] == [
        ("epic_add", "ok"),
        ("epic_delete", "failed"),
        ("epic_update", "ok"),
        ("task_update", "ok"),
    ]
    assert records[0]["person"] == "dmitry" and json.loads(records[3]["ids"])["id"] == 104
