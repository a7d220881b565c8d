"""Forward our log records about one tool call to the client that made it, if it asked.

MCP logging (`logging/setLevel`, `notifications/message`) is deprecated as of protocol
2026-07-28 but still what many clients show in their UI, so we keep serving it: records
emitted while a tool call runs (retries, token refreshes, pacing waits) are buffered and
sent, scrubbed of secrets, before the call's result. On 2026-07-28 connections the SDK
sends them only to requests that opted in; on older ones only after `logging/setLevel`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import LoggingLevel
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from bitrix24_scrum_mcp.redact import REDACTOR

_records: ContextVar[list[logging.LogRecord] | None] = ContextVar("_records", default=None)

MCP_LEVELS: dict[int, LoggingLevel] = {  # logging level -> MCP LoggingLevel
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}
LEVEL_NUMBERS = {name: number for number, name in MCP_LEVELS.items()} | {
    "notice": logging.INFO,
    "alert": logging.CRITICAL,
    "emergency": logging.CRITICAL,
}


_SANDBOX_LOGGER = "bitrix24_scrum_mcp.sandbox"
"""The embedded sandbox plays the portal: its own log records are not about the client's call."""


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        buffer = _records.get()
        if buffer is not None and not record.name.startswith(_SANDBOX_LOGGER):
            buffer.append(record)


def install() -> None:
    """Collect INFO and above from our own loggers, whatever the stderr level is."""
    logger = logging.getLogger("bitrix24_scrum_mcp")
    if not any(isinstance(h, _Collector) for h in logger.handlers):
        logger.addHandler(_Collector(logging.INFO))
        logger.setLevel(logging.DEBUG)


class ClientLogLevel:
    """The level a handshake-era client asked for with logging/setLevel (None: not asked)."""

    def __init__(self) -> None:
        self.level: int | None = None


@asynccontextmanager
async def forwarded(ctx: Any, asked: ClientLogLevel) -> AsyncGenerator[None, None]:
    buffer: list[logging.LogRecord] = []
    token = _records.set(buffer)
    try:
        yield
    finally:
        _records.reset(token)
        modern = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
        for record in buffer:
            if not modern and (asked.level is None or record.levelno < asked.level):
                continue
            level = MCP_LEVELS.get(record.levelno, "info")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await ctx.session.send_log_message(
                    level,
                    REDACTOR.scrub(record.getMessage()),
                    logger=record.name,
                    related_request_id=ctx.request_id,
                )
