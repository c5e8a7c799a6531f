"""A real local model behind a real llama.cpp server: the protocol path, not the quality.

SmolLM2-135M-Instruct (Q4_1) answers through llama.cpp's OpenAI-compatible server
(``conftest.py``). What must hold whatever such a tiny model says:

* llama.cpp accepts the strict ``json_schema`` request (no fallback to JSON mode), and its
  grammar-constrained reply validates as :class:`MemoryOperations`;
* through the engine, an inferred ``add`` is either applied correctly or rejected safely:
  a result (or ``LLMError`` when ``on_llm_error="raise"``), never a crash, never a memory
  outside the write's scope, never a change to another user's memories;
* a reply cut off by ``max_tokens`` is an ``LLMError``, or with
  ``on_llm_error="store_verbatim"`` the messages stored verbatim, said so in the result.

Greedy decoding (temperature 0) and a server without prompt cache keep replies repeatable.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import LLMError
from memory_core.llms import OpenAILLM
from memory_core.pipeline.verbatim import new_record
from memory_core.prompts import memory_manager
from memory_core.prompts.memory_manager import MemoryOperations
from memory_core.types import Scope

if TYPE_CHECKING:
    from conftest import LlamaServer  # tests/integration/conftest.py

MAX_TOKENS = 256
TIMEOUT = 300.0  # generous: a loaded 2-core machine can be slow; retries would only pile up

CONVERSATION = [
    {"role": "user", "content": "Hi, I'm Alice. I moved from Paris to Lisbon last month."},
    {"role": "assistant", "content": "Welcome to Lisbon, Alice!"},
    {"role": "user", "content": "Thanks! I'm vegetarian, by the way."},
]
SCOPE_KEYS = ("user_id", "agent_id", "run_id")


class Values(dict[str, str]):
    """Prompt values; a placeholder the engine's prompts gain later is filled with ''."""

    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, **values: str) -> str:
    return template.format_map(Values(values))


# One worked example. Given it, the 135M model copies the shape and closes its JSON; with
# the bare prompt it lists operations (or repeats a sentence) until max_tokens.
EXAMPLE_MEMORIES = "[0] Bob lives in Rome."
EXAMPLE_MESSAGES = "user: I moved to Oslo and I play chess."
EXAMPLE_REPLY = json.dumps({
    "operations": [
        {"event": "UPDATE", "id": 0, "text": "Bob lives in Oslo.", "valid_from": None,
         "valid_until": None, "entities": ["Bob", "Oslo"]},
        {"event": "ADD", "id": None, "text": "Bob plays chess.", "valid_from": None,
         "valid_until": None, "entities": ["Bob"]},
    ],
    "relations": [],
})  # fmt: skip
#: ``inference.prompts["memory_manager.user"]`` with the example in it. The engine fills
#: prompts with ``str.format_map``: the JSON's braces must be doubled.
USER_WITH_EXAMPLE = (
    f"EXAMPLE\n{fill(memory_manager.USER, memories=EXAMPLE_MEMORIES, messages=EXAMPLE_MESSAGES)}"
    f"\n\nREPLY:\n{EXAMPLE_REPLY.replace('{', '{{').replace('}', '}}')}\n\nNOW YOUR TURN\n"
    f"{memory_manager.USER}\n\nREPLY:\n"
)


def llm_config(server: LlamaServer, **overrides: Any) -> dict[str, Any]:
    return {
        "model": server.model,
        "base_url": server.base_url,
        "api_key": "none",
        "temperature": 0.0,
        "max_tokens": MAX_TOKENS,
        "timeout": TIMEOUT,
        "max_retries": 0,
        **overrides,
    }


def manager_messages(memories: str, messages: str) -> list[dict[str, str]]:
    """The memory manager's own prompt (as the engine fills it, relations on), with the
    worked example as an earlier turn of the chat."""
    values = {
        "today": "2026-01-15",
        "custom_instructions": "",
        "relations": memory_manager.RELATIONS,
        "memories": memories,
        "messages": messages,
    }
    example = fill(memory_manager.USER, memories=EXAMPLE_MEMORIES, messages=EXAMPLE_MESSAGES)
    return [
        {"role": "system", "content": fill(memory_manager.SYSTEM, **values)},
        {"role": "user", "content": example},
        {"role": "assistant", "content": EXAMPLE_REPLY},
        {"role": "user", "content": fill(memory_manager.USER, **values)},
    ]


