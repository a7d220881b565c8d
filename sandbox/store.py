# pyright: strict
"""SQLite state of one emulated portal: schema, connection and transactions.

One `Store` wraps one connection (`:memory:` or a file). Every REST call runs inside
`transaction()`, which commits on success and rolls back on any exception, so a failed
call changes nothing. A file store uses WAL and a busy timeout so two processes can share
it. Backlogs and sprints share the `entities` table and its id sequence, as in Bitrix24
(`b_tasks_scrum_entity`): `entityId` in task.update may name either. `items.sort_float`
is `SORT_FLOAT`; `tasks.stage_id` is the `b_tasks.STAGE_ID` column and `task_stages` the
`b_tasks_task_stage` relation (see records.py for which writes which).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT NOT NULL, work_position TEXT NOT NULL DEFAULT '',
    is_admin INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1,
    date_register INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    owner_id INTEGER NOT NULL, scrum_master_id INTEGER NOT NULL DEFAULT 0,
    project TEXT NOT NULL DEFAULT 'N', opened TEXT NOT NULL DEFAULT 'N',
    visible TEXT NOT NULL DEFAULT 'Y', closed TEXT NOT NULL DEFAULT 'N',
    date_create INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS group_members (
    group_id INTEGER NOT NULL, user_id INTEGER NOT NULL, role TEXT NOT NULL DEFAULT 'K',
    PRIMARY KEY (group_id, user_id));
CREATE TABLE IF NOT EXISTS webhooks (
    user_id INTEGER NOT NULL, code TEXT NOT NULL, scopes TEXT NOT NULL,
    PRIMARY KEY (user_id, code));
CREATE TABLE IF NOT EXISTS oauth_tokens (
    access_token TEXT PRIMARY KEY, refresh_token TEXT, user_id INTEGER NOT NULL,
    expires_at REAL NOT NULL, client_id TEXT, client_secret TEXT, scopes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_apps (
    client_id TEXT PRIMARY KEY, client_secret TEXT NOT NULL, scopes TEXT NOT NULL,
    redirect_uri TEXT);
CREATE TABLE IF NOT EXISTS oauth_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL,
    expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    id INTEGER PRIMARY KEY AUTOINCREMENT, group_id INTEGER NOT NULL, entity_type TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '', goal TEXT NOT NULL DEFAULT '', sort INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER NOT NULL DEFAULT 0, modified_by INTEGER NOT NULL DEFAULT 0,
    date_start INTEGER, date_end INTEGER, status TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT, entity_id INTEGER NOT NULL,
    task_id INTEGER NOT NULL UNIQUE, epic_id INTEGER NOT NULL DEFAULT 0,
    sort_float REAL NOT NULL DEFAULT 1024, story_points TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL DEFAULT 0, modified_by INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS epics (
    id INTEGER PRIMARY KEY AUTOINCREMENT, group_id INTEGER NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '', created_by INTEGER NOT NULL DEFAULT 0,
    modified_by INTEGER NOT NULL DEFAULT 0, color TEXT NOT NULL DEFAULT '',
    files TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS stages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, sprint_id INTEGER NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '', sort INTEGER NOT NULL DEFAULT 100,
    color TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS task_stages (
    task_id INTEGER NOT NULL, stage_id INTEGER NOT NULL, PRIMARY KEY (task_id, stage_id));
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    group_id INTEGER NOT NULL DEFAULT 0, parent_id INTEGER NOT NULL DEFAULT 0,
    stage_id INTEGER NOT NULL DEFAULT 0, created_by INTEGER NOT NULL,
    responsible_id INTEGER NOT NULL, status INTEGER NOT NULL DEFAULT 2,
    priority INTEGER NOT NULL DEFAULT 1, deadline INTEGER NOT NULL DEFAULT 0,
    created_date INTEGER NOT NULL DEFAULT 0, changed_date INTEGER NOT NULL DEFAULT 0,
    closed_date INTEGER NOT NULL DEFAULT 0);
"""

Row = sqlite3.Row


class Store:
    """A thread-safe SQLite connection with per-call transactions."""

    def __init__(self, db_path: str = ":memory:") -> None:
        self.db_path = db_path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            db_path, check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._conn.row_factory = sqlite3.Row
        if db_path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        with self._lock:
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Generator[None, None, None]:
        """One write transaction; any exception rolls everything back and propagates."""
        with self._lock:
            if self._conn.in_transaction:
                # Nested use (a helper inside a call) joins the outer transaction.
                yield
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def version(self) -> tuple[int, int]:
        """What has changed, cheaply: the rows this connection changed so far, and SQLite's
        `data_version`, which moves when another process sharing the file (WAL) commits."""
        with self._lock:
            (data_version,) = self._conn.execute("PRAGMA data_version").fetchone()
            return self._conn.total_changes, int(data_version)

    def one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        with self._lock:
            row: Row | None = self._conn.execute(sql, tuple(args)).fetchone()
            return row

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return list(self._conn.execute(sql, tuple(args)).fetchall())

    def scalar(self, sql: str, args: Sequence[Any] = ()) -> Any:
        row = self.one(sql, args)
        return None if row is None else row[0]

    def run(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Execute a statement; returns the last inserted row id."""
        with self._lock:
            cursor = self._conn.execute(sql, tuple(args))
            return int(cursor.lastrowid or 0)

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        return self.run(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))

    def update(self, table: str, row_id: int, values: Mapping[str, Any]) -> None:
        if not values:
            return
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.run(f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id])

    def fetch(self, table: str, row_id: int) -> Row:
        """A row this call has just written, read back for the answer: it must exist."""
        row = self.one(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        if row is None:
            raise LookupError(f"{table} row {row_id} is gone")
        return row

    def get_meta(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        self.run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
