"""The graph server goes down mid-run (a real FalkorDB killed with SIGKILL): adds and searches
keep working on the vector path and say the graph was skipped; the graph writes wait in the
journal and are applied once the server is back — by the next write, or at the next open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.testing import ScriptedOpenAIServer
from memory_core.testing.falkordb import FalkorDBServer

from .test_graph import answer, config, op, rel, triples


@pytest.fixture(scope="module")
def server(embedder: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=embedder) as srv:
        yield srv


@pytest.fixture
def falkor(falkordb: FalkorDBServer) -> Iterator[FalkorDBServer]:
    if not falkordb.running:
        falkordb.start()
    yield falkordb
    if not falkordb.running:
        falkordb.start()


@pytest.fixture
def cfg(home: Path, server: ScriptedOpenAIServer, falkor: FalkorDBServer) -> MemoryConfig:
    return config(home, server, {"provider": "neo4j", "url": falkor.url, "timeout": 1})


def test_adds_and_searches_go_on_while_the_graph_is_down(
    cfg: MemoryConfig, server: ScriptedOpenAIServer, falkor: FalkorDBServer,
    embedder: LocalEmbedder,
) -> None:  # fmt: skip
    with Memory(cfg, embedder=embedder) as memory:
        memory.reset(everything=True)
        answer(server, op("ADD", None, "Jo lives in Lima", "Jo", "Lima"),
               relations=[rel("Jo", "lives_in", "Lima")])  # fmt: skip
        assert "graph" not in memory.add("Jo lives in Lima", user_id="u1")

        falkor.stop()
        answer(server, op("ADD", None, "Jo works at Inca Labs", "Jo", "Inca Labs"),
               relations=[rel("Jo", "works_at", "Inca Labs")])  # fmt: skip
        added = memory.add("Jo works at Inca Labs", user_id="u1")
        assert added["results"][0]["event"] == "ADD"
        assert added["graph"]["status"] == "skipped"
        assert "unreachable" in added["graph"]["reason"]
        found = memory.search("Where does Jo work?", user_id="u1")
        assert found["graph"]["status"] == "skipped"
        assert "Jo works at Inca Labs" in [hit["memory"] for hit in found["results"]]
        assert memory.stats()["journal_pending"] == 1  # the graph writes, kept

        falkor.start()  # a fresh, empty server
        answer(server, op("ADD", None, "Jo likes ceviche", "Jo", "ceviche"),
               relations=[rel("Jo", "likes", "ceviche")])  # fmt: skip
        assert "graph" not in memory.add("Jo likes ceviche", user_id="u1")
        assert triples(memory.relations(user_id="u1")) == {
            ("Jo", "works_at", "Inca Labs"), ("Jo", "likes", "ceviche")
        }  # fmt: skip
        assert memory.stats()["journal_pending"] == 0
        assert "graph" not in memory.search("Where does Jo work?", user_id="u1")


def test_deferred_graph_writes_are_applied_when_the_engine_reopens(
    cfg: MemoryConfig, server: ScriptedOpenAIServer, falkor: FalkorDBServer,
    embedder: LocalEmbedder,
) -> None:  # fmt: skip
    with Memory(cfg, embedder=embedder) as memory:
        memory.reset(everything=True)
        falkor.stop()
        answer(server, op("ADD", None, "Kim owns a boat", "Kim", "boat"),
               relations=[rel("Kim", "owns", "boat")])  # fmt: skip
        assert memory.add("Kim owns a boat", user_id="u1")["graph"]["status"] == "skipped"
        deleted = memory.delete_all(user_id="u2")  # a scope wipe is deferred too, in order
        assert deleted["graph"]["status"] == "skipped"
    falkor.start()
    with Memory(cfg, embedder=embedder) as memory:  # opening replays the journal
        assert triples(memory.relations(user_id="u1")) == {("Kim", "owns", "boat")}
        assert memory.stats()["journal_pending"] == 0


def test_a_write_the_server_refuses_is_reported_and_does_not_block_later_ones(
    cfg: MemoryConfig, server: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    with Memory(cfg, embedder=embedder) as memory:
        memory.reset(everything=True)
        answer(server, op("ADD", None, "Lu sails", "Lu", "sailing"),
               relations=[rel("Lu", "likes", "sailing")])  # fmt: skip
        # FalkorDB's Bolt listener takes requests under ~3 KB: this provenance cannot be sent
        refused = memory.add("Lu sails", user_id="u1", source={"note": "n" * 4000})
        assert "refused" in refused["graph"]["reason"]
        assert memory.stats()["journal_pending"] == 0  # not queued behind a server that is up
        answer(server, op("ADD", None, "Lu rows", "Lu", "rowing"),
               relations=[rel("Lu", "likes", "rowing")])  # fmt: skip
        assert "graph" not in memory.add("Lu rows", user_id="u1")
        assert triples(memory.relations(user_id="u1")) == {("Lu", "likes", "rowing")}