# --- the provider --------------------------------------------------------------------------------


async def test_structured_output_is_accepted_and_validates(llama_server: LlamaServer) -> None:
    async with OpenAILLM(
        model=llama_server.model,
        base_url=llama_server.base_url,
        api_key="none",
        response_format="auto",
        max_tokens=MAX_TOKENS,
        timeout=TIMEOUT,
        max_retries=0,
    ) as llm:
        messages = manager_messages("[0] Alice lives in Paris.", "user: I moved to Lisbon.")
        reply = await llm.structured(messages, MemoryOperations, name="memory_operations")
        # llama.cpp took response_format=json_schema (a refusal would have switched to JSON mode).
        assert llm.structured_mode == "json_schema", llama_server.log_tail()
    assert isinstance(reply.value, MemoryOperations)
    # Grammar-constrained output parsed the first time: no repair request was needed.
    assert reply.usage.calls == 1, reply
    assert reply.usage.prompt_tokens > 0
    assert 0 < reply.usage.completion_tokens < MAX_TOKENS


async def test_a_cut_off_reply_is_an_llm_error(llama_server: LlamaServer) -> None:
    """llama.cpp's ``finish_reason="length"`` reaches the provider: valid-looking JSON that
    was cut off is never returned; after one repair request, ``LLMError``."""
    async with OpenAILLM(
        model=llama_server.model,
        base_url=llama_server.base_url,
        api_key="none",
        max_tokens=4,
        timeout=TIMEOUT,
        max_retries=0,
    ) as llm:
        with pytest.raises(LLMError, match="cut off") as caught:
            await llm.structured(manager_messages("(none)", "user: I love tea."), MemoryOperations)
        assert llm.structured_mode == "json_schema"
    assert "max_tokens" in str(caught.value)


# --- the engine ----------------------------------------------------------------------------------


def scope_of(item: dict[str, Any]) -> dict[str, Any]:
    return {key: item[key] for key in SCOPE_KEYS if item.get(key) is not None}


def everything(memory: Memory, user_id: str) -> list[dict[str, Any]]:
    items = memory.get_all(user_id=user_id, include_expired=True, limit=1000)["results"]
    return [dict(item) for item in items]


def snapshot(memory: Memory, user_id: str) -> list[tuple[dict[str, Any], list[Any]]]:
    """A user's memories (current or not) and each one's history."""
    return [(item, list(memory.history(item["id"]))) for item in everything(memory, user_id)]


def fact(user_id: str, text: str) -> Any:
    return new_record(Scope(user_id=user_id), "fact", text, stamp=time.time())


def seed(memory: Memory) -> tuple[list[tuple[dict[str, Any], list[Any]]], str]:
    """Bob's memories (another user: must never change) and one fact of Alice's, which the
    LLM is shown as a candidate (it may UPDATE, DELETE or repeat it). Only ``fact`` records
    are candidates: messages stored verbatim are not, so the fact is imported."""
    memory.add("Bob plays chess every Sunday.", user_id="bob", infer=False)
    paris = fact("alice", "Alice lives in Paris.")
    assert memory.import_records([fact("bob", "Bob lives in Lisbon."), paris]) == 2
    return snapshot(memory, "bob"), paris.id


def check_alice_scope(memory: Memory) -> list[dict[str, Any]]:
    items = everything(memory, "alice")
    for item in items:
        assert scope_of(item) == {"user_id": "alice"}, item
    return items


