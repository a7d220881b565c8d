"""Serving over stdio: the SDK's transport, with a cap on the size of one incoming message.

The SDK's `stdio_server` reads stdin a line at a time, `TextIOWrapper.readline()` in a
worker thread, with no limit: one endless line holds all the memory it can get. So the SDK
gets stdin as a reader whose lines stop at `MCP_MAX_MESSAGE_BYTES` bytes (default 4 MiB, the
SDK's own limit for a streamable HTTP body). A longer line is read to its end, dropped and
answered with a JSON-RPC error (INVALID_REQUEST) for the request id it carries, and the
session goes on. The rest, JSON-RPC framing and fd 1 moved to stderr while serving so a stray
print() cannot corrupt the stream, is the SDK's.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Coroutine
from typing import Any, BinaryIO

import anyio
import anyio.from_thread
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp.types import INVALID_REQUEST, ErrorData, JSONRPCError

from bitrix24_scrum_mcp.app import create_server
from bitrix24_scrum_mcp.config import Settings
from bitrix24_scrum_mcp.portal import open_client

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024  # read size while skipping the rest of an oversized line
_TAIL = 256  # bytes kept from its end, where a TypeScript client puts the id
_ID = rb'(-?[0-9]+|"(?:[^"\\]|\\.)*")'
# The id is found only where it must be a member of the outermost object: first (or after
# "jsonrpc"), as the Python SDK writes it, or last (or before "jsonrpc"), as the TypeScript
# SDK does. Anywhere else it could be a key inside the params, so the answer gets id null.
_ID_FIRST = re.compile(rb'\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*' + _ID)
_ID_LAST = re.compile(
    rb'[{,]\s*"id"\s*:\s*' + _ID + rb'\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*\Z'
)


def serve_stdio(settings: Settings) -> int:
    anyio.run(_serve, settings)
    return 0


async def _serve(settings: Settings) -> None:
    async with open_client(settings.portal, settings.limits, settings.network) as client:
        server = create_server(
            client, settings.tools(), reserve=settings.reserve(), confirm=settings.confirm
        )
        lines = CappedLines(_take_stdin(), settings.max_message_bytes)
        async with stdio_server(stdin=anyio.wrap_file(lines)) as (read, write):
            # Set before the first await, so before the SDK's reader task reads a line.
            lines.answer = write.send
            await server.run(read, write, server.create_initialization_options())


class CappedLines(io.TextIOWrapper):
    """stdin as the SDK reads it, one line at a time, but never more than `limit` bytes.

    `readline` runs in an anyio worker thread (`anyio.wrap_file`), which is what lets it
    hand the error for an oversized line to the event loop with `anyio.from_thread.run`.
    """

    def __init__(self, wire: BinaryIO, limit: int) -> None:
        super().__init__(wire, encoding="utf-8", errors="replace")
        self.wire = wire  # read as bytes, so the limit counts what the pipe carries
        self.limit = limit
        self.answer: Callable[[SessionMessage], Coroutine[Any, Any, None]] | None = None

    def readline(self, size: int = -1, /) -> str:
        while True:
            line = self.wire.readline(self.limit + 1)
            if line.endswith(b"\n") or len(line) <= self.limit:
                return line.decode("utf-8", errors="replace")
            self._refuse(line)

    def _refuse(self, head: bytes) -> None:
        """Read the rest of an oversized line and answer it with a JSON-RPC error."""
        size, tail = len(head), head[-_TAIL:]
        while not tail.endswith(b"\n"):
            chunk = self.wire.readline(_CHUNK)
            if not chunk:
                break
            size, tail = size + len(chunk), (tail + chunk)[-_TAIL:]
        if tail.endswith(b"\n"):
            size -= 1
        logger.warning("refused a %d-byte message (MCP_MAX_MESSAGE_BYTES=%d)", size, self.limit)
        error = JSONRPCError(
            jsonrpc="2.0",
            id=request_id(head, tail),
            error=ErrorData(
                code=INVALID_REQUEST,
                message=f"message too large: {size} bytes, the server reads at most "
                f"{self.limit} (MCP_MAX_MESSAGE_BYTES)",
                data={"size": size, "limit": self.limit},
            ),
        )
        if self.answer is None:
            return
        try:
            anyio.from_thread.run(self.answer, SessionMessage(error))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass  # the session is closing; nobody is left to answer


def request_id(head: bytes, tail: bytes) -> int | str | None:
    """The id of a message known only by its first and last bytes, or None if unsure."""
    found = _ID_FIRST.match(head) or _ID_LAST.search(tail)
    if found is None:
        return None
    try:
        value: object = json.loads(found[1])
    except ValueError:  # a string id with an escape JSON does not have
        return None
    return value if isinstance(value, (int, str)) else None


def _take_stdin() -> BinaryIO:
    """The wire on a private descriptor, fd 0 on the null device (as the SDK does itself).

    Nothing else in the process, a library or a child, can then read a message meant for
    the server.
    """
    try:
        wire = os.dup(0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
    except OSError:
        return sys.stdin.buffer
    return os.fdopen(wire, "rb")
