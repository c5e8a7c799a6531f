"""The block inside LlamaIndex's ``Memory``: what a small token limit flushes reaches the engine
in the session's run scope, recall renders the engine's ranking, truncation keeps the best."""

from __future__ import annotations

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.memory import Memory as LlamaMemory
from llama_index.core.storage.chat_store.base_db import MessageStatus
from llama_index.core.utils import get_tokenizer
from memory_core_llamaindex import MemoryBlock

from memory_core import Memory

TURNS = [
    ("user", "I am training for the Lisbon marathon in April."),
    ("assistant", "Great goal, how many kilometres a week?"),
    ("user", "About forty kilometres, mostly along the river."),
    ("assistant", "Keep the long runs slow."),
    ("user", "My left knee hurts after hills."),
    ("assistant", "Rest it and see a physio."),
]
FACTS = [
    "Alice is allergic to peanuts",
    "Alice's favourite food is grilled sardines",
    "Alice eats no red meat",
    "Alice drinks green tea every morning",
    "Alice plays the cello",
]


def _put_turns(memory: LlamaMemory) -> None:
    for role, text in TURNS:
        memory.put(ChatMessage(role=role, content=text))


def test_messages_flushed_under_a_small_token_limit_go_to_the_session_scope(
    engine_memory: Memory,
) -> None:
    block = MemoryBlock(memory=engine_memory, user_id="alice", infer=False)
    memory = LlamaMemory.from_defaults(
        session_id="s1", token_limit=60, token_flush_size=15, memory_blocks=[block]
    )
    _put_turns(memory)
    archived = [m.content for m in memory.get_all(status=MessageStatus.ARCHIVED)]
    active = [m.content for m in memory.get_all(status=MessageStatus.ACTIVE)]
    assert archived and active
    stored = engine_memory.get_all(user_id="alice", run_id="s1")["results"]
    assert sorted(item["memory"] for item in stored) == sorted(archived)
    assert not engine_memory.get_all(user_id="alice", run_id="other")["results"]


async def test_nothing_relevant_gives_an_empty_block_and_extra_keywords_are_accepted(
    engine_memory: Memory,
) -> None:
    block = MemoryBlock(memory=engine_memory, user_id="nobody-yet")
    question = [ChatMessage(role="user", content="What do I like to eat?")]
    assert block.model_dump()["name"] == "long_term_memory"
    assert await block.aget(question, session_id="s9", initial_token_count=12) == ""
    memory = LlamaMemory.from_defaults(session_id="s9", memory_blocks=[block])
    await memory.aput(question[0])
    assert [m.role for m in await memory.aget()] == ["user"]  # no empty <memory> system message


async def test_truncation_drops_the_lowest_ranked_memories_first(engine_memory: Memory) -> None:
    for fact in FACTS:
        engine_memory.add(fact, user_id="alice", infer=False)
    block = MemoryBlock(memory=engine_memory, user_id="alice", top_k=5)
    question = [ChatMessage(role="user", content="What food is Alice allergic to, peanuts?")]
    content = await block.aget(question)
    ranked = [line for line in content.splitlines() if line.startswith("- ")]
    assert len(ranked) == len(FACTS) and "peanuts" in ranked[0]

    tokens = len(get_tokenizer()(content))
    shorter = await block.atruncate(content, tokens // 3)
    assert shorter is not None
    kept = [line for line in shorter.splitlines() if line.startswith("- ")]
    assert 0 < len(kept) < len(ranked)
    assert kept == ranked[: len(kept)]  # the best stay, in order
    assert len(get_tokenizer()(shorter)) <= tokens - tokens // 3
    assert await block.atruncate(content, tokens * 2) is None
    assert await block.atruncate("text the block never rendered", 1) is None


async def test_memory_under_token_pressure_keeps_the_block_s_best_memory(
    engine_memory: Memory,
) -> None:
    for fact in FACTS:
        engine_memory.add(fact, user_id="alice", infer=False)
    block = MemoryBlock(memory=engine_memory, user_id="alice", top_k=5)
    question = "What food is Alice allergic to, peanuts?"
    roomy = LlamaMemory.from_defaults(session_id="roomy", memory_blocks=[block])
    await roomy.aput(ChatMessage(role="user", content=question))
    full = (await roomy.aget())[0].content or ""
    tight = LlamaMemory.from_defaults(
        session_id="tight", token_limit=len(get_tokenizer()(full)) - 10, memory_blocks=[block]
    )
    await tight.aput(ChatMessage(role="user", content=question))
    shown = (await tight.aget())[0].content or ""
    assert "peanuts" in shown and shown.count("\n- ") < full.count("\n- ")
