"""Graph stores behind one protocol (:class:`GraphStore`).

* :class:`SqliteGraphStore` — embedded, under ``MEMORY_CORE_HOME``; the default.
* :class:`Neo4jGraphStore` — Neo4j, Memgraph or FalkorDB over Bolt (the ``neo4j`` extra).

Backends are imported on first use, so the ``neo4j`` driver loads only when configured.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from memory_core.stores.graph.base import Edge, Entity, GraphStore, group_relations

if TYPE_CHECKING:
    from memory_core.stores.graph.neo4j import Neo4jGraphStore
    from memory_core.stores.graph.sqlite import SqliteGraphStore

_BACKENDS = {
    "SqliteGraphStore": "memory_core.stores.graph.sqlite",
    "Neo4jGraphStore": "memory_core.stores.graph.neo4j",
}


def __getattr__(name: str) -> Any:
    if name in _BACKENDS:
        return getattr(importlib.import_module(_BACKENDS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Edge",
    "Entity",
    "GraphStore",
    "Neo4jGraphStore",
    "SqliteGraphStore",
    "group_relations",
]
