"""LlamaIndex's chat engines and agents over the engine, with LlamaIndex's own mock LLMs (no
network): a fact told in one session is in front of the model in a later session — through the
whole memory (``MemoryCoreMemory``) and through the block in LlamaIndex's ``Memory``."""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.llms.mock import (
    MockFunctionCallingLLMWithChatMemoryOfLastCall,
    MockLLMWithChatMemoryOfLastCall,
)
from llama_index.core.memory import Memory as LlamaMemory
from llama_index.core.storage.chat_store.base_db import MessageStatus
from memory_core_llamaindex import MemoryBlock, MemoryCoreMemory

from memory_core import Memory

FACT = "My sister Clara lives in Porto and works as a marine biologist."
QUESTION = "Where does my sister live?"
FILLER = ["I bought a new kettle today.", "The train was late again.", "Let's plan a picnic."]


def _system_text(messages: Sequence[ChatMessage] | None) -> str:
    return "\n".join(m.content or "" for m in messages or [] if m.role == MessageRole.SYSTEM)


def _engine(memory: MemoryCoreMemory, llm: MockLLMWithChatMemoryOfLastCall) -> SimpleChatEngine:
    return SimpleChatEngine.from_defaults(llm=llm, memory=memory)


def test_chat_engine_with_whole_memory_recalls_a_fact_in_a_later_session(
    engine_memory: Memory,
) -> None:
    llm = MockLLMWithChatMemoryOfLastCall(max_tokens=3)
    first = MemoryCoreMemory(memory=engine_memory, user_id="alice", session_id="monday")
    _engine(first, llm).chat(FACT)
    _engine(first, llm).chat(FILLER[0])
    assert _system_text(llm.last_chat_messages) == ""  # the session's own words are history
    assert first.flush(timeout=60)

    later = MemoryCoreMemory(memory=engine_memory, user_id="alice", session_id="friday")
    _engine(later, llm).chat(QUESTION)
    assert "Clara lives in Porto" in _system_text(llm.last_chat_messages)
    assert [m.content for m in later.get_all()] == [QUESTION, "text text text"]
    other_user = MemoryCoreMemory(memory=engine_memory, user_id="bob", session_id="friday-bob")
    _engine(other_user, llm).chat(QUESTION)
    assert _system_text(llm.last_chat_messages) == ""
    for memory in (first, later, other_user):
        memory.close()


def test_chat_engine_with_the_block_recalls_a_fact_flushed_from_short_term(
    engine_memory: Memory,
) -> None:
    llm = MockLLMWithChatMemoryOfLastCall(max_tokens=3)
    block = MemoryBlock(memory=engine_memory, user_id="alice")

    def session(session_id: str) -> SimpleChatEngine:
        memory = LlamaMemory.from_defaults(
            session_id=session_id, token_limit=120, token_flush_size=20,
            chat_history_token_ratio=0.5, memory_blocks=[block],
        )  # fmt: skip
        return SimpleChatEngine.from_defaults(llm=llm, memory=memory)

    monday = session("monday")
    for text in [FACT, *FILLER * 2]:
        monday.chat(text)
    friday = session("friday")
    friday.chat(QUESTION)
    seen = _system_text(llm.last_chat_messages)
    assert "<long_term_memory>" in seen and "Clara lives in Porto" in seen


async def test_function_agent_with_whole_memory_recalls_a_fact_in_a_later_session(
    engine_memory: Memory,
) -> None:
    llm = MockFunctionCallingLLMWithChatMemoryOfLastCall()
    agent = FunctionAgent(llm=llm, tools=[], system_prompt="You are helpful.")
    first = MemoryCoreMemory(
        memory=engine_memory, user_id="alice", session_id="a1", formation="inline"
    )
    await agent.run(user_msg=FACT, memory=first)
    later = MemoryCoreMemory(
        memory=engine_memory, user_id="alice", session_id="a2", formation="inline"
    )
    await agent.run(user_msg=QUESTION, memory=later)
    assert "Clara lives in Porto" in _system_text(llm.last_chat_messages)
    assert [m.role for m in await later.aget_all()] == [MessageRole.USER, MessageRole.ASSISTANT]


async def test_function_agent_with_the_block_recalls_a_fact_in_a_later_session(
    engine_memory: Memory,
) -> None:
    llm = MockFunctionCallingLLMWithChatMemoryOfLastCall()
    agent = FunctionAgent(llm=llm, tools=[], system_prompt="You are helpful.")
    block = MemoryBlock(memory=engine_memory, user_id="alice", infer=False)

    def session(session_id: str) -> LlamaMemory:
        return LlamaMemory.from_defaults(
            session_id=session_id, token_limit=100, token_flush_size=20,
            chat_history_token_ratio=0.4, memory_blocks=[block],
        )  # fmt: skip

    monday = session("monday")
    for text in [FACT, *FILLER]:
        await agent.run(user_msg=text, memory=monday)
    assert await monday.aget_all(status=MessageStatus.ARCHIVED)  # some were flushed to the block
    await agent.run(user_msg=QUESTION, memory=session("friday"))
    assert "Clara lives in Porto" in _system_text(llm.last_chat_messages)
