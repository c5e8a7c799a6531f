"""Vector stores behind one protocol (:class:`VectorStore`).

* :class:`QdrantEdgeStore` — embedded, in-process (``qdrant-edge-py``); the default.
* :class:`QdrantServerStore` — a Qdrant server, cluster or cloud, or qdrant-client's local mode.

Backends are imported on first use, so the server client loads only when it is configured.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from memory_core.stores.vector.base import (
    DENSE,
    SPARSE,
    Hit,
    SparseVec,
    VectorPoint,
    VectorQuery,
    VectorStore,
)

if TYPE_CHECKING:
    from memory_core.stores.vector.qdrant import QdrantServerStore
    from memory_core.stores.vector.qdrant_edge import QdrantEdgeStore

_BACKENDS = {
    "QdrantEdgeStore": "memory_core.stores.vector.qdrant_edge",
    "QdrantServerStore": "memory_core.stores.vector.qdrant",
}


def __getattr__(name: str) -> Any:
    if name in _BACKENDS:
        return getattr(importlib.import_module(_BACKENDS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DENSE",
    "SPARSE",
    "Hit",
    "QdrantEdgeStore",
    "QdrantServerStore",
    "SparseVec",
    "VectorPoint",
    "VectorQuery",
    "VectorStore",
]
