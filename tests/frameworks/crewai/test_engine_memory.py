"""EngineMemory: CrewAI's Memory surface with the engine doing the work, checked against
CrewAI's own Memory over the same kind of storage where the two should agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crewai.events.event_bus import crewai_event_bus
from crewai.events.types.memory_events import MemoryQueryCompletedEvent
from crewai.memory import Memory as CrewMemory
from memory_core_crewai import EngineEmbedder, EngineMemory, MemoryCoreStorage
from memory_core_crewai.llm import CrewAIChatModel
from memory_core_crewai.testing import ScriptedLLM

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import ConfigError

SCRIPT: list[tuple[str, str, str, dict[str, Any]]] = [
    ("Kamal loves sushi and ramen", "/user/kamal", "food", {}),
    ("Kamal writes Rust at work", "/user/kamal", "tech", {"metadata": {"lang": "en"}}),
    ("Priya prefers aisle seats", "/user/priya", "travel", {}),
    ("The office is closed on Fridays", "/company", "policy", {}),
    ("Kamal's badge PIN is 1234", "/user/kamal", "secret", {"private": True, "source": "kamal"}),
]


@pytest.fixture
def reference(engine: Memory) -> Iterator[CrewMemory]:
    memory = CrewMemory(storage=MemoryCoreStorage(engine, user_id="reference"),
                        embedder=EngineEmbedder(engine), consolidation_threshold=1.0)  # fmt: skip
    yield memory
    memory.close()


@pytest.fixture
def ours(engine: Memory) -> Iterator[EngineMemory]:
    memory = EngineMemory(memory=engine, user_id="team")
    yield memory
    memory.close()


def play(memory: CrewMemory) -> None:
    for content, scope, category, extra in SCRIPT:
        memory.remember(content, scope=scope, categories=[category], importance=0.5, **extra)


def observe(memory: CrewMemory) -> dict[str, Any]:
    def recalled(**kw: Any) -> set[str]:
        return {m.record.content for m in memory.recall("Kamal", limit=10, depth="shallow", **kw)}

    priya = memory.scope("/user/priya")
    return {
        "scopes": memory.list_scopes("/"),
        "children": memory.list_scopes("/user"),
        "count": memory.info("/user").record_count,
        "categories": memory.list_categories("/user/kamal"),
        "records": sorted(r.content for r in memory.list_records("/user")),
        "scope_view": {m.record.content for m in priya.recall("seats", depth="shallow")},
        "public": recalled(scope="/user/kamal"),
        "own_private": recalled(scope="/user/kamal", source="kamal"),
        "all_private": recalled(scope="/user/kamal", include_private=True),
    }


def test_engine_memory_matches_crewai_memory(reference: CrewMemory, ours: EngineMemory) -> None:
    play(reference)
    play(ours)
    assert observe(ours) == observe(reference)
    assert observe(ours)["public"] == {"Kamal loves sushi and ramen", "Kamal writes Rust at work"}
    assert ours.forget(scope="/user/kamal", categories=["tech"]) == reference.forget(
        scope="/user/kamal", categories=["tech"]
    ) == 1  # fmt: skip
    ours.reset("/user")
    reference.reset("/user")
    assert ours.list_scopes("/") == reference.list_scopes("/") == ["/company"]


def test_its_storage_is_the_engine(ours: EngineMemory, engine: Memory) -> None:
    assert isinstance(ours._storage, MemoryCoreStorage)
    ours.remember("Deploys happen on Tuesdays", scope="/ops", categories=["ops"], importance=0.5)
    assert engine.search("deploy day", user_id="team")["results"][0]["memory"] == (
        "Deploys happen on Tuesdays"
    )


def test_stores_verbatim_offline_without_any_field(ours: EngineMemory) -> None:
    """crewai.Memory would ask its LLM for scope, categories and importance; the engine
    without an LLM stores the text as given (the offline guard fails the test otherwise)."""
    record = ours.remember("The staging database is called pluto")
    assert record is not None and record.scope == "/"
    assert ours.extract_memories("Task: x\nResult: y") == ["Task: x\nResult: y"]
    assert ours.recall("what is staging called?")[0].record.content == (
        "The staging database is called pluto"
    )


def test_background_writes_and_root_scope(engine: Memory) -> None:
    memory = EngineMemory(memory=engine, user_id="team", root_scope="/crew/research")
    try:
        memory.remember_many(["Alpha ships in May", "Beta ships in June"], categories=["plan"])
        memory.drain_writes()
        assert memory.info().record_count == 2
        assert memory.list_scopes("/") == []  # both live at the root scope itself
        hits = memory.recall("when does Beta ship?")
        assert hits[0].record.content == "Beta ships in June"
        assert hits[0].record.scope == "/crew/research"
    finally:
        memory.close()


def test_read_only_stores_nothing(engine: Memory) -> None:
    memory = EngineMemory(memory=engine, user_id="team", read_only=True)
    assert memory.remember("nothing") is None and memory.remember_many(["x"]) == []
    assert memory.info().record_count == 0
    memory.close()


async def test_async_twins(ours: EngineMemory) -> None:
    record = await ours.aremember("Async facts arrive", scope="/a", categories=["a"])
    assert record is not None
    await ours.aremember_many(["Async batches too"], scope="/a")
    hits = await ours.arecall("async batches", scope="/a")
    assert hits[0].record.content == "Async batches too"
    assert await ours.aextract_memories("keep me") == ["keep me"]


def test_foreign_storage_is_refused(engine: Memory) -> None:
    with pytest.raises(ConfigError, match="MemoryCoreStorage"):
        EngineMemory(memory=engine, user_id="team", storage="lancedb")


def test_own_engine_under_memory_core_home(fast_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No memory= at all: the engine is built under $MEMORY_CORE_HOME and closed with it."""
    monkeypatch.setenv("MEMORY_CORE_HOME", str(fast_tmp / "env-home"))
    memory = EngineMemory(user_id="solo")
    try:
        memory.remember("Built from the environment", scope="/env", categories=["e"])
        assert memory.info("/env").record_count == 1
    finally:
        memory.close()
    assert (fast_tmp / "env-home").is_dir()


