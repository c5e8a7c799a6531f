"""By-id calls limited to a scope, Mem0's ``get`` shape, and the adapters' reserved ``source``."""

from __future__ import annotations

import inspect

import pytest

from memory_core import AsyncMemory, Memory, Provenance, Scope
from memory_core.errors import (
    InvalidInputError,
    MemoryCoreError,
    MemoryNotFoundError,
    ReservedSourceKeyError,
)


def test_get_of_a_missing_id_is_none(memory: Memory) -> None:
    assert memory.get("00000000-0000-0000-0000-000000000000") is None
    assert memory.get("no-uuid-at-all") is None


def test_an_id_outside_the_given_scope_is_not_found(memory: Memory) -> None:
    [event] = memory.add("my pin is 4321", user_id="alice", agent_id="bank")["results"]
    mid = event["id"]
    for outside in ({"user_id": "bob"}, {"user_id": "alice", "agent_id": "shop"}):
        assert memory.get(mid, **outside) is None
        assert memory.get(mid, scope=Scope(**outside)) is None
        with pytest.raises(MemoryNotFoundError):
            memory.history(mid, **outside)
        with pytest.raises(MemoryNotFoundError):
            memory.update(mid, "my pin is 0000", **outside)
        with pytest.raises(MemoryNotFoundError):
            memory.delete(mid, scope=Scope(**outside))
    still = memory.get(mid)  # nothing above changed it
    assert still is not None and still["memory"] == "my pin is 4321"
    assert [h["event"] for h in memory.history(mid)] == ["ADD"]


def test_a_user_scope_admits_its_agent_and_run_subscopes(memory: Memory) -> None:
    [event] = memory.add("likes tea", user_id="alice", agent_id="chef", run_id="r1")["results"]
    mid = event["id"]
    for inside in (Scope("alice"), Scope("alice", "chef"), Scope("alice", "chef", "r1")):
        item = memory.get(mid, scope=inside)
        assert item is not None and item["memory"] == "likes tea"
        assert [h["event"] for h in memory.history(mid, scope=inside)] == ["ADD"]
    assert memory.update(mid, "likes green tea", user_id="alice")["event"] == "UPDATE"
    memory.delete(mid, user_id="alice", agent_id="chef")
    assert memory.get(mid) is None
    # the history of an erased memory stays reachable inside its scope only (text purged)
    assert [h["event"] for h in memory.history(mid, user_id="alice")] == [
        "ADD",
        "UPDATE",
        "DELETE",
    ]
    with pytest.raises(MemoryNotFoundError):
        memory.history(mid, user_id="mallory")


def test_scope_and_keyword_ids_must_agree(memory: Memory) -> None:
    [event] = memory.add("x marks the spot", user_id="alice")["results"]
    with pytest.raises(InvalidInputError, match="contradicts"):
        memory.get(event["id"], user_id="bob", scope=Scope("alice"))
    with pytest.raises(InvalidInputError, match=r"scope must be a memory_core\.Scope"):
        memory.get(event["id"], scope={"user_id": "alice"})  # type: ignore[arg-type]
    item = memory.get(event["id"], user_id="alice", scope=Scope("alice"))
    assert item is not None


@pytest.mark.parametrize("key", ["framework", "thread_id", "namespace", "key", "lg_prefixes"])
def test_reserved_source_keys_are_refused_in_a_plain_dict(memory: Memory, key: str) -> None:
    with pytest.raises(ReservedSourceKeyError, match=repr(key)) as caught:
        memory.add("hello", user_id="bob", source={key: "langgraph", "mine": 1})
    assert isinstance(caught.value, MemoryCoreError)
    assert memory.get_all(user_id="bob")["results"] == []  # nothing written
    with pytest.raises(ReservedSourceKeyError):
        memory.add("a run", agent_id="a", memory_type="procedural", source={key: "x"})


def test_an_adapter_stamp_sets_them_and_free_keys_stay_free(memory: Memory) -> None:
    stamp = Provenance({"framework": "langgraph", "thread_id": "t1"})
    [event] = memory.add("from a thread", user_id="bob", source=stamp)["results"]
    item = memory.get(event["id"])
    assert item is not None and item["source"] == {"framework": "langgraph", "thread_id": "t1"}
    [mine] = memory.add("tagged", user_id="bob", source={"app": "crm"})["results"]
    tagged = memory.get(mine["id"])
    assert tagged is not None and tagged["source"] == {"app": "crm"}


@pytest.mark.parametrize("name", ["get", "history", "update", "delete"])
def test_sync_twins_spell_out_the_async_parameters(name: str) -> None:
    sync = inspect.signature(getattr(Memory, name))
    engine = inspect.signature(getattr(AsyncMemory, name))
    assert list(sync.parameters) == list(engine.parameters)
    for param in ("user_id", "agent_id", "run_id", "scope"):
        assert sync.parameters[param].kind is inspect.Parameter.KEYWORD_ONLY
