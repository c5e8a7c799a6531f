"""Scope as a value: every engine call takes ``scope=Scope(...)``, meaning exactly what the
keyword ids mean; giving both with different values is an error, not a silent choice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from memory_core import AsyncMemory, Memory, MemoryConfig, Scope
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import InvalidInputError, MissingScopeError

ALICE_BOT = Scope(user_id="alice", agent_id="bot")
KEYWORDS = {"user_id": "alice", "agent_id": "bot"}


def _ids(result: Any) -> list[str]:
    return sorted(item["id"] for item in result["results"])


def test_scope_means_what_the_keyword_ids_mean(memory: Memory) -> None:
    added = memory.add("I like green tea", scope=ALICE_BOT, infer=False)
    assert added["results"][0]["event"] == "ADD"
    memory.add("Bob likes coffee", user_id="bob", infer=False)
    assert memory.add("I like green tea", **KEYWORDS, infer=False)["results"][0]["event"] == "NONE"
    by_scope = memory.search("tea", scope=ALICE_BOT)
    assert _ids(by_scope) == _ids(memory.search("tea", **KEYWORDS)) and by_scope["results"]
    assert _ids(memory.get_all(scope=Scope(user_id="alice"))) == _ids(
        memory.get_all(user_id="alice")
    )
    exported = memory.export_records(scope=Scope(user_id="bob"))
    assert [r.text for r in exported] == ["Bob likes coffee"]
    assert memory.delete_all(scope=Scope(user_id="bob"))["deleted"] == 1
    assert memory.get_all(user_id="bob")["results"] == []
    assert memory.reset(scope=ALICE_BOT)["deleted"] == 1
    assert memory.get_all(user_id="alice")["results"] == []


def test_procedures_take_the_agent_from_the_scope(memory: Memory) -> None:
    run = [
        {"role": "user", "content": "Find the cheapest flight to Oslo"},
        {"role": "assistant", "content": "Searched three sites; SAS at 120 EUR is cheapest."},
    ]
    memory.add(run, scope=ALICE_BOT, memory_type="procedural", metadata={"task": "flights"})
    found = memory.procedures(scope=ALICE_BOT)["results"]
    assert [p["kind"] for p in found] == ["procedure"]
    assert _ids(memory.procedures("bot", user_id="alice")) == _ids({"results": found})
    with pytest.raises(InvalidInputError, match="needs an agent"):
        memory.procedures(scope=Scope(user_id="alice"))


Call = Callable[[AsyncMemory], Awaitable[Any]]
CONFLICTS: dict[str, Call] = {
    "add": lambda m: m.add("x", scope=ALICE_BOT, user_id="bob"),
    "search": lambda m: m.search("x", scope=ALICE_BOT, agent_id="other"),
    "get_all": lambda m: m.get_all(scope=ALICE_BOT, run_id="r1"),
    "procedures": lambda m: m.procedures("other", scope=ALICE_BOT),
    "delete_all": lambda m: m.delete_all(scope=ALICE_BOT, user_id="bob"),
    "reset": lambda m: m.reset(scope=ALICE_BOT, user_id="bob"),
    "relations": lambda m: m.relations(scope=ALICE_BOT, user_id="bob"),
}


@pytest.mark.parametrize("name", sorted(CONFLICTS))
async def test_a_scope_and_contradicting_keyword_ids_are_refused(
    name: str, home: Any, embedder: LocalEmbedder
) -> None:
    async with AsyncMemory(MemoryConfig(home=home), embedder=embedder) as memory:
        await memory.add("kept", scope=Scope(user_id="bob"), infer=False)
        with pytest.raises(InvalidInputError, match="contradicts"):
            await CONFLICTS[name](memory)
        assert len((await memory.get_all(user_id="bob"))["results"]) == 1  # nothing erased


async def test_an_empty_scope_is_still_a_missing_scope(home: Any, embedder: LocalEmbedder) -> None:
    async with AsyncMemory(MemoryConfig(home=home), embedder=embedder) as memory:
        with pytest.raises(MissingScopeError):
            await memory.search("x", scope=Scope())
        with pytest.raises(InvalidInputError, match=r"memory_core\.Scope"):
            await memory.search("x", scope={"user_id": "a"})  # type: ignore[arg-type]
