"""MemoryCoreStorage beyond the contract suite: CrewAI's own Memory end to end (remember,
recall, forget, scopes, slices, private records, reopen) with the engine's local embedder,
vectors of any dimension, literal scopes and ids, round trips, the storage factory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from crewai.memory import Memory as CrewMemory
from crewai.memory.storage.backend import EmbeddingDimensionMismatchError, StorageBackend
from crewai.memory.storage.factory import set_memory_storage_factory
from crewai.memory.types import MemoryRecord as CrewRecord
from crewai_memory_core.testing import FakeEmbedder
from memory_core_crewai import EngineEmbedder, MemoryCoreStorage

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import MemoryCoreError

EMB = FakeEmbedder(64)


def rec(content: str, scope: str = "/", dims: int = 64, **fields: object) -> CrewRecord:
    return CrewRecord(content=content, scope=scope, embedding=FakeEmbedder(dims)([content])[0],
                      **fields)  # type: ignore[arg-type]  # fmt: skip


@pytest.fixture
def crew_memory(backend: MemoryCoreStorage, engine: Memory) -> Iterator[CrewMemory]:
    """CrewAI's own Memory over our storage, embedding with the engine's local model."""
    memory = CrewMemory(storage=backend, embedder=EngineEmbedder(engine),
                        consolidation_threshold=1.0)  # fmt: skip
    yield memory
    memory.close()


def remember(memory: CrewMemory, content: str, scope: str, category: str, **kw: object) -> None:
    """All fields given: CrewAI's encoding flow takes its no-LLM path."""
    memory.remember(content, scope=scope, categories=[category], importance=0.5, **kw)  # type: ignore[arg-type]


def test_is_a_storage_backend(backend: MemoryCoreStorage) -> None:
    assert isinstance(backend, StorageBackend)


def test_crewai_memory_end_to_end(crew_memory: CrewMemory, engine: Memory) -> None:
    remember(crew_memory, "Kamal loves sushi and ramen", "/user/kamal", "food")
    remember(crew_memory, "Kamal writes Rust at work", "/user/kamal", "tech")
    remember(crew_memory, "The office is closed on Fridays", "/company", "policy")

    hits = crew_memory.recall("what food does Kamal like?", scope="/user/kamal",
                              depth="shallow", limit=2)  # fmt: skip
    assert hits[0].record.content == "Kamal loves sushi and ramen"
    assert {m.record.scope for m in hits} == {"/user/kamal"}
    assert crew_memory.list_scopes("/") == ["/company", "/user"]
    assert crew_memory.info("/user").record_count == 2
    assert crew_memory.list_categories() == {"food": 1, "tech": 1, "policy": 1}

    # the same records are engine memories of the bound scope, with the path
    found = engine.search("sushi", user_id="crew")["results"]
    assert found[0]["memory"] == "Kamal loves sushi and ramen"

    assert crew_memory.forget(scope="/company") == 1
    assert crew_memory.list_scopes("/") == ["/user"]


def test_scope_and_slice_views(crew_memory: CrewMemory) -> None:
    kamal = crew_memory.scope("/user/kamal")
    kamal.remember("Kamal prefers window seats", categories=["travel"], importance=0.5)
    remember(crew_memory, "Priya prefers aisle seats", "/user/priya", "travel")
    remember(crew_memory, "Seats are assigned at check-in", "/airline", "travel")

    assert [m.record.scope for m in kamal.recall("seats", depth="shallow")] == ["/user/kamal"]
    both = crew_memory.slice(["/user/kamal", "/user/priya"])
    recalled = {m.record.content for m in both.recall("seats", depth="shallow")}
    assert recalled == {"Kamal prefers window seats", "Priya prefers aisle seats"}


