"""Over stdio, stdout carries MCP messages only; `--log-level` logs go to stderr, scrubbed."""

from __future__ import annotations

import json
import tempfile
from typing import Any

import anyio
import anyio.streams.buffered
import pytest

from bitrix24_scrum_mcp.sandbox import DEMO_WEBHOOK_CODE
from tests.ecosystem.support import clean_env, server_command

pytestmark = pytest.mark.anyio

MESSAGES = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"name": "sprint_get", "arguments": {"id": 999}},
    },
]


async def _run(*flags: str) -> tuple[list[dict[str, Any]], str]:
    """Send MESSAGES, read one reply per request, then close stdin (the client's way to stop)."""
    stdin = "".join(json.dumps(m) + "\n" for m in MESSAGES).encode()
    expected = sum("id" in m for m in MESSAGES)
    # stderr goes to a file: a pipe nobody drains could fill up and stall the server.
    with anyio.fail_after(30), tempfile.TemporaryFile() as errfile:
        async with await anyio.open_process(
            server_command("serve", "--sandbox", "--toolsets", "all", *flags),
            env=clean_env(),
            stderr=errfile,
        ) as proc:
            assert proc.stdin and proc.stdout
            await proc.stdin.send(stdin)
            buffered = anyio.streams.buffered.BufferedByteReceiveStream(proc.stdout)
            lines = [await buffered.receive_until(b"\n", 1 << 20) for _ in range(expected)]
            await proc.stdin.aclose()
            assert await proc.wait() == 0
            rest = b"".join([chunk async for chunk in buffered])  # nothing but replies
        errfile.seek(0)
        err = errfile.read()
    assert rest == b""
    return [json.loads(line) for line in lines], err.decode()


async def test_debug_logs_go_to_stderr_and_stdout_stays_json_rpc() -> None:
    replies, log = await _run("--log-level", "DEBUG")
    assert [r["id"] for r in replies] == [1, 2, 3]
    assert all(r["jsonrpc"] == "2.0" for r in replies)
    assert replies[2]["result"]["isError"] is True
    assert " DEBUG " in log
    assert "tasks.api.scrum.sprint.get" in log  # the REST request is logged...
    assert DEMO_WEBHOOK_CODE not in log  # ...with the webhook code masked


async def test_default_log_level_is_quiet() -> None:
    replies, log = await _run()
    assert [r["id"] for r in replies] == [1, 2, 3]
    assert " DEBUG " not in log
    assert " INFO " not in log
