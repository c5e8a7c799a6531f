"""Build the configured stores.

>>> from pathlib import Path
>>> from memory_core.config import VectorStoreConfig
>>> create_vector_store(VectorStoreConfig(), Path("/tmp/mc-doc")).name
'qdrant_edge'
"""

from __future__ import annotations

from pathlib import Path

from memory_core.config import GraphStoreConfig, VectorStoreConfig
from memory_core.stores.graph.base import GraphStore
from memory_core.stores.vector.base import VectorStore

#: Suffix of the collection holding entity names (for entity resolution), beside memories.
ENTITY_SUFFIX = "_entities"


def create_vector_store(
    config: VectorStoreConfig, home: Path, *, entities: bool = False, suffix: str = ""
) -> VectorStore:
    """The memories' store, or with ``entities=True`` the entity names' one beside it (or,
    with a ``suffix``, another collection beside it: a named vector space's)."""
    suffix = ENTITY_SUFFIX if entities else suffix
    collection = config.collection + suffix
    # A configured path is a directory an embedded engine locks: entities get a sibling.
    path = config.path.with_name(config.path.name + suffix) if config.path else None
    # Imported here so that only the configured backend's client is loaded.
    if config.provider == "qdrant_edge":
        from memory_core.stores.vector.qdrant_edge import QdrantEdgeStore

        path = path or home.expanduser() / "vectors" / collection
        return QdrantEdgeStore(path, collection=collection, hnsw_ef=config.hnsw_ef)
    from memory_core.stores.vector.qdrant import QdrantServerStore

    return QdrantServerStore(
        url=config.url,
        api_key=config.api_key.get_secret_value() if config.api_key else None,
        location=config.location,
        path=str(path) if path else None,
        collection=collection,
        timeout=config.timeout,
        hnsw_ef=config.hnsw_ef,
    )


def create_graph_store(config: GraphStoreConfig, home: Path) -> GraphStore | None:
    """The configured graph store, or ``None`` when the graph is off."""
    if config.provider == "none":
        return None
    if config.provider == "sqlite":
        from memory_core.stores.graph.sqlite import SqliteGraphStore

        return SqliteGraphStore(config.path or home.expanduser() / "graph.sqlite3")
    from memory_core.stores.graph.neo4j import Neo4jGraphStore

    assert config.url is not None  # checked by GraphStoreConfig
    return Neo4jGraphStore(
        config.url,
        username=config.username,
        password=config.password.get_secret_value() if config.password else None,
        database=config.database,
        timeout=config.timeout,
    )