def test_engine_llm_extracts_on_remember(fast_tmp: Path, embedder: LocalEmbedder) -> None:
    """With an LLM for the engine (here CrewAI's own kind, scripted), remember is the
    engine's one-call extraction; the fact lands where CrewAI asked."""
    operation = {"event": "ADD", "id": None, "text": "Kamal is vegetarian", "valid_from": None,
                 "valid_until": None, "entities": ["Kamal"]}  # fmt: skip
    llm = ScriptedLLM(replies={"": [json.dumps({"operations": [operation], "relations": []})]})
    config = MemoryConfig(home=fast_tmp / "llm-home", graph_store={"provider": "none"})
    with Memory(config, embedder=embedder, llm=CrewAIChatModel(llm)) as engine:
        memory = EngineMemory(memory=engine, user_id="team")
        try:
            said = "Kamal told me he stopped eating meat last year"
            record = memory.remember(said, scope="/user/kamal", categories=["food"], importance=0.8)
            assert record is not None and record.content == "Kamal is vegetarian"
            assert (record.scope, record.categories, record.importance) == (
                "/user/kamal", ["food"], 0.8)  # fmt: skip
            assert memory.info("/user/kamal").record_count == 1
            assert memory.recall("diet", scope="/user")[0].record.id == record.id
            stored = memory._storage.get_record(record.id)
            assert stored is not None and stored.last_accessed > record.last_accessed  # touched
            assert stored.model_dump(exclude={"last_accessed"}) == record.model_dump(
                exclude={"last_accessed"}
            )
        finally:
            memory.close()


def test_accepts_crewai_memory_keywords(engine: Memory) -> None:
    storage = MemoryCoreStorage(engine, user_id="kw")
    memory = EngineMemory(
        storage=storage, llm=ScriptedLLM(), embedder=EngineEmbedder(engine), root_scope="/r",
        recency_weight=0.1, semantic_weight=0.7, importance_weight=0.2,
        consolidation_threshold=0.9, default_importance=0.3, read_only=False,
    )  # fmt: skip
    try:
        assert memory._storage is storage and memory.root_scope == "/r"
        record = memory.remember("Keywords pass through")
        assert record is not None and (record.scope, record.importance) == ("/r", 0.3)
    finally:
        memory.close()


def test_recall_reports_crewai_query_events(ours: EngineMemory) -> None:
    ours.remember("Events are reported", scope="/e", categories=["e"], importance=0.5)
    seen: list[Any] = []
    with crewai_event_bus.scoped_handlers():
        crewai_event_bus.register_handler(MemoryQueryCompletedEvent, lambda _, e: seen.append(e))
        hits = ours.recall("events", scope="/e")
        crewai_event_bus.flush()
    assert [e.results for e in seen] == [hits] and hits
