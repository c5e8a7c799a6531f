"""The embedded graph store: two SQLite tables under ``MEMORY_CORE_HOME``.

    >>> import asyncio, tempfile
    >>> from pathlib import Path
    >>> async def demo():
    ...     store = SqliteGraphStore(Path(tempfile.mkdtemp()) / "graph.sqlite3")
    ...     await store.open()
    ...     await store.merge([Entity("a", "Ann", "u"), Entity("b", "Oslo", "u")],
    ...                       [Edge("r", "a", "lives_in", "b", "m1", "u")])
    ...     counts = await store.counts({"user_id": "u"})
    ...     await store.close()
    ...     return counts
    >>> asyncio.run(demo())
    {'entities': 2, 'relations': 1}

``entities`` and ``edges`` with indexes on ids, endpoints, memory ids and scope. Like the
history store, every call runs as one function on one dedicated thread
(:class:`~memory_core.stores.sqlite_thread.SqliteThread`), so a multi-statement change is
one transaction that never interleaves with another call.
Parameters only: names are never part of the SQL text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from memory_core.scoping import TimeView
from memory_core.stores.graph.base import Edge, Entity
from memory_core.stores.sqlite_thread import SqliteThread, transaction
from memory_core.types import SCOPE_FIELDS

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, user_id TEXT, agent_id TEXT, run_id TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_by_user ON entities (user_id);
CREATE TABLE IF NOT EXISTS edges (
    id TEXT PRIMARY KEY, source_id TEXT NOT NULL, relationship TEXT NOT NULL,
    destination_id TEXT NOT NULL, memory_id TEXT, user_id TEXT, agent_id TEXT, run_id TEXT,
    created_at REAL NOT NULL, valid_from REAL, valid_until REAL, expired_at REAL,
    t_from REAL NOT NULL, t_until REAL, origin TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS edges_by_source ON edges (source_id);
CREATE INDEX IF NOT EXISTS edges_by_destination ON edges (destination_id);
CREATE INDEX IF NOT EXISTS edges_by_memory ON edges (memory_id);
CREATE INDEX IF NOT EXISTS edges_by_user ON edges (user_id);
"""
_ENTITY_COLUMNS = ("id", "name", "user_id", "agent_id", "run_id", "created_at")
_EDGE_COLUMNS = (
    "id", "source_id", "relationship", "destination_id", "memory_id", "user_id", "agent_id",
    "run_id", "created_at", "valid_from", "valid_until", "expired_at", "t_from", "t_until",
    "origin",
)  # fmt: skip


