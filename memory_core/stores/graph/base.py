"""The graph-store protocol: entities, and relations between them with validity.

    >>> import asyncio, tempfile
    >>> from pathlib import Path
    >>> from memory_core.stores.graph import Edge, Entity, SqliteGraphStore
    >>> async def demo():
    ...     store = SqliteGraphStore(Path(tempfile.mkdtemp()) / "graph.sqlite3")
    ...     await store.open()
    ...     alice, rome = Entity("e1", "Alice", "u1"), Entity("e2", "Rome", "u1")
    ...     await store.merge([alice, rome], [Edge("r1", "e1", "lives_in", "e2", "m1", "u1")])
    ...     edges = await store.edges({"user_id": "u1"}, TimeView(), entity_ids=["e2"])
    ...     await store.close()
    ...     return [(e.source_name, e.relationship, e.destination_name) for e in edges]
    >>> asyncio.run(demo())
    [('Alice', 'lives_in', 'Rome')]

A relation is an :class:`Edge`: one assertion of ``(source) -[relationship]-> (destination)``
by one memory (``memory_id``), so its validity is that memory's validity — closing the memory
(an UPDATE supersedes it, a DELETE invalidates it) closes its edges, and erasing the memory
erases them. Two memories asserting the same triple are two edges; reads group them.

Entities and edges carry the scope ids of the write. Reads filter on the ids they are given,
as for memories (:mod:`memory_core.scoping`): a user-level read sees the user's relations
from every agent and run, never another user's. Every write is an idempotent merge by our
own ids, so replaying the journal is always safe, and no backend's rollback is relied on.
Entity *names* are resolved to ids before they get here (:mod:`memory_core.pipeline.graph`);
the graph store holds no embeddings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from memory_core.scoping import TimeView
from memory_core.timeutil import to_iso


@dataclass(frozen=True, slots=True)
class Entity:
    """A node: a person, place, organisation or thing named in a memory."""

    id: str
    name: str
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    created_at: float = 0.0

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "user_id": self.user_id,
            "agent_id": self.agent_id, "run_id": self.run_id, "created_at": self.created_at,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Edge:
    """One relation asserted by one memory. ``origin`` says where it came from (the add's
    ``source``: framework, thread, message ids…); ``*_name`` are filled on reads."""

    id: str
    source_id: str
    relationship: str
    destination_id: str
    memory_id: str | None = None
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    created_at: float = 0.0
    valid_from: float | None = None
    valid_until: float | None = None
    expired_at: float | None = None
    origin: Mapping[str, Any] = field(default_factory=dict)
    source_name: str = ""
    destination_name: str = ""

    @property
    def t_from(self) -> float:
        """When the relation starts to hold (``valid_from``, else when it was written)."""
        return self.valid_from if self.valid_from is not None else self.created_at

    @property
    def t_until(self) -> float | None:
        """When it stops holding, if it does."""
        return self.valid_until if self.valid_until is not None else self.expired_at

    def row(self) -> dict[str, Any]:
        """The stored properties (names are the nodes', not the edge's)."""
        return {
            "id": self.id, "source_id": self.source_id, "relationship": self.relationship,
            "destination_id": self.destination_id, "memory_id": self.memory_id,
            "user_id": self.user_id, "agent_id": self.agent_id, "run_id": self.run_id,
            "created_at": self.created_at, "valid_from": self.valid_from,
            "valid_until": self.valid_until, "expired_at": self.expired_at,
            "t_from": self.t_from, "t_until": self.t_until,
            "origin": json.dumps(dict(self.origin), sort_keys=True, ensure_ascii=False),
        }  # fmt: skip

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Edge:
        origin = row.get("origin")
        return cls(
            id=row["id"], source_id=row["source_id"], relationship=row["relationship"],
            destination_id=row["destination_id"], memory_id=row.get("memory_id"),
            user_id=row.get("user_id"), agent_id=row.get("agent_id"),
            run_id=row.get("run_id"), created_at=row.get("created_at") or 0.0,
            valid_from=row.get("valid_from"), valid_until=row.get("valid_until"),
            expired_at=row.get("expired_at"), origin=json.loads(origin) if origin else {},
            source_name=row.get("source_name") or "",
            destination_name=row.get("destination_name") or "",
        )  # fmt: skip

    def to_relation(self) -> dict[str, Any]:
        """The relation as search returns it (Mem0's keys, plus validity and provenance)."""
        relation: dict[str, Any] = {
            "source": self.source_name, "relationship": self.relationship,
            "destination": self.destination_name, "valid_from": to_iso(self.valid_from),
            "valid_until": to_iso(self.valid_until), "expired_at": to_iso(self.expired_at),
            "memory_ids": [self.memory_id] if self.memory_id else [],
        }  # fmt: skip
        for name in ("user_id", "agent_id", "run_id"):
            if (value := getattr(self, name)) is not None:
                relation[name] = value
        if self.origin:
            relation["origin"] = dict(self.origin)
        return relation


def group_relations(edges: Sequence[Edge]) -> list[dict[str, Any]]:
    """One relation per (source, relationship, destination, validity), its memories merged.

    >>> a = Edge("1", "x", "likes", "y", "m1", source_name="A", destination_name="B")
    >>> b = Edge("2", "x", "likes", "y", "m2", source_name="A", destination_name="B")
    >>> group_relations([a, b])[0]["memory_ids"]
    ['m1', 'm2']
    """
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for edge in edges:
        relation = edge.to_relation()
        key = (edge.source_id, edge.relationship, edge.destination_id, edge.expired_at is None)
        if key in grouped:
            grouped[key]["memory_ids"].extend(
                m for m in relation["memory_ids"] if m not in grouped[key]["memory_ids"]
            )
        else:
            grouped[key] = relation
    return list(grouped.values())


@runtime_checkable
class GraphStore(Protocol):
    """Async graph store. Every write is idempotent; every read is scoped."""

    #: Short backend name for results and logs, e.g. ``"sqlite"``.
    name: str

    async def open(self) -> None:
        """Connect and create the schema (tables or indexes) if missing.

        Raises :class:`~memory_core.errors.GraphUnavailableError` when the backend cannot be
        reached."""
        ...

    async def merge(self, entities: Sequence[Entity], edges: Sequence[Edge]) -> None:
        """Create the entities and edges that do not exist yet (by id); existing ones are
        left as they are, so a replayed merge never reopens a closed edge. An edge's two
        entities are in ``entities`` or already stored."""
        ...

    async def close_edges(
        self, memory_ids: Sequence[str], expired_at: float, valid_until: float | None
    ) -> None:
        """Close the open edges asserted by these memories (they were superseded or
        invalidated); edges already closed keep their first closing time."""
        ...

    async def forget(self, memory_ids: Sequence[str]) -> list[str]:
        """Erase the edges of these memories, then their entities that have no edge left;
        returns the ids of the entities erased."""
        ...

    async def delete_scope(self, scope: Mapping[str, str] | None) -> None:
        """Erase every entity and edge whose ids match ``scope`` (``{"user_id": "u"}``: the
        user's, from every agent and run); ``None`` erases everything."""
        ...

    async def edges(
        self,
        scope: Mapping[str, str],
        view: TimeView,
        *,
        entity_ids: Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[Edge]:
        """Edges of the scope seen through ``view`` (current by default), oldest first —
        only those touching ``entity_ids`` when given (the 1-hop neighbourhood)."""
        ...

    async def counts(self, scope: Mapping[str, str] | None = None) -> dict[str, int]:
        """``{"entities": n, "relations": m}`` (all edges, open or closed)."""
        ...

    async def close(self) -> None:
        """Release connections; safe to call twice."""
        ...
