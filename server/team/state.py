# pyright: strict
"""Where the team server keeps what outlives a request: records with a lifetime, and locks.

`State` is what the rest of the team server sees: expiring records (`get`, `put`, `take`,
`delete`) and named locks (`lock`, for work that must happen once: a person's token refresh).
Two implementations, picked by `BITRIX24_STATE_URL`:

- `LocalState` (the default, `file:///path/state.sqlite3`): records in a SQLite file, written
  with mode 0600, so sign-ins survive a restart; locks in-process. One machine, one process:
  nothing else to run.
- `RedisState` (`redis://`, `rediss://`, `unix://`; in `redis_state`): everything in Redis,
  shared by every replica.

Every record expires (a registration nobody uses, a sign-in nobody finished), so nothing
grows without bound. Values are bytes; `vault` encrypts them before they get here.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol

import anyio

from bitrix24_scrum_mcp.errors import Bitrix24Error

_PURGE_EVERY_S = 60.0


class StateUnavailableError(Bitrix24Error):
    """The shared state (Redis) cannot be reached: nothing was sent to the portal."""

    code = "STATE_UNAVAILABLE"
    retryable = True


class State(Protocol):
    """Expiring records and named locks, shared by every replica that uses the same store."""

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes, ttl_s: float) -> None: ...

    async def take(self, key: str) -> bytes | None:
        """Read and delete in one step: of two callers, only one gets the value."""
        ...

    async def delete(self, key: str) -> None: ...

    def lock(self, name: str, *, hold_s: float) -> AbstractAsyncContextManager[None]:
        """Held by one caller at a time across replicas; released after `hold_s` at most."""
        ...

    async def aclose(self) -> None: ...


class LocalState:
    """Records in one SQLite file (or in memory), locks in this process."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._guard = threading.Lock()  # one connection, used from the event loop only
        self._locks: dict[str, anyio.Lock] = {}
        self._holders: dict[str, int] = {}
        self._purged = 0.0

    def _conn(self) -> sqlite3.Connection:
        """Opened on first use: a server that keeps no record never creates the file."""
        if self._db is None:
            target = ":memory:"
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
                os.chmod(self.path, 0o600)
                target = str(self.path)
            db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS records "
                "(key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at REAL NOT NULL)"
            )
            self._db = db
        return self._db

    def _purge(self, db: sqlite3.Connection, now: float) -> None:
        if now - self._purged >= _PURGE_EVERY_S:
            db.execute("DELETE FROM records WHERE expires_at <= ?", (now,))
            self._purged = now

    async def get(self, key: str) -> bytes | None:
        with self._guard:
            row = (
                self._conn()
                .execute(
                    "SELECT value FROM records WHERE key = ? AND expires_at > ?",
                    (key, time.time()),
                )
                .fetchone()
            )
        return bytes(row[0]) if row else None

    async def put(self, key: str, value: bytes, ttl_s: float) -> None:
        now = time.time()
        with self._guard:
            db = self._conn()
            db.execute(
                "INSERT OR REPLACE INTO records (key, value, expires_at) VALUES (?, ?, ?)",
                (key, value, now + ttl_s),
            )
            self._purge(db, now)

    async def take(self, key: str) -> bytes | None:
        with self._guard:  # one connection behind one lock: the read and the delete are one step
            db = self._conn()
            row = db.execute(
                "SELECT value FROM records WHERE key = ? AND expires_at > ?", (key, time.time())
            ).fetchone()
            db.execute("DELETE FROM records WHERE key = ?", (key,))
        return bytes(row[0]) if row else None

    async def delete(self, key: str) -> None:
        with self._guard:
            self._conn().execute("DELETE FROM records WHERE key = ?", (key,))

    @asynccontextmanager
    async def _held(self, name: str, hold_s: float) -> AsyncGenerator[None]:
        lock = self._locks.setdefault(name, anyio.Lock())
        self._holders[name] = self._holders.get(name, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[name] -= 1
            if not self._holders[name]:  # nobody waits: forget it, so names do not pile up
                del self._holders[name], self._locks[name]

    def lock(self, name: str, *, hold_s: float) -> AbstractAsyncContextManager[None]:
        return self._held(name, hold_s)

    async def aclose(self) -> None:
        with self._guard:
            if self._db is not None:
                self._db.close()
                self._db = None
