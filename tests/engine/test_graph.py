"""Graph memory through the engine: relations from the memory manager's one call, stored,
closed, erased and fused into search — on the embedded SQLite graph and on a real FalkorDB
server over Bolt. The LLM is a scripted OpenAI-compatible server; the rest is real."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memory_core import Memory, MemoryConfig, Provenance
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import ConfigError
from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion
from memory_core.testing.falkordb import FalkorDBServer

HOSTILE = ["O'Brien", "}) DETACH DELETE n //", "back`tick\\' \n new line", "東京 Москва", "x" * 150]


@pytest.fixture(scope="module")
def server(embedder: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=embedder) as srv:
        yield srv


@pytest.fixture
def llm(server: ScriptedOpenAIServer) -> ScriptedOpenAIServer:
    server.clear()
    return server


def config(home: Path, llm: ScriptedOpenAIServer, graph: dict[str, Any]) -> MemoryConfig:
    return MemoryConfig(
        home=home,
        llm={"model": "scripted", "base_url": llm.base_url, "api_key": "t", "max_retries": 0},
        graph_store=graph,
    )


@pytest.fixture(params=["sqlite", "falkordb"])
def graph_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "sqlite":
        return {"provider": "sqlite"}
    server: FalkorDBServer = request.getfixturevalue("falkordb")
    if not server.running:
        server.start()
    return {"provider": "neo4j", "url": server.url, "timeout": 2}


@pytest.fixture
def memory(
    home: Path, llm: ScriptedOpenAIServer, embedder: LocalEmbedder, graph_config: dict[str, Any]
) -> Iterator[Memory]:
    with Memory(config(home, llm, graph_config), embedder=embedder) as mem:
        mem.reset(everything=True)  # a server graph is shared by the tests
        yield mem


def op(event: str, id: int | None = None, text: str | None = None, *entities: str) -> dict:
    return {"event": event, "id": id, "text": text, "valid_from": None, "valid_until": None,
            "entities": list(entities)}  # fmt: skip


def rel(source: str, relationship: str, destination: str) -> dict[str, str]:
    return {"source": source, "relationship": relationship, "destination": destination}


def answer(llm: ScriptedOpenAIServer, *ops: dict, relations: Any = ()) -> None:
    """The LLM's next answer (replacing the last one: a scripted rule's reply repeats)."""
    body = {"operations": list(ops), "relations": list(relations)}
    llm.clear()
    llm.script(Reply(chat_completion(body, prompt_tokens=100, completion_tokens=20)))


def triples(relations: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(r["source"], r["relationship"], r["destination"]) for r in relations}


def test_relations_are_stored_with_their_memories_and_origin(
    memory: Memory, llm: ScriptedOpenAIServer
) -> None:
    answer(llm, op("ADD", None, "Alice lives in Paris", "Alice", "Paris"),
           relations=[rel("Alice", "lives in", "Paris")])  # fmt: skip
    stamp = Provenance({"thread_id": "t1"})  # as an adapter stamps it
    added = memory.add("I'm Alice, I live in Paris", user_id="u1", source=stamp)
    [relation] = memory.relations(user_id="u1")
    assert (relation["source"], relation["relationship"], relation["destination"]) == (
        "Alice", "lives_in", "Paris")  # fmt: skip
    assert relation["memory_ids"] == [added["results"][0]["id"]]
    assert relation["origin"] == {"thread_id": "t1"}
    assert relation["expired_at"] is None and relation["user_id"] == "u1"
    assert "graph" not in added


def test_graph_pulls_in_a_memory_neither_dense_nor_bm25_ranks(
    memory: Memory, llm: ScriptedOpenAIServer, home: Path, embedder: LocalEmbedder
) -> None:
    answer(llm, op("ADD", None, "Bob joined the robotics firm in 2020", "Bob", "Acme"),
           relations=[rel("Bob", "works_at", "Acme")])  # fmt: skip
    target = memory.add("Bob works for Acme since 2020", user_id="u1")["results"][0]["id"]
    for n in range(12):  # distractors stored verbatim, several about companies
        memory.add(f"Note {n}: the quarterly company report number {n} is due", user_id="u1",
                   infer=False)  # fmt: skip
    found = memory.search("Acme", user_id="u1", limit=3)
    assert found["results"][0]["id"] == target
    assert ("Bob", "works_at", "Acme") in triples(found["relations"])
    # the same store searched with the graph ignored: the fact is not in the top 3
    plain = memory.search("Acme", user_id="u1", limit=3, kind="message")
    assert target not in [hit["id"] for hit in plain["results"]]


def test_near_identical_names_resolve_to_one_entity(
    memory: Memory, llm: ScriptedOpenAIServer
) -> None:
    answer(llm, op("ADD", None, "Carol lives in New York City", "Carol", "New York City"),
           relations=[rel("Carol", "lives_in", "New York City")])  # fmt: skip
    memory.add("Carol lives in New York City", user_id="u1")
    answer(llm, op("ADD", None, "Dan works in NYC", "Dan", "NYC"),
           relations=[rel("Dan", "works_in", "NYC")])  # fmt: skip
    memory.add("Dan works in NYC", user_id="u1")
    relations = memory.relations(user_id="u1")
    assert triples(relations) == {
        ("Carol", "lives_in", "New York City"), ("Dan", "works_in", "New York City")
    }  # fmt: skip
    found = memory.search("Who is in NYC?", user_id="u1")  # the alias finds the entity
    assert triples(found["relations"]) == triples(relations)
    assert memory.stats()["graph_store"] in ("sqlite", "neo4j")


def test_an_update_closes_the_old_relation_and_as_of_still_sees_it(
    memory: Memory, llm: ScriptedOpenAIServer
) -> None:
    answer(llm, op("ADD", None, "Alice lives in Paris", "Alice", "Paris"),
           relations=[rel("Alice", "lives_in", "Paris")])  # fmt: skip
    memory.add("I live in Paris", user_id="u1")
    between = time.time()
    time.sleep(0.01)
    answer(llm, op("UPDATE", 0, "Alice lives in Rome", "Alice", "Rome"),
           relations=[rel("Alice", "lives_in", "Rome")])  # fmt: skip
    memory.add("I moved to Rome", user_id="u1")
    assert triples(memory.relations(user_id="u1")) == {("Alice", "lives_in", "Rome")}
    everything = memory.relations(user_id="u1", include_expired=True)
    assert triples(everything) == {("Alice", "lives_in", "Rome"), ("Alice", "lives_in", "Paris")}
    closed = next(r for r in everything if r["destination"] == "Paris")
    assert closed["expired_at"] is not None and closed["valid_until"] is not None
    then = memory.relations(user_id="u1", as_of=between)
    assert ("Alice", "lives_in", "Paris") in triples(then)
    found = memory.search("Where does Alice live?", user_id="u1")
    assert triples(found["relations"]) == {("Alice", "lives_in", "Rome")}


def test_an_llm_delete_invalidates_the_relation(memory: Memory, llm: ScriptedOpenAIServer) -> None:
    answer(llm, op("ADD", None, "Eve owns a cat", "Eve", "cat"),
           relations=[rel("Eve", "owns", "cat")])  # fmt: skip
    memory.add("Eve has a cat", user_id="u1")
    answer(llm, op("DELETE", 0))
    memory.add("Eve gave the cat away", user_id="u1")
    assert memory.relations(user_id="u1") == []
    assert len(memory.relations(user_id="u1", include_expired=True)) == 1


def test_delete_erases_relations_and_orphaned_entities(
    memory: Memory, llm: ScriptedOpenAIServer
) -> None:
    answer(llm, op("ADD", None, "Fay likes tea", "Fay", "tea"),
           op("ADD", None, "Fay likes Gus", "Fay", "Gus"),
           relations=[rel("Fay", "likes", "tea"), rel("Fay", "likes", "Gus")])  # fmt: skip
    first, _ = (e["id"] for e in memory.add("Fay likes tea and Gus", user_id="u1")["results"])
    memory.delete(first)
    assert triples(memory.relations(user_id="u1", include_expired=True)) == {
        ("Fay", "likes", "Gus")}  # fmt: skip
    assert memory.search("tea", user_id="u1")["relations"] == []  # "tea" is gone as a name
    memory.delete_all(user_id="u1")
    assert memory.relations(user_id="u1", include_expired=True) == []


def test_scopes_with_identical_entity_names_stay_apart(
    memory: Memory, llm: ScriptedOpenAIServer
) -> None:
    for user, city in (("u1", "Paris"), ("u2", "Oslo")):
        answer(llm, op("ADD", None, f"Alice lives in {city}", "Alice", city),
               relations=[rel("Alice", "lives_in", city)])  # fmt: skip
        memory.add(f"Alice lives in {city}", user_id=user)
    assert triples(memory.relations(user_id="u1")) == {("Alice", "lives_in", "Paris")}
    found = memory.search("Where does Alice live?", user_id="u2")
    assert triples(found["relations"]) == {("Alice", "lives_in", "Oslo")}
    assert all(hit["user_id"] == "u2" for hit in found["results"])
    memory.reset(user_id="u1")
    assert memory.relations(user_id="u1") == []
    assert triples(memory.relations(user_id="u2")) == {("Alice", "lives_in", "Oslo")}


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_names_are_stored_literally(
    memory: Memory, llm: ScriptedOpenAIServer, name: str
) -> None:
    answer(llm, op("ADD", None, f"Hal knows {name}", "Hal", name),
           relations=[rel("Hal", "knows", name)])  # fmt: skip
    memory.add(f"Hal knows {name}", user_id="u1")
    assert triples(memory.relations(user_id="u1")) == {("Hal", "knows", name)}
    assert triples(memory.search("Hal", user_id="u1")["relations"]) == {("Hal", "knows", name)}


def test_over_long_names_are_refused_and_said(memory: Memory, llm: ScriptedOpenAIServer) -> None:
    answer(llm, op("ADD", None, "Ian met someone", "Ian"),
           relations=[rel("Ian", "met", "y" * 500)])  # fmt: skip
    added = memory.add("Ian met someone with a very long name", user_id="u1")
    assert added["results"][0]["event"] == "ADD"
    assert any("max_name_length" in reason for reason in added["rejected"])
    assert memory.relations(user_id="u1") == []


def test_graph_off_keeps_search_shape_and_refuses_relations(
    home: Path, llm: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    with Memory(config(home, llm, {"provider": "none"}), embedder=embedder) as memory:
        memory.add("plain note", user_id="u1", infer=False)
        assert "relations" not in memory.search("note", user_id="u1")
        with pytest.raises(ConfigError, match="graph is off"):
            memory.relations(user_id="u1")
