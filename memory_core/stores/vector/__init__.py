"""Vector stores behind one protocol (:class:`VectorStore`).

* :class:`QdrantEdgeStore` — embedded, in-process (``qdrant-edge-py``); the default.
* :class:`QdrantServerStore` — a Qdrant server, cluster or cloud, or qdrant-client's local mode.
"""

from memory_core.stores.vector.base import (
    DENSE,
    SPARSE,
    Hit,
    SparseVec,
    VectorPoint,
    VectorQuery,
    VectorStore,
)
from memory_core.stores.vector.qdrant import QdrantServerStore
from memory_core.stores.vector.qdrant_edge import QdrantEdgeStore

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
