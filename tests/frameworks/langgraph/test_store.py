"""MemoryStore on its own: LangGraph's errors, exact values, filters, TTL, index, scopes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.store.base import InvalidNamespaceError, PutOp
from memory_core_langgraph import MemoryStore

from memory_core import AsyncMemory, Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import InvalidFilterError
from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion
from memory_core.timeutil import now


@pytest.mark.parametrize(
    ("namespace", "message"),
    [((), "cannot be empty"), (("langgraph", "x"), "cannot be \"langgraph\""),
     (("a.b",), "cannot contain periods"), (("a", ""), "cannot be empty strings")],
)  # fmt: skip
def test_invalid_namespaces_raise_langgraphs_error(
    store: MemoryStore, namespace: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InvalidNamespaceError, match=message):
        store.put(namespace, "k", {"v": 1})
    if namespace and namespace[0] != "langgraph":  # ops given to batch directly are checked too
        with pytest.raises(InvalidNamespaceError):
            store.batch([PutOp(namespace, "k", {"v": 1})])


def test_get_after_put_returns_exactly_the_value(store: MemoryStore) -> None:
    value = {"f": 1.0, "i": 1, "none": None, "deep": {"list": [1, {"x": None}], "e": {}}, "s": "é"}
    store.put(("docs",), "k", value)
    item = store.get(("docs",), "k")
    assert item is not None and item.value == value and type(item.value["f"]) is float
    assert (item.namespace, item.key) == (("docs",), "k")
    assert item.created_at.tzinfo is not None and item.updated_at >= item.created_at
    store.delete(("docs",), "k")
    assert store.get(("docs",), "k") is None


def test_value_filters_apply_each_operator(store: MemoryStore) -> None:
    for n in range(5):
        store.put(("docs",), f"k{n}", {"n": n, "tag": "even" if n % 2 == 0 else "odd",
                                       "meta": {"lang": "pt" if n == 3 else "en"}})  # fmt: skip

    def keys(flt: dict[str, object]) -> list[str]:
        return sorted(i.key for i in store.search(("docs",), filter=flt, limit=50))

    assert keys({"tag": "odd"}) == ["k1", "k3"]
    assert keys({"n": {"$eq": 2}}) == ["k2"]
    assert keys({"n": {"$ne": 2}}) == ["k0", "k1", "k3", "k4"]
    assert keys({"n": {"$gt": 2}}) == ["k3", "k4"]
    assert keys({"n": {"$gte": 2, "$lt": 4}}) == ["k2", "k3"]
    assert keys({"n": {"$lte": 1}}) == ["k0", "k1"]
    assert keys({"meta": {"lang": "pt"}}) == ["k3"]
    with pytest.raises(InvalidFilterError):
        store.search(("docs",), filter={"n": {"$in": [1]}})


def test_ttl_expired_items_are_never_returned_and_reads_refresh(store: MemoryStore) -> None:
    store.put(("docs",), "gone", {"text": "stale"}, ttl=-1)  # already past its TTL
    store.put(("docs",), "kept", {"text": "fresh"}, ttl=10)
    assert store.get(("docs",), "gone") is None
    assert [i.key for i in store.search(("docs",))] == ["kept"]
    assert [i.key for i in store.search(("docs",), query="stale")] == ["kept"]
    rid = store.engine.records.keyed_id("docs", "kept")
    [before] = store.call(store.engine.records.get([rid]))
    store.put(("docs",), "kept", {"text": "fresh"}, ttl=1000)
    store.get(("docs",), "kept", refresh_ttl=True)
    [after] = store.call(store.engine.records.get([rid]))
    assert before.expires_at is not None and after.expires_at is not None
    assert after.expires_at > before.expires_at + 900 * 60
    assert store.sweep_ttl() == 1  # the expired one, erased for real
    assert store.list_namespaces() == [("docs",)]


def test_ttl_config_default_applies_and_sweeper_starts_and_stops(engine_memory: Memory) -> None:
    with MemoryStore(engine_memory, ttl={"default_ttl": 5, "sweep_interval_minutes": 1}) as store:
        store.put(("docs",), "k", {"v": 1})
        [record] = store.call(
            store.engine.records.get([store.engine.records.keyed_id("docs", "k")])
        )
        assert record.expires_at is not None and record.expires_at > now() + 4 * 60
        store.start_ttl_sweeper()
        assert store.stop_ttl_sweeper(timeout=10)


def test_index_fields_per_put(store: MemoryStore) -> None:
    store.put(("docs",), "a", {"title": "Cooking pasta", "body": "Boil water"}, index=["title"])
    store.put(("docs",), "b", {"title": "Gardening", "body": "Water the plants"}, index=False)
    hits = store.search(("docs",), query="how to cook spaghetti", limit=5)
    assert [(h.key, h.score is not None) for h in hits] == [("a", True), ("b", False)]


def test_namespaces_are_engine_scopes_both_ways(store: MemoryStore, engine_memory: Memory) -> None:
    store.put(("memories", "alice"), "diet", {"content": "Alice is vegetarian"})
    store.put(("memories", "alice", "prefs"), "ui", {"content": "Alice wants dark mode"})
    store.put(("docs",), "x", {"content": "Unscoped document"})
    found = engine_memory.search("vegetarian food", user_id="alice")["results"]
    assert found[0]["metadata"] == {"content": "Alice is vegetarian"}
    assert {r["memory"] for r in found} == {"Alice is vegetarian", "Alice wants dark mode"}
    assert (
        engine_memory.get_all(agent_id="langgraph")["results"][0]["memory"] == "Unscoped document"
    )

    added = engine_memory.add("Bob loves jazz", user_id="bob")["results"][0]
    [item] = store.search(("memories", "bob"))
    assert (item.key, item.value["content"], item.value["kind"]) == (
        added["id"],
        "Bob loves jazz",
        "message",
    )
    assert store.get(("memories", "bob"), added["id"]) is not None
    assert store.get(("memories", "alice"), added["id"]) is None
    assert ("memories", "bob") in store.list_namespaces(prefix=("memories",))
    assert [i.key for i in store.search(("memories",), query="jazz music", limit=1)] == [
        added["id"]
    ]
    store.delete(("memories", "bob"), added["id"])
    assert engine_memory.get_all(user_id="bob")["results"] == []


def test_list_namespaces_conditions(store: MemoryStore) -> None:
    for namespace in [("a", "b", "c"), ("a", "b", "d", "e"), ("a", "c", "f"), ("x", "b", "c")]:
        store.put(namespace, "k", {"v": 1})
    assert store.list_namespaces(prefix=("a", "b"), max_depth=3) == [
        ("a", "b", "c"),
        ("a", "b", "d"),
    ]
    assert store.list_namespaces(suffix=("b", "c")) == [("a", "b", "c"), ("x", "b", "c")]
    assert store.list_namespaces(prefix=("*", "b")) == [("a", "b", "c"), ("a", "b", "d", "e"),
                                                        ("x", "b", "c")]  # fmt: skip
    assert store.list_namespaces(limit=2, offset=1) == [("a", "b", "d", "e"), ("a", "c", "f")]


async def test_async_store_over_an_async_engine(async_engine: AsyncMemory) -> None:
    async with MemoryStore(async_engine) as store:
        await store.aput(("memories", "carol"), "k", {"content": "Carol flies to Oslo"})
        assert (await store.aget(("memories", "carol"), "k")).value["content"].endswith("Oslo")  # type: ignore[union-attr]
        hits = await store.asearch(("memories",), query="travel to Norway")
        assert [h.key for h in hits] == ["k"]
        found = await async_engine.search("Oslo", user_id="carol")
        assert found["results"][0]["metadata"] == {"content": "Carol flies to Oslo"}
        await asyncio.gather(*(store.aput(("docs",), f"k{i}", {"i": i}) for i in range(5)))
        assert len(await store.asearch(("docs",), limit=10)) == 5


def test_opt_in_inference_runs_the_memory_manager(fast_tmp: Path, embedder: LocalEmbedder) -> None:
    with ScriptedOpenAIServer(embedder=embedder) as server:
        llm = {"model": "scripted", "base_url": server.base_url, "api_key": "test",
               "max_retries": 1, "timeout": 5}  # fmt: skip
        config = MemoryConfig(home=fast_tmp / "llm", llm=llm)
        with (
            Memory(config, embedder=embedder) as memory,
            MemoryStore(memory, infer=[("memories", "*")]) as store,
        ):
            fact = {"event": "ADD", "id": None, "text": "Gus is learning Portuguese",
                    "valid_from": None, "valid_until": None, "entities": ["Gus"]}  # fmt: skip
            server.script(Reply(chat_completion({"operations": [fact], "relations": []})))
            chat = [HumanMessage("Olá! I started learning Portuguese last week."),
                    AIMessage("Parabéns!")]  # fmt: skip
            store.put(("memories", "gus"), "chat-1", {"messages": chat})
            assert store.get(("memories", "gus"), "chat-1") is None  # not stored verbatim
            [item] = store.search(("memories", "gus"))
            assert (item.value["content"], item.value["kind"]) == (
                "Gus is learning Portuguese",
                "fact",
            )
            assert len(server.bodies()) == 1
            plain = {"messages": [{"role": "user", "content": "Olá!"}]}
            store.put(("docs",), "plain", plain)  # outside `infer`: the value, verbatim
            assert store.get(("docs",), "plain").value == plain  # type: ignore[union-attr]
