"""Backends for the conformance suites: every graph store runs the same test module."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from memory_core.stores.graph import GraphStore, Neo4jGraphStore, SqliteGraphStore
from memory_core.testing.falkordb import FalkorDBServer

GRAPH_BACKENDS = ["sqlite", "falkordb", "neo4j"]


@pytest.fixture(params=GRAPH_BACKENDS)
async def graph_store(request: pytest.FixtureRequest, fast_tmp: Path) -> AsyncIterator[GraphStore]:
    """A fresh, empty graph store of each backend (Neo4j only with ``NEO4J_URI`` set)."""
    store: GraphStore
    if request.param == "sqlite":
        store = SqliteGraphStore(fast_tmp / "graph.sqlite3")
    elif request.param == "falkordb":
        server: FalkorDBServer = request.getfixturevalue("falkordb")
        if not server.running:  # a test that killed it
            server.start()
        store = Neo4jGraphStore(server.url)
    else:
        uri = os.environ.get("NEO4J_URI")
        if not uri:
            pytest.skip("set NEO4J_URI (and NEO4J_USER / NEO4J_PASSWORD) to run on Neo4j")
        store = Neo4jGraphStore(
            uri, username=os.environ.get("NEO4J_USER"), password=os.environ.get("NEO4J_PASSWORD")
        )
    await store.open()
    await store.delete_scope(None)  # the server ones are shared across tests
    try:
        yield store
    finally:
        await store.close()
