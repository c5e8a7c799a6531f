"""The engine's public API on the embedded default stores: shapes, scoping, time, erasure."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from memory_core import AsyncMemory, Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import (
    ClosedError,
    EmptyTextError,
    InvalidFilterError,
    InvalidInputError,
    MemoryNotFoundError,
    MissingScopeError,
    TextTooLongError,
    UnknownFilterOperatorError,
)

MEM0_ITEM_KEYS = {"id", "memory", "hash", "metadata", "created_at", "updated_at"}


def test_add_returns_mem0_shape_and_stores_verbatim(memory: Memory) -> None:
    result = memory.add(
        [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "I moved to Lisbon", "name": "alice"},
            {"role": "assistant", "content": "Lisbon is lovely!"},
        ],
        user_id="alice",
        metadata={"topic": "travel"},
    )
    events = result["results"]
    assert [e["event"] for e in events] == ["ADD", "ADD"]  # the system message is no memory
    assert events[0]["memory"] == "I moved to Lisbon"
    assert events[0]["actor_id"] == "alice" and events[0]["role"] == "user"
    item = memory.get(events[0]["id"])
    assert item.keys() >= MEM0_ITEM_KEYS
    assert item["user_id"] == "alice" and "agent_id" not in item
    assert item["metadata"] == {"topic": "travel"}
    assert item["kind"] == "message" and item["expired_at"] is None


def test_search_finds_by_meaning_and_by_keyword(memory: Memory) -> None:
    memory.add("I adopted a golden retriever named Biscuit", user_id="u")
    memory.add("My favourite food is ramen", user_id="u")
    memory.add("I work as a nurse at the city hospital", user_id="u")
    by_meaning = memory.search("what pet do I have?", user_id="u", limit=3)["results"]
    assert by_meaning[0]["memory"].startswith("I adopted a golden retriever")
    by_keyword = memory.search("Biscuit", user_id="u", limit=1)["results"]
    assert by_keyword[0]["memory"].startswith("I adopted")
    scores = [r["score"] for r in memory.search("food", user_id="u")["results"]]
    assert scores == sorted(scores, reverse=True)


def test_search_limit_offset_threshold_and_filters(memory: Memory) -> None:
    for i in range(6):
        memory.add(f"note number {i} about gardening", user_id="u", metadata={"i": i})
    everything = memory.search("gardening", user_id="u", limit=6)["results"]
    assert len(everything) == 6
    page = memory.search("gardening", user_id="u", limit=2, offset=2)["results"]
    assert [r["id"] for r in page] == [r["id"] for r in everything[2:4]]
    high = memory.search("gardening", user_id="u", limit=6, filters={"i": {"gte": 4}})
    assert sorted(r["metadata"]["i"] for r in high["results"]) == [4, 5]
    strict = memory.search("gardening", user_id="u", limit=6, threshold=1.01)["results"]
    assert strict == []


def test_duplicate_add_is_one_memory(memory: Memory) -> None:
    first = memory.add("I like tea", user_id="u")["results"][0]
    again = memory.add("  i LIKE tea ", user_id="u")["results"][0]
    assert again == {**first, "event": "NONE"}
    assert len(memory.get_all(user_id="u")["results"]) == 1
    other_scope = memory.add("I like tea", user_id="u", agent_id="a")["results"][0]
    assert other_scope["id"] != first["id"] and other_scope["event"] == "ADD"


def test_reads_filter_on_the_ids_given(memory: Memory) -> None:
    memory.add("user level", user_id="u")
    memory.add("agent level", user_id="u", agent_id="a")
    memory.add("run level", user_id="u", agent_id="a", run_id="r")
    memory.add("another user", user_id="v", agent_id="a")

    def texts(**scope: str) -> set[str]:
        return {r["memory"] for r in memory.get_all(**scope)["results"]}

    assert texts(user_id="u") == {"user level", "agent level", "run level"}
    assert texts(user_id="u", agent_id="a") == {"agent level", "run level"}
    assert texts(run_id="r") == {"run level"}
    assert texts(agent_id="a") == {"agent level", "run level", "another user"}
    hits = memory.search("level", user_id="v")["results"]
    assert [h["memory"] for h in hits] == ["another user"]


def test_get_all_pages_with_offset_and_cursor(memory: Memory) -> None:
    memory.add([f"fact {i}" for i in range(7)], user_id="u")
    everything = memory.get_all(user_id="u", limit=100)
    ids = [r["id"] for r in everything["results"]]
    assert len(ids) == 7 and ids == sorted(ids) and everything["next_cursor"] is None
    assert [r["id"] for r in memory.get_all(user_id="u", limit=3, offset=3)["results"]] == ids[3:6]
    seen, cursor = [], None
    while True:
        page = memory.get_all(user_id="u", limit=3, cursor=cursor)
        seen += [r["id"] for r in page["results"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == ids


def test_update_keeps_history(memory: Memory) -> None:
    [event] = memory.add("I live in Paris", user_id="u")["results"]
    changed = memory.update(event["id"], "I live in Rome", metadata={"moved": True})
    assert changed == {
        "id": event["id"], "memory": "I live in Rome", "event": "UPDATE",
        "previous_memory": "I live in Paris",
    }  # fmt: skip
    item = memory.get(event["id"])
    assert item["memory"] == "I live in Rome" and item["metadata"] == {"moved": True}
    assert memory.search("Rome", user_id="u")["results"][0]["id"] == event["id"]
    history = memory.history(event["id"])
    assert [(h["event"], h["old_memory"], h["new_memory"]) for h in history] == [
        ("ADD", None, "I live in Paris"),
        ("UPDATE", "I live in Paris", "I live in Rome"),
    ]


def test_delete_erases_vectors_and_history_text(memory: Memory) -> None:
    [event] = memory.add("my passport number is X123", user_id="u")["results"]
    memory.delete(event["id"])
    assert memory.get(event["id"]) is None
    assert memory.search("passport", user_id="u")["results"] == []
    history = memory.history(event["id"])
    assert [h["event"] for h in history] == ["ADD", "DELETE"]
    assert all(h["old_memory"] is None and h["new_memory"] is None for h in history)
    assert all(h["is_deleted"] for h in history)
    with pytest.raises(MemoryNotFoundError):
        memory.delete(event["id"])


def test_delete_all_erases_one_scope_only(memory: Memory) -> None:
    mine = memory.add(["secret one", "secret two"], user_id="u")["results"]
    memory.add("agent scoped secret", user_id="u", agent_id="a")
    memory.add("keep me", user_id="v")
    assert memory.delete_all(user_id="u")["deleted"] == 3
    assert memory.get_all(user_id="u")["results"] == []
    assert [r["memory"] for r in memory.get_all(user_id="v")["results"]] == ["keep me"]
    assert all(h["new_memory"] is None for h in memory.history(mine[0]["id"]))
    with pytest.raises(MissingScopeError):
        memory.delete_all()


def test_reset_is_scoped_unless_everything_is_asked(memory: Memory) -> None:
    [gone] = memory.add("reset me", user_id="u")["results"]
    memory.add("survivor", user_id="v")
    with pytest.raises(InvalidInputError, match="everything=True"):
        memory.reset()
    assert memory.reset(user_id="u")["deleted"] == 1
    with pytest.raises(MemoryNotFoundError):
        memory.history(gone["id"])  # scoped reset drops the rows entirely
    assert len(memory.get_all(user_id="v")["results"]) == 1
    memory.reset(everything=True)
    assert memory.get_all(user_id="v")["results"] == []
    assert memory.stats()["history_rows"] == 0


def test_time_views_current_as_of_and_include_expired(memory: Memory) -> None:
    old_id, new_id = str(uuid.uuid4()), str(uuid.uuid4())
    base = {"user_id": "u", "kind": "fact", "hash": "h", "metadata": {}}
    memory.import_records([
        {**base, "id": old_id, "text": "Alice lives in Paris", "created_at": 100.0,
         "updated_at": 200.0, "valid_until": 200.0, "expired_at": 200.0},
        {**base, "id": new_id, "text": "Alice lives in Rome", "created_at": 200.0,
         "updated_at": 200.0, "supersedes": old_id},
    ])  # fmt: skip

    def ids(**kwargs: object) -> set[str]:
        return {r["id"] for r in memory.search("where does Alice live", user_id="u", **kwargs)[
            "results"]}  # fmt: skip

    assert ids() == {new_id}
    assert ids(as_of=150.0) == {old_id}
    assert ids(as_of="1970-01-01T00:04:10Z") == {new_id}
    assert ids(include_expired=True) == {old_id, new_id}
    assert {r["id"] for r in memory.get_all(user_id="u", as_of=150.0)["results"]} == {old_id}
    with pytest.raises(InvalidInputError):
        memory.search("x", user_id="u", as_of=150.0, include_expired=True)


def test_bad_input_raises_typed_errors_and_writes_nothing(memory: Memory) -> None:
    with pytest.raises(MissingScopeError, match="user_id"):
        memory.add("no scope")
    with pytest.raises(EmptyTextError):
        memory.add("   ", user_id="u")
    with pytest.raises(EmptyTextError):
        memory.add([], user_id="u")
    with pytest.raises(InvalidInputError, match="user_id"):
        memory.add("x", user_id="")
    with pytest.raises(TextTooLongError, match="max_text_length"):
        memory.add(["fine", "y" * 20_001], user_id="u")  # the fine one is not written either
    with pytest.raises(UnknownFilterOperatorError, match="gte"):
        memory.search("x", user_id="u", filters={"i": {"greater": 3}})
    with pytest.raises(InvalidFilterError):
        memory.get_all(user_id="u", filters={"OR": []})
    assert memory.get(str(uuid.uuid4())) is None  # Mem0's shape: a missing id is None
    assert memory.get("not-a-uuid") is None
    with pytest.raises(InvalidInputError):
        memory.add("x", user_id="u", metadata={"bad": object()})
    assert memory.stats()["memories"] == 0
    assert memory.stats()["history_rows"] == 0


def test_text_limit_is_configurable(home: Path, embedder: LocalEmbedder) -> None:
    with Memory(MemoryConfig(home=home, max_text_length=10), embedder=embedder) as mem:
        with pytest.raises(TextTooLongError):
            mem.add("eleven chars", user_id="u")
        assert mem.add("ten chars!", user_id="u")["results"][0]["event"] == "ADD"


def test_reopen_keeps_everything(home: Path, embedder: LocalEmbedder) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as mem:
        [event] = mem.add("persist me", user_id="u")["results"]
    with Memory(MemoryConfig(home=home), embedder=embedder) as mem:
        assert mem.get(event["id"])["memory"] == "persist me"
        assert mem.search("persist", user_id="u")["results"][0]["id"] == event["id"]


def test_closed_memory_refuses_calls(home: Path, embedder: LocalEmbedder) -> None:
    mem = Memory(MemoryConfig(home=home), embedder=embedder)
    mem.close()
    with pytest.raises(ClosedError):
        mem.add("x", user_id="u")


async def test_async_memory_is_the_same_engine(home: Path, embedder: LocalEmbedder) -> None:
    async with AsyncMemory(MemoryConfig(home=home), embedder=embedder) as mem:
        [event] = (await mem.add("async works", user_id="u"))["results"]
        hits = (await mem.search("async", user_id="u"))["results"]
        assert hits[0]["id"] == event["id"]
        records = [r async for r in mem.export_records(user_id="u")]
        assert [r.id for r in records] == [event["id"]]


def test_from_config_accepts_mem0_shape(tmp_path: Path) -> None:
    cfg = {
        "home": str(tmp_path / "h"),
        "vector_store": {"provider": "qdrant", "config": {"location": ":memory:"}},
    }
    with Memory.from_config(cfg) as mem:
        assert mem.stats()["vector_store"] == "qdrant"
        mem.add("server-style store", user_id="u")
        assert mem.search("store", user_id="u")["results"][0]["memory"] == "server-style store"


def test_env_vars_configure_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: LocalEmbedder
) -> None:
    monkeypatch.setenv("MEMORY_CORE_HOME", str(tmp_path / "from-env"))
    monkeypatch.setenv("MEMORY_CORE_MAX_TEXT_LENGTH", "5")
    config = MemoryConfig()
    assert config.home == tmp_path / "from-env" and config.max_text_length == 5
    with Memory(config, embedder=embedder) as mem, pytest.raises(TextTooLongError):
        mem.add("too long", user_id="u")
    assert (tmp_path / "from-env" / "history.sqlite3").exists()


def test_readding_text_after_an_in_place_update_is_a_new_memory(memory: Memory) -> None:
    [first] = memory.add("I like tea", user_id="u")["results"]
    memory.update(first["id"], "I like coffee")
    [again] = memory.add("I like tea", user_id="u")["results"]
    assert again["event"] == "ADD" and again["id"] != first["id"]
    assert memory.get(first["id"])["memory"] == "I like coffee"
    texts = sorted(r["memory"] for r in memory.get_all(user_id="u")["results"])
    assert texts == ["I like coffee", "I like tea"]
    # The successor id is deterministic: sending it once more is a repeat.
    assert memory.add("i like TEA", user_id="u")["results"][0] == {**again, "event": "NONE"}


def test_expired_versions_are_kept_when_their_text_returns(memory: Memory) -> None:
    record = {
        "id": str(uuid.uuid4()), "text": "I live in Paris", "hash": "h", "user_id": "u",
        "kind": "message", "role": "user", "created_at": 10.0, "updated_at": 20.0,
        "expired_at": 20.0, "valid_until": 20.0,
    }  # fmt: skip
    memory.import_records([record])
    [event] = memory.add("I live in Paris", user_id="u")["results"]
    assert event["event"] == "ADD"
    assert memory.get(record["id"])["expired_at"] is not None  # the old version stays
    assert {r["id"] for r in memory.get_all(user_id="u", as_of=15.0)["results"]} == {record["id"]}


def test_a_message_can_carry_its_own_metadata(memory: Memory) -> None:
    events = memory.add(
        [{"role": "user", "content": "turn one", "metadata": {"dia_id": "D1:1"}},
         {"role": "user", "content": "turn two", "metadata": {"dia_id": "D1:2", "s": 2}}],
        user_id="u", metadata={"s": 1, "conv": "c"},
    )["results"]  # fmt: skip
    assert [memory.get(e["id"])["metadata"] for e in events] == [
        {"s": 1, "conv": "c", "dia_id": "D1:1"},
        {"s": 2, "conv": "c", "dia_id": "D1:2"},
    ]


def test_importing_the_same_records_twice_changes_nothing(memory: Memory) -> None:
    memory.add(["one", "two"], user_id="u")
    records = memory.export_records(user_id="u")
    assert memory.import_records(records) == 0
    assert memory.stats()["history_rows"] == 2
