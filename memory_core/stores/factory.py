"""Build the configured vector store.

>>> from pathlib import Path
>>> from memory_core.config import VectorStoreConfig
>>> create_vector_store(VectorStoreConfig(), Path("/tmp/mc-doc")).name
'qdrant_edge'
"""

from __future__ import annotations

from pathlib import Path

from memory_core.config import VectorStoreConfig
from memory_core.stores.vector.base import VectorStore


def create_vector_store(config: VectorStoreConfig, home: Path) -> VectorStore:
    # Imported here so that only the configured backend's client is loaded.
    if config.provider == "qdrant_edge":
        from memory_core.stores.vector.qdrant_edge import QdrantEdgeStore

        path = config.path or home.expanduser() / "vectors" / config.collection
        return QdrantEdgeStore(path, collection=config.collection, hnsw_ef=config.hnsw_ef)
    from memory_core.stores.vector.qdrant import QdrantServerStore

    return QdrantServerStore(
        url=config.url,
        api_key=config.api_key.get_secret_value() if config.api_key else None,
        location=config.location,
        path=str(config.path) if config.path else None,
        collection=config.collection,
        timeout=config.timeout,
        hnsw_ef=config.hnsw_ef,
    )