def test_private_records_follow_crewai_rule(crew_memory: CrewMemory) -> None:
    remember(crew_memory, "Dana's door code is 4411", "/user/dana", "secret", source="dana",
             private=True)  # fmt: skip
    remember(crew_memory, "Dana likes jazz", "/user/dana", "music", source="dana")

    def seen(**kw: object) -> set[str]:
        return {m.record.content for m in crew_memory.recall("Dana", depth="shallow", **kw)}  # type: ignore[arg-type]

    assert seen() == {"Dana likes jazz"}
    assert seen(source="dana") == {"Dana likes jazz", "Dana's door code is 4411"}
    assert seen(include_private=True) == {"Dana likes jazz", "Dana's door code is 4411"}


def test_round_trip_of_every_field(backend: MemoryCoreStorage) -> None:
    created = datetime(2024, 5, 17, 8, 30, 12, 345678)
    accessed = datetime(2025, 1, 2, 3, 4, 5, 600007)
    saved = rec("round trip", "/a/b", categories=["x", "y"], metadata={"k": [1, 2], "s": "v"},
                importance=0.73, source="src-1", private=True, created_at=created,
                last_accessed=accessed)  # fmt: skip
    backend.save([saved])
    got = backend.get_record(saved.id)
    assert got is not None
    assert got.model_dump() == saved.model_dump()


def test_list_records_pages_newest_first(backend: MemoryCoreStorage) -> None:
    now = datetime.utcnow()
    backend.save([rec(f"r{i}", "/p", created_at=now - timedelta(minutes=i)) for i in range(7)])
    pages = [backend.list_records("/p", limit=3, offset=o) for o in (0, 3, 6)]
    assert [[r.content for r in page] for page in pages] == [
        ["r0", "r1", "r2"],
        ["r3", "r4", "r5"],
        ["r6"],
    ]


def test_scores_sorted_and_min_score(backend: MemoryCoreStorage) -> None:
    backend.save([rec("green apples"), rec("green pears"), rec("blue whales swim")])
    hits = backend.search(EMB(["green apples"])[0], limit=3)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and hits[0][0].content == "green apples"
    floor = scores[1]
    assert all(s >= floor for _, s in backend.search(EMB(["green apples"])[0], min_score=floor))


def test_delete_returns_counts(backend: MemoryCoreStorage) -> None:
    old = datetime.utcnow() - timedelta(days=90)
    records = [
        rec("a", "/d", categories=["c1"]), rec("b", "/d", metadata={"m": 1}),
        rec("c", "/d", created_at=old), rec("d", "/d/e"), rec("e", "/other"),
    ]  # fmt: skip
    backend.save(records)
    assert backend.delete(record_ids=[records[0].id, "missing"]) == 1
    assert backend.delete(metadata_filter={"m": 1}) == 1
    assert backend.delete(older_than=datetime.utcnow() - timedelta(days=1)) == 1
    assert backend.delete(scope_prefix="/d") == 1
    assert backend.count() == 1 and backend.count(None) == backend.count("/")


# --- dimensions --------------------------------------------------------------------------


def test_dimension_mismatch_is_crewais_error(backend: MemoryCoreStorage) -> None:
    backend.save([rec("sixty-four", dims=64)])
    with pytest.raises(EmbeddingDimensionMismatchError) as save_error:
        backend.save([rec("thirty-two", dims=32)])
    assert not isinstance(save_error.value, RuntimeError)
    assert (save_error.value.stored_dim, save_error.value.new_dim) == (64, 32)
    with pytest.raises(EmbeddingDimensionMismatchError):
        backend.save([rec("ok", dims=64), rec("mixed", dims=32)])
    with pytest.raises(EmbeddingDimensionMismatchError):
        backend.search(FakeEmbedder(32)(["q"])[0])
    stored = backend.list_records()[0]
    with pytest.raises(EmbeddingDimensionMismatchError):
        backend.update(stored.model_copy(update={"embedding": [0.1] * 32}))
    assert [r.content for r in backend.list_records()] == ["sixty-four"]

    backend.reset()
    backend.save([rec("now thirty-two", dims=32)])
    assert backend.search(FakeEmbedder(32)(["now thirty-two"])[0])[0][0].content == "now thirty-two"


