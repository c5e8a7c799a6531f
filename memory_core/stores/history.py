"""SQLite history and write journal, in one database file (WAL, busy timeout).

    >>> import asyncio, tempfile
    >>> from pathlib import Path
    >>> async def demo():
    ...     store = HistoryStore(Path(tempfile.mkdtemp()) / "history.sqlite3")
    ...     await store.open()
    ...     entry = await store.begin([], [HistoryRow("m1", "ADD", None, "likes tea")])
    ...     await store.finish(entry)
    ...     rows = await store.history("m1")
    ...     await store.close()
    ...     return [(r["event"], r["new_memory"]) for r in rows]
    >>> asyncio.run(demo())
    [('ADD', 'likes tea')]

A write is: ``begin`` (journal entry, history rows and purges, in ONE transaction) →
apply to the vector store → ``finish``. A crash in between leaves a pending entry that the
engine replays when it next opens. SQLite calls run on one dedicated thread, each public
method as one function, so a transaction never interleaves with another call.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memory_core.errors import HomeCorruptError
from memory_core.pipeline.ops import Op, ops_to_json
from memory_core.stores.sqlite_thread import SqliteThread, transaction
from memory_core.timeutil import now, to_iso
from memory_core.types import HistoryEntry

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
    id          TEXT PRIMARY KEY,
    memory_id   TEXT NOT NULL,
    event       TEXT NOT NULL,
    old_memory  TEXT,
    new_memory  TEXT,
    created_at  REAL NOT NULL,
    actor_id    TEXT,
    role        TEXT,
    user_id     TEXT,
    agent_id    TEXT,
    run_id      TEXT,
    is_deleted  INTEGER NOT NULL DEFAULT 0,
    journal_id  INTEGER
);
CREATE INDEX IF NOT EXISTS history_by_memory ON history (memory_id, created_at);
CREATE INDEX IF NOT EXISTS history_by_user ON history (user_id);
CREATE TABLE IF NOT EXISTS journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  REAL NOT NULL,
    done_at     REAL,
    ops         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_pending ON journal (id) WHERE done_at IS NULL;
CREATE TABLE IF NOT EXISTS handovers (
    conversation TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    PRIMARY KEY (conversation, message_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quarantine (
    id              INTEGER PRIMARY KEY,
    created_at      REAL NOT NULL,
    quarantined_at  REAL NOT NULL,
    cause           TEXT NOT NULL,
    ops             TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One event in a memory's life, written in the same transaction as its journal entry."""

    memory_id: str
    event: str
    old_memory: str | None
    new_memory: str | None
    actor_id: str | None = None
    role: str | None = None
    scope: tuple[str | None, str | None, str | None] = (None, None, None)
    #: When it happened; ``None``: now (an import passes the exported date).
    created_at: float | None = None


@dataclass(frozen=True, slots=True)
class Purge:
    """Erase the text kept in history: for ``memory_ids``, or for every row of ``scope``
    (``{"user_id": ...}``; ``{}`` means all rows). ``drop_rows`` removes the rows entirely."""

    memory_ids: tuple[str, ...] = ()
    scope: dict[str, str] | None = None
    drop_rows: bool = False


