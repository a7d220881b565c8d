# pyright: strict
"""The audit trail: one record per write, stored before the answer goes back to the caller.

A record says who did what, never what they wrote: `time` (UTC), `person`, `user_id`,
`portal`, `tool`, `method`, `ids` (the ids the call named or created), `outcome` (`ok`;
`failed`, with the portal's `error` code: nothing changed; `unknown`: the answer was lost and
the write may have happened), and `request_id`. No secret and no free text (names, titles,
descriptions) goes into it. A `scrum_batch` call gets one record per write inside it.

Sinks: `JsonlAudit` (`BITRIX24_AUDIT_LOG`), one JSON object a line, rotated by size under a
file lock so processes sharing the file never interleave or lose lines; `RedisAudit`, the
stream `bitrix24-scrum-mcp:audit` shared by every replica (capped near a million entries).
A record that cannot be stored is logged at ERROR instead, with the same fields: the write
has happened and the caller must still get its answer.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

import anyio.to_thread
from mcp.types import CallToolResult
from redis.asyncio import Redis

from bitrix24_scrum_mcp.errors import Bitrix24Error
from bitrix24_scrum_mcp.team.redis_state import PREFIX, reachable
from bitrix24_scrum_mcp.tools.spec import ToolSpec
from bitrix24_scrum_mcp.tools.workbench import WRITES_ONLY_WHEN_APPLIED

try:
    import fcntl
except ImportError:  # Windows: one process per file, no lock needed
    fcntl = None

logger = logging.getLogger(__name__)

STREAM = PREFIX + "audit"
STREAM_MAX = 1_000_000
MAX_IDS = 20
Record = dict[str, Any]


class AuditSink(Protocol):
    async def write(self, record: Record) -> None: ...

    async def aclose(self) -> None: ...


def _is_id_key(key: str) -> bool:
    return key in ("id", "ID") or key.endswith(("Id", "_ID"))


def _as_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 20:
        return int(value)
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return cast(Mapping[str, Any], value) if isinstance(value, dict) else {}


def touched_ids(arguments: Mapping[str, Any], result: Mapping[str, Any] | None) -> dict[str, int]:
    """The ids a write named (its arguments and their `fields`) and created (`id` answered)."""
    ids: dict[str, int] = {}
    fields = arguments.get("fields")
    sources: list[Mapping[str, Any]] = [arguments, _mapping(fields)]
    for source in sources:
        for key, value in source.items():
            if _is_id_key(key) and (number := _as_id(value)) is not None:
                ids.setdefault(key, number)
    if result is not None and (created := _as_id(result.get("id"))) is not None:
        ids.setdefault("id", created)
    return dict(list(ids.items())[:MAX_IDS])


def _outcome(payload: Mapping[str, Any] | None, failed: bool) -> dict[str, Any]:
    if not failed:
        return {"outcome": "ok"}
    payload = payload or {}
    error = payload.get("error")
    status = payload.get("http_status")
    # as Bitrix24Error.maybe_applied: a lost answer, or a 5xx the portal may have applied
    unknown = error in ("OUTCOME_UNKNOWN", "BAD_RESPONSE") or (
        isinstance(status, int) and status >= 500 and not payload.get("retryable")
    )
    code = error if isinstance(error, (int, str)) and len(str(error)) <= 64 else "ERROR"
    return {"outcome": "unknown" if unknown else "failed", "error": code}


def _writes(spec: ToolSpec, arguments: Mapping[str, Any]) -> bool:
    """Whether this call can write: not a read, and not a dry run (`sprint_plan` unapplied)."""
    if spec.name in WRITES_ONLY_WHEN_APPLIED:
        return arguments.get("apply") is True
    return not spec.read_only


def records_for(
    spec: ToolSpec,
    arguments: Mapping[str, Any] | None,
    result: CallToolResult,
    specs: Mapping[str, ToolSpec],
) -> list[Record]:
    """The records of one tool call: one for a write, one per write inside `scrum_batch`."""
    arguments = arguments or {}
    structured = result.structured_content
    if spec.method == "batch" and structured is not None and not result.is_error:
        calls = cast(list[object], arguments.get("calls") or [])
        records: list[Record] = []
        for raw in cast(list[object], structured.get("results") or []):
            item = _mapping(raw)
            inner = specs.get(str(item.get("tool")))
            index = item.get("index")
            if inner is None or inner.read_only or not isinstance(index, int):
                continue
            call = _mapping(calls[index] if index < len(calls) else None)
            records.append(
                {
                    "tool": inner.name,
                    "method": inner.method,
                    "ids": touched_ids(
                        _mapping(call.get("arguments")), _mapping(item.get("result"))
                    ),
                    **_outcome(_mapping(item.get("error")), not item.get("ok")),
                }
            )
        return records
    if not _writes(spec, arguments):
        return []
    answer = structured if not result.is_error else None
    return [
        {
            "tool": spec.name,
            "method": spec.method,
            "ids": touched_ids(arguments, answer),
            **_outcome(structured, bool(result.is_error)),
        }
    ]


def records_for_abandoned(
    spec: ToolSpec, arguments: Mapping[str, Any] | None, specs: Mapping[str, ToolSpec]
) -> list[Record]:
    """A call stopped before its answer (its client left): each write it holds may or may
    not have reached the portal, so each gets an `unknown` record."""
    arguments = arguments or {}
    calls: list[tuple[ToolSpec | None, Mapping[str, Any]]] = [(spec, arguments)]
    if spec.method == "batch":
        raw = cast(list[object], arguments.get("calls") or [])
        calls = [(specs.get(str(_mapping(c).get("tool"))), _mapping(c)) for c in raw]
        calls = [(s, _mapping(c.get("arguments"))) for s, c in calls]
    return [
        {
            "tool": inner.name,
            "method": inner.method,
            "ids": touched_ids(inner_args, None),
            "outcome": "unknown",
            "error": "CLIENT_GONE",
        }
        for inner, inner_args in calls
        if inner is not None and _writes(inner, inner_args)
    ]


def stamp(
    record: Record, *, person: str, user_id: int | None, portal: str, request_id: str
) -> Record:
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "time": now,
        "person": person,
        "user_id": user_id,
        "portal": portal,
        **record,
        "request_id": request_id,
    }


def _line(record: Record) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


class JsonlAudit:
    """Append-only JSONL with size rotation (`<file>.1` ... `<file>.<backups>`).

    Every append takes an exclusive `flock` on `<file>.lock`, checks that its descriptor still
    names `<file>` (another process may have rotated it: then it reopens), rotates when the
    line would pass `max_bytes`, writes the line with one `write` and fsyncs it.
    """

    def __init__(self, path: Path, *, max_bytes: int = 64 * 1024 * 1024, backups: int = 10) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._lock_fd = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)

    async def write(self, record: Record) -> None:
        line = _line(record)
        try:
            await anyio.to_thread.run_sync(self._append, line)
        except OSError as exc:
            logger.error("audit record not written to %s (%s): %s", self.path, exc, line.decode())

    def _append(self, line: bytes) -> None:
        with self._lock:
            if fcntl is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                fd = self._current()
                if os.fstat(fd).st_size and os.fstat(fd).st_size + len(line) > self.max_bytes:
                    fd = self._rotate()
                os.write(fd, line)
                os.fsync(fd)
            finally:
                if fcntl is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _current(self) -> int:
        """The descriptor of the file now at `path` (reopened if it was rotated away)."""
        if self._fd is not None:
            try:
                if os.stat(self.path).st_ino == os.fstat(self._fd).st_ino:
                    return self._fd
            except FileNotFoundError:
                pass
            os.close(self._fd)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return self._fd

    def _rotate(self) -> int:
        for n in range(self.backups - 1, 0, -1):
            older = Path(f"{self.path}.{n}")
            if older.exists():
                older.replace(f"{self.path}.{n + 1}")
        self.path.replace(f"{self.path}.1")
        return self._current()

    async def aclose(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            os.close(self._lock_fd)


class RedisAudit:
    """The shared audit stream; one entry per record, every value a string."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def write(self, record: Record) -> None:
        fields = {
            k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
            for k, v in record.items()
        }
        try:
            with reachable("storing an audit record"):
                await self.redis.xadd(STREAM, fields, maxlen=STREAM_MAX, approximate=True)  # pyright: ignore[reportArgumentType]
        except Bitrix24Error:
            logger.error("audit record not stored (Redis unreachable): %s", _line(record).decode())

    async def aclose(self) -> None:
        return None