def test_survives_close_and_reopen(fast_tmp: Path, embedder: LocalEmbedder) -> None:
    config = MemoryConfig(home=fast_tmp / "reopen")
    with Memory(config, embedder=embedder) as engine:
        storage = MemoryCoreStorage(engine, user_id="crew")
        storage.save([rec("kept across restarts", "/r", categories=["k"])])
        storage.close()
    with Memory(config, embedder=embedder) as engine:
        storage = MemoryCoreStorage(engine, user_id="crew")
        assert storage.count("/r") == 1 and storage.list_categories() == {"k": 1}
        assert storage.search(EMB(["kept across restarts"])[0])[0][0].content == (
            "kept across restarts"
        )
        with pytest.raises(EmbeddingDimensionMismatchError):
            storage.save([rec("other model", dims=16)])


# --- literal scopes and ids, isolation ------------------------------------------------------


@pytest.mark.parametrize("odd", ["%", "_", "it's", 'say "hi"', "back\\slash", "a%_b"])
def test_odd_characters_match_literally(backend: MemoryCoreStorage, odd: str) -> None:
    backend.save([rec("odd", f"/x/{odd}", id=odd), rec("plain", "/x/plain", id="plain"),
                  rec("near", "/x/a", id="a")])  # fmt: skip
    assert backend.count(f"/x/{odd}") == 1
    assert backend.get_record(odd) is not None and backend.get_record(odd).content == "odd"  # type: ignore[union-attr]
    assert backend.list_scopes("/x") == sorted({f"/x/{odd}", "/x/plain", "/x/a"})
    assert backend.delete(record_ids=[odd]) == 1
    assert backend.count("/x") == 2


def test_two_scopes_never_share_records(engine: Memory) -> None:
    alice = MemoryCoreStorage(engine, user_id="alice")
    bob = MemoryCoreStorage(engine, user_id="bob")
    alice.save([rec("alice's note", "/n", id="same-id")])
    bob.save([rec("bob's note", "/n", id="same-id", dims=32)])  # another space, another dim
    assert alice.get_record("same-id").content == "alice's note"  # type: ignore[union-attr]
    assert bob.get_record("same-id").content == "bob's note"  # type: ignore[union-attr]
    assert alice.delete(scope_prefix="/") == 1 and bob.count() == 1
    assert engine.search("note", user_id="alice")["results"] == []


def test_storage_factory(engine: Memory) -> None:
    made: list[MemoryCoreStorage] = []

    def factory(spec: str) -> MemoryCoreStorage | None:
        if spec != "memory-core":
            return None
        made.append(MemoryCoreStorage(engine, user_id="factory"))
        return made[-1]

    set_memory_storage_factory(factory)
    try:
        memory = CrewMemory(storage="memory-core", embedder=EMB, consolidation_threshold=1.0)
    finally:
        set_memory_storage_factory(None)
    memory.remember("made by the factory", scope="/f", categories=["f"], importance=0.5)
    assert memory._storage is made[0]
    assert engine.search("factory", user_id="factory")["results"][0]["memory"] == (
        "made by the factory"
    )
    memory.close()


def test_default_engine_and_scope(fast_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MemoryCoreStorage(): its own engine under $MEMORY_CORE_HOME, records of user 'crewai'."""
    monkeypatch.setenv("MEMORY_CORE_HOME", str(fast_tmp / "default-home"))
    storage = MemoryCoreStorage()
    try:
        storage.save([rec("from the default storage", "/d")])
        assert storage.handle.owned and storage.count() == 1
        found = storage.handle.run(storage.engine.search("default storage", user_id="crewai"))
        assert found["results"][0]["memory"] == "from the default storage"
    finally:
        storage.close()
    with pytest.raises(MemoryCoreError):  # closed with the storage that built it
        storage.count()