class HistoryStore:
    """History rows and the operation journal in SQLite."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sql = SqliteThread(path, "History database")

    # --- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        await self._sql.run(self._open_sync)

    async def close(self) -> None:
        await self._sql.close()

    # --- writes ------------------------------------------------------------------------

    async def begin(
        self, ops: list[Op], rows: list[HistoryRow], purges: list[Purge] | None = None
    ) -> int:
        """Journal ``ops`` and record ``rows``/``purges`` atomically; returns the entry id."""
        return await self._sql.run(self._begin_sync, ops, rows, purges or [])

    async def finish(self, entry_id: int) -> None:
        """The entry is applied: remove it (the journal holds only unfinished writes, so it
        stays small and keeps no erased text)."""
        await self._sql.run(self._finish_sync, entry_id)

    async def pending(self) -> list[tuple[int, str]]:
        """Unfinished journal entries as journaled (JSON text), oldest first."""
        return await self._sql.run(self._pending_sync)

    async def quarantine(self, entry_id: int, cause: str) -> None:
        """Move an entry that can never apply out of the journal, keeping it and its cause."""
        await self._sql.run(self._quarantine_sync, entry_id, cause)

    async def quarantined(self) -> list[dict[str, Any]]:
        """The quarantined entries: ``id``, ``created_at``, ``quarantined_at``, ``cause``,
        ``ops`` (the journaled JSON)."""
        return await self._sql.run(self._quarantined_sync)

    async def purge_quarantine(self, ids: list[int] | None = None) -> int:
        """Drop quarantined entries (``ids``, or all); returns how many."""
        return await self._sql.run(self._purge_quarantine_sync, ids)

    async def clear_all(self) -> None:
        """Drop every history row and journal entry (a full reset)."""
        await self._sql.run(self._clear_all_sync)

    # --- reads -------------------------------------------------------------------------

    async def history(
        self, memory_id: str, scope: dict[str, str] | None = None
    ) -> list[HistoryEntry]:
        """A memory's rows, oldest first; with ``scope``, only rows written inside it."""
        return await self._sql.run(self._history_sync, memory_id, scope or {})

    async def handed_over(self, conversation: str) -> set[str]:
        """Ids of the messages of ``conversation`` already handed over to form memories."""
        return await self._sql.run(self._handed_over_sync, conversation)

    async def record_handover(self, conversation: str, message_ids: list[str]) -> None:
        await self._sql.run(self._record_handover_sync, conversation, message_ids)

    async def counts(self) -> dict[str, int]:
        return await self._sql.run(self._counts_sync)

    async def export_rows(self, memory_id: str) -> list[dict[str, Any]]:
        """A memory's rows as an export keeps them (``created_at`` in epoch seconds)."""
        return await self._sql.run(self._export_rows_sync, memory_id)

    async def live_memories(self) -> int:
        """How many memories history knows as not erased (they must be in the vector store)."""
        return await self._sql.run(self._live_sync)

    async def get_meta(self, key: str) -> str | None:
        return await self._sql.run(self._get_meta_sync, key)

    async def set_meta(self, key: str, value: str) -> None:
        await self._sql.run(self._set_meta_sync, key, value)

    # --- thread side -------------------------------------------------------------------

    def _open_sync(self) -> None:
        conn = self._sql.connect(_SCHEMA)
        version = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        # Applied entries are no longer kept (older releases kept them, text and all).
        conn.execute("DELETE FROM journal WHERE done_at IS NOT NULL")
        if version is None:
            conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(version[0]) > SCHEMA_VERSION:
            raise HomeCorruptError(
                str(self.path), f"schema {version[0]} is newer than this memory-core"
            )

    def _begin_sync(self, ops: list[Op], rows: list[HistoryRow], purges: list[Purge]) -> int:
        db = self._sql.db
        stamp = now()
        db.execute("BEGIN IMMEDIATE")
        try:
            cursor = db.execute(
                "INSERT INTO journal (created_at, ops) VALUES (?, ?)", (stamp, ops_to_json(ops))
            )
            entry_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO history (id, memory_id, event, old_memory, new_memory, created_at,"
                " actor_id, role, user_id, agent_id, run_id, journal_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (uuid.uuid4().hex, r.memory_id, r.event, r.old_memory, r.new_memory,
                     stamp if r.created_at is None else r.created_at, r.actor_id, r.role,
                     *r.scope, entry_id)
                    for r in rows
                ],
            )  # fmt: skip
            for purge in purges:  # after the inserts, so a DELETE row is marked erased too
                self._purge(db, purge)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return entry_id

    @staticmethod
    def _purge(db: sqlite3.Connection, purge: Purge) -> None:
        where, params = _purge_where(purge)
        if purge.drop_rows:
            db.execute(f"DELETE FROM history WHERE {where}", params)
        else:
            db.execute(
                "UPDATE history SET old_memory = NULL, new_memory = NULL, is_deleted = 1"
                f" WHERE {where}",
                params,
            )

    def _finish_sync(self, entry_id: int) -> None:
        self._sql.db.execute("DELETE FROM journal WHERE id = ?", (entry_id,))

    def _pending_sync(self) -> list[tuple[int, str]]:
        rows = self._sql.db.execute(
            "SELECT id, ops FROM journal WHERE done_at IS NULL ORDER BY id"
        ).fetchall()
        return [(int(entry_id), str(text)) for entry_id, text in rows]

    def _quarantine_sync(self, entry_id: int, cause: str) -> None:
        with transaction(self._sql.db) as db:
            db.execute(
                "INSERT OR REPLACE INTO quarantine SELECT id, created_at, ?, ?, ops FROM journal"
                " WHERE id = ?",
                (now(), cause, entry_id),
            )
            db.execute("DELETE FROM journal WHERE id = ?", (entry_id,))

    def _quarantined_sync(self) -> list[dict[str, Any]]:
        rows = self._sql.db.execute(
            "SELECT id, created_at, quarantined_at, cause, ops FROM quarantine ORDER BY id"
        ).fetchall()
        return [
            {"id": r[0], "created_at": to_iso(r[1]), "quarantined_at": to_iso(r[2]),
             "cause": r[3], "ops": r[4]}
            for r in rows
        ]  # fmt: skip

    def _purge_quarantine_sync(self, ids: list[int] | None) -> int:
        if ids is None:
            return self._sql.db.execute("DELETE FROM quarantine").rowcount
        marks = ",".join("?" * len(ids)) or "NULL"
        return self._sql.db.execute(f"DELETE FROM quarantine WHERE id IN ({marks})", ids).rowcount

    def _clear_all_sync(self) -> None:
        db = self._sql.db
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM history")
        db.execute("DELETE FROM journal")
        db.execute("DELETE FROM quarantine")
        db.execute("DELETE FROM handovers")
        db.execute("COMMIT")

    def _handed_over_sync(self, conversation: str) -> set[str]:
        rows = self._sql.db.execute(
            "SELECT message_id FROM handovers WHERE conversation = ?", (conversation,)
        )
        return {row[0] for row in rows}

    def _record_handover_sync(self, conversation: str, message_ids: list[str]) -> None:
        with self._sql.db:
            self._sql.db.executemany(
                "INSERT OR IGNORE INTO handovers VALUES (?, ?)",
                [(conversation, message_id) for message_id in message_ids],
            )

    def _history_sync(self, memory_id: str, scope: dict[str, str]) -> list[HistoryEntry]:
        within = "".join(f" AND {name} = ?" for name in scope)  # names are fixed scope fields
        rows = self._sql.db.execute(
            "SELECT id, memory_id, event, old_memory, new_memory, created_at, actor_id, role,"
            f" is_deleted FROM history WHERE memory_id = ?{within} ORDER BY created_at, rowid",
            (memory_id, *scope.values()),
        ).fetchall()
        return [
            {
                "id": r[0], "memory_id": r[1], "event": r[2], "old_memory": r[3],
                "new_memory": r[4], "created_at": to_iso(r[5]), "actor_id": r[6],
                "role": r[7], "is_deleted": bool(r[8]),
            }
            for r in rows
        ]  # fmt: skip

    def _counts_sync(self) -> dict[str, int]:
        db = self._sql.db
        history = db.execute("SELECT COUNT(*) FROM history").fetchone()[0]
        pending = db.execute("SELECT COUNT(*) FROM journal WHERE done_at IS NULL").fetchone()[0]
        quarantined = db.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
        return {
            "history_rows": int(history),
            "journal_pending": int(pending),
            "journal_quarantined": int(quarantined),
        }

    def _export_rows_sync(self, memory_id: str) -> list[dict[str, Any]]:
        rows = self._sql.db.execute(
            "SELECT event, old_memory, new_memory, created_at, actor_id, role FROM history"
            " WHERE memory_id = ? ORDER BY created_at, rowid",
            (memory_id,),
        ).fetchall()
        keys = ("event", "old_memory", "new_memory", "created_at", "actor_id", "role")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def _live_sync(self) -> int:
        query = "SELECT COUNT(DISTINCT memory_id) FROM history WHERE is_deleted = 0"
        return int(self._sql.db.execute(query).fetchone()[0])

    def _get_meta_sync(self, key: str) -> str | None:
        row = self._sql.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta_sync(self, key: str, value: str) -> None:
        self._sql.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _purge_where(purge: Purge) -> tuple[str, list[Any]]:
    """SQL condition for a purge: by memory ids, or by the scope ids given."""
    if purge.scope is not None:
        clauses = [f"{name} = ?" for name in purge.scope]  # names are fixed scope fields
        return (" AND ".join(clauses) or "1"), list(purge.scope.values())
    marks = ",".join("?" * len(purge.memory_ids)) or "NULL"
    return f"memory_id IN ({marks})", list(purge.memory_ids)