class SqliteGraphStore:
    """Entities and relations in one SQLite file (the embedded default)."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sql = SqliteThread(path, "Graph database")

    # --- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        await self._sql.run(self._open_sync)

    async def close(self) -> None:
        await self._sql.close()

    # --- writes ------------------------------------------------------------------------

    async def merge(self, entities: Sequence[Entity], edges: Sequence[Edge]) -> None:
        await self._sql.run(self._merge_sync, [e.row() for e in entities], [e.row() for e in edges])

    async def close_edges(
        self, memory_ids: Sequence[str], expired_at: float, valid_until: float | None
    ) -> None:
        await self._sql.run(self._close_edges_sync, list(memory_ids), expired_at, valid_until)

    async def forget(self, memory_ids: Sequence[str]) -> list[str]:
        return await self._sql.run(self._forget_sync, list(memory_ids))

    async def delete_scope(self, scope: Mapping[str, str] | None) -> None:
        await self._sql.run(self._delete_scope_sync, dict(scope) if scope is not None else None)

    # --- reads -------------------------------------------------------------------------

    async def edges(
        self,
        scope: Mapping[str, str],
        view: TimeView,
        *,
        entity_ids: Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[Edge]:
        ids = None if entity_ids is None else list(entity_ids)
        return await self._sql.run(self._edges_sync, dict(scope), view, ids, limit)

    async def counts(self, scope: Mapping[str, str] | None = None) -> dict[str, int]:
        return await self._sql.run(self._counts_sync, dict(scope or {}))

    # --- thread side -------------------------------------------------------------------

    def _open_sync(self) -> None:
        self._sql.connect(_SCHEMA).row_factory = sqlite3.Row

    def _merge_sync(self, entities: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
        with transaction(self._sql.db) as db:
            db.executemany(_insert("entities", _ENTITY_COLUMNS), entities)
            db.executemany(_insert("edges", _EDGE_COLUMNS), edges)

    def _close_edges_sync(
        self, memory_ids: list[str], expired_at: float, valid_until: float | None
    ) -> None:
        marks = _marks(memory_ids)
        with transaction(self._sql.db) as db:
            db.execute(
                "UPDATE edges SET expired_at = ?, valid_until = coalesce(?, valid_until),"
                " t_until = coalesce(?, valid_until, ?)"
                f" WHERE expired_at IS NULL AND memory_id IN ({marks})",
                [expired_at, valid_until, valid_until, expired_at, *memory_ids],
            )

    def _forget_sync(self, memory_ids: list[str]) -> list[str]:
        marks = _marks(memory_ids)
        with transaction(self._sql.db) as db:
            ends = db.execute(
                f"SELECT source_id, destination_id FROM edges WHERE memory_id IN ({marks})",
                memory_ids,
            ).fetchall()
            db.execute(f"DELETE FROM edges WHERE memory_id IN ({marks})", memory_ids)
            touched = sorted({entity for row in ends for entity in row})
            orphans = [entity for entity in touched if not _has_edges(db, entity)]
            db.execute(f"DELETE FROM entities WHERE id IN ({_marks(orphans)})", orphans)
        return orphans

    def _delete_scope_sync(self, scope: dict[str, str] | None) -> None:
        where, params = _scope_where(scope or {})
        with transaction(self._sql.db) as db:
            db.execute(f"DELETE FROM edges WHERE {where}", params)
            db.execute(f"DELETE FROM entities WHERE {where}", params)

    def _edges_sync(
        self, scope: dict[str, str], view: TimeView, entity_ids: list[str] | None, limit: int
    ) -> list[Edge]:
        where, params = _scope_where(scope, "r.")
        clauses = [where, *_time_clauses(view, params)]
        if entity_ids is not None:
            marks = _marks(entity_ids)
            clauses.append(f"(r.source_id IN ({marks}) OR r.destination_id IN ({marks}))")
            params += [*entity_ids, *entity_ids]
        rows = self._sql.db.execute(
            "SELECT r.*, s.name AS source_name, d.name AS destination_name FROM edges r"
            " JOIN entities s ON s.id = r.source_id JOIN entities d ON d.id = r.destination_id"
            f" WHERE {' AND '.join(clauses)} ORDER BY r.t_from, r.id LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [Edge.from_row(dict(row)) for row in rows]

    def _counts_sync(self, scope: dict[str, str]) -> dict[str, int]:
        where, params = _scope_where(scope)
        db = self._sql.db
        entities = db.execute(f"SELECT COUNT(*) FROM entities WHERE {where}", params).fetchone()
        edges = db.execute(f"SELECT COUNT(*) FROM edges WHERE {where}", params).fetchone()
        return {"entities": int(entities[0]), "relations": int(edges[0])}


def _insert(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    return f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({values})"


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values)) or "NULL"


def _has_edges(db: sqlite3.Connection, entity: str) -> bool:
    found = db.execute(
        "SELECT 1 FROM edges WHERE source_id = ? OR destination_id = ? LIMIT 1", (entity, entity)
    ).fetchone()
    return found is not None


def _scope_where(scope: Mapping[str, str], prefix: str = "") -> tuple[str, list[Any]]:
    """Equality on every scope id given (the column names are fixed, never the caller's)."""
    names = [name for name in SCOPE_FIELDS if name in scope]
    clauses = [f"{prefix}{name} = ?" for name in names]
    return " AND ".join(clauses) or "1", [scope[name] for name in names]


def _time_clauses(view: TimeView, params: list[Any]) -> list[str]:
    if view.include_expired:
        return []
    if view.as_of is None:
        return ["r.expired_at IS NULL"]
    params += [view.as_of, view.as_of]
    return ["r.t_from <= ?", "(r.t_until IS NULL OR r.t_until > ?)"]