def check_applied(memory: Memory, result: dict[str, Any], before: set[str]) -> None:
    """Every event names a stored memory of Alice's in the state its event says, and every
    change to Alice's memories is one of the events: nothing is written silently."""
    usage = result["usage"]
    assert usage["llm_calls"] >= 1, usage
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0, usage
    assert all(isinstance(why, str) and why for why in result.get("rejected", [])), result
    created: set[str] = set()
    closed: set[str] = set()
    for event in result["results"]:
        got = memory.get(event["id"])
        assert got is not None, f"{event} is not stored"
        item = dict(got)
        assert scope_of(item) == {"user_id": "alice"}, (event, item)
        kind = event["event"]
        if kind in ("ADD", "UPDATE"):
            assert item["expired_at"] is None and item["memory"] == event["memory"], (event, item)
            assert event["id"] not in before, event
            created.add(event["id"])
        if kind == "UPDATE":
            assert event["previous_id"] in before, event
            old = dict(memory.get(event["previous_id"]))
            assert old["expired_at"] is not None, (event, old)
            assert item.get("supersedes") == event["previous_id"], (event, item)
            closed.add(event["previous_id"])
        if kind == "DELETE":
            assert event["id"] in before and item["expired_at"] is not None, (event, item)
            closed.add(event["id"])
        if kind == "NONE":
            assert event["id"] in before | created, event
    ids = [event["id"] for event in result["results"]]
    assert len(ids) == len(set(ids)), f"a memory in two events: {result['results']}"
    for memory_id in created:  # written once, with one history row
        assert [row["event"] for row in memory.history(memory_id)] == ["ADD"], memory_id
    for memory_id in closed:
        assert memory.history(memory_id)[-1]["event"] in ("UPDATE", "DELETE"), memory_id
    after = everything(memory, "alice")
    assert {i["id"] for i in after} == before | created, (result, after)
    expired = {i["id"] for i in after if i["expired_at"] is not None}
    assert expired == closed, (result, after)


def add_applied_or_rejected(memory: Memory, messages: list[dict[str, str]]) -> None:
    """Seed, add for Alice, and check the outcome, whatever it is: applied (a result) or
    rejected as a whole (LLMError)."""
    bob_before, paris = seed(memory)
    alice_before = {item["id"] for item in everything(memory, "alice")}
    try:
        result: dict[str, Any] | None = dict(memory.add(messages, user_id="alice"))
    except LLMError:  # rejected as a whole: nothing may have been written
        result = None
    items = check_alice_scope(memory)
    if result is None:
        assert {item["id"] for item in items} == alice_before
        assert dict(memory.get(paris))["expired_at"] is None
    else:
        check_applied(memory, result, alice_before)
    assert snapshot(memory, "bob") == bob_before


def test_inferred_add_is_applied_or_rejected_safely(
    llama_server: LlamaServer, embedder: LocalEmbedder, home: Path
) -> None:
    """The engine's own prompt and a short conversation (on_llm_error="raise")."""
    config = MemoryConfig(home=home, llm=llm_config(llama_server))
    with Memory(config, embedder=embedder) as memory:
        add_applied_or_rejected(memory, CONVERSATION)


def test_inferred_add_with_a_worked_example_prompt(
    llama_server: LlamaServer, embedder: LocalEmbedder, home: Path
) -> None:
    """A custom user prompt (config) with a worked example: the tiny model then finishes its
    reply, so the operations it proposes reach the planner: applied, or rejected one by one
    (an id it was not shown, an UPDATE without text…)."""
    inference = {"prompts": {"memory_manager.user": USER_WITH_EXAMPLE}}
    config = MemoryConfig(home=home, llm=llm_config(llama_server), inference=inference)
    with Memory(config, embedder=embedder) as memory:
        add_applied_or_rejected(memory, [{"role": "user", "content": "I moved to Lisbon."}])


def test_llm_failure_raises_or_stores_verbatim(
    llama_server: LlamaServer, embedder: LocalEmbedder, home: Path
) -> None:
    """``max_tokens=4`` cuts every reply: the LLM fails for certain, on the real server."""
    cut = llm_config(llama_server, max_tokens=4)
    config = MemoryConfig(home=home, llm=cut, inference={"on_llm_error": "raise"})
    with Memory(config, embedder=embedder) as memory:
        bob_before, _ = seed(memory)
        alice_before = everything(memory, "alice")
        with pytest.raises(LLMError, match="cut off"):
            memory.add(CONVERSATION, user_id="alice")
        assert everything(memory, "alice") == alice_before
        assert snapshot(memory, "bob") == bob_before

    config = MemoryConfig(home=home, llm=cut, inference={"on_llm_error": "store_verbatim"})
    with Memory(config, embedder=embedder) as memory:
        result = dict(memory.add(CONVERSATION, user_id="alice"))
        assert result["fallback"]["mode"] == "verbatim", result
        assert "cut off" in result["fallback"]["reason"], result
        stored = {event["memory"] for event in result["results"]}
        assert stored == {message["content"] for message in CONVERSATION}, result
        for event in result["results"]:
            assert event["event"] == "ADD", event
            item = dict(memory.get(event["id"]))
            assert scope_of(item) == {"user_id": "alice"} and item["expired_at"] is None, item
        check_alice_scope(memory)
        assert snapshot(memory, "bob") == bob_before
