"""A message over the size limit on stdin gets a JSON-RPC error, and the session goes on.

The server runs as a real subprocess; the test speaks raw JSON-RPC lines to it, because an
oversized message is exactly what an SDK client would not send.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncGenerator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[1]
INVALID_REQUEST = -32600
LIMIT = 4096


class Session:
    """Newline-delimited JSON-RPC over a server process's stdin and stdout."""

    def __init__(self, process: Process) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.stdin = process.stdin
        self.stdout = BufferedByteReceiveStream(process.stdout)

    async def send(self, *parts: bytes) -> None:
        """One message, written in parts so a huge one is never held twice in memory."""
        for part in parts:
            await self.stdin.send(part)
        await self.stdin.send(b"\n")

    async def receive(self) -> dict[str, Any]:
        with anyio.fail_after(60):
            line = await self.stdout.receive_until(b"\n", 1024 * 1024)
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def request(self, request_id: int, method: str, params: dict[str, Any]) -> Any:
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        await self.send(json.dumps(message).encode())
        answer = await self.receive()
        assert answer["id"] == request_id and "result" in answer, answer
        return answer["result"]


@asynccontextmanager
async def stdio_server(**env: str) -> AsyncGenerator[Session, None]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BITRIX24_", "MCP_"))}
    command = [sys.executable, "-m", "bitrix24_scrum_mcp", "serve", "--sandbox"]
    async with await anyio.open_process(command, env={**clean, **env}, cwd=ROOT) as process:
        session = Session(process)
        await session.request(
            1,
            "initialize",
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"},
            },
        )
        await session.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')
        try:
            yield session
        finally:
            if process.stdin is not None:
                await process.stdin.aclose()
            with anyio.fail_after(20):
                await process.wait()


def call_with_padding(
    pad: Iterable[bytes], *, first: bytes = b"", last: bytes = b""
) -> list[bytes]:
    """A tools/call line whose `pad` argument is `pad`, with `first`/`last` members around it."""
    return [
        b"{" + first + b'"method":"tools/call","params":{"name":"user_current",'
        b'"arguments":{"pad":"',
        *pad,
        b'"}}' + last + b"}",
    ]


async def assert_refused(session: Session, expected_id: object) -> None:
    answer = await session.receive()
    assert answer["id"] == expected_id, answer
    assert answer["error"]["code"] == INVALID_REQUEST
    assert "message too large" in answer["error"]["message"]
    assert "MCP_MAX_MESSAGE_BYTES" in answer["error"]["message"]


async def test_a_message_over_the_configured_limit_is_refused_and_the_session_goes_on() -> None:
    padding = [b"x" * (3 * LIMIT)]
    async with stdio_server(MCP_MAX_MESSAGE_BYTES=str(LIMIT)) as session:
        # id first, as the Python SDK writes it
        await session.send(*call_with_padding(padding, first=b'"jsonrpc":"2.0","id":2,'))
        await assert_refused(session, 2)
        # id last, as the TypeScript SDK writes it
        await session.send(*call_with_padding(padding, last=b',"jsonrpc":"2.0","id":"ts-3"'))
        await assert_refused(session, "ts-3")
        # an id that could be a key inside the params: answered with id null
        middle = b'"jsonrpc":"2.0","meta":{},"id":4,'
        await session.send(*call_with_padding(padding, first=middle))
        await assert_refused(session, None)
        me = await session.request(5, "tools/call", {"name": "user_current", "arguments": {}})
    assert not me.get("isError") and me["structuredContent"]["ID"]


async def test_a_message_just_under_the_limit_is_read() -> None:
    async with stdio_server(MCP_MAX_MESSAGE_BYTES=str(LIMIT)) as session:
        listed = await session.request(2, "tools/list", {"pad": "x" * (LIMIT - 100)})
    assert listed["tools"]


@pytest.mark.slow
async def test_a_70_mb_line_at_the_default_limit_gets_an_error_not_a_closed_stdout() -> None:
    """The case from the issue: a 70 MB line ended the session; the default limit is 4 MiB."""
    megabyte = b"x" * (1024 * 1024)
    async with stdio_server() as session:
        await session.send(*call_with_padding([megabyte] * 70, first=b'"jsonrpc":"2.0","id":2,'))
        await assert_refused(session, 2)
        listed = await session.request(3, "tools/list", {})
    assert listed["tools"]
