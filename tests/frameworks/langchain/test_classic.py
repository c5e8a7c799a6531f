"""MemoryCoreMemory (langchain-classic's BaseMemory) alone and inside a classic chain."""

from __future__ import annotations

import warnings

import pytest
from langchain_core.messages import AIMessage, SystemMessage
from memory_core_langchain import MemoryCoreMemory
from memory_core_langchain.testing import ScriptedChatModel

from memory_core import AsyncMemory, Memory
from memory_core.errors import InvalidInputError


def test_in_a_conversation_chain_across_sessions(memory: Memory) -> None:
    from langchain_classic.chains import ConversationChain

    model = ScriptedChatModel(script=[AIMessage("Noted!"), AIMessage("You are vegetarian.")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ConversationChain is deprecated
        first = ConversationChain(llm=model, memory=MemoryCoreMemory(memory=memory, user_id="al"))
        first.invoke({"input": "I am vegetarian."})
        later = ConversationChain(llm=model, memory=MemoryCoreMemory(memory=memory, user_id="al"))
        later.invoke({"input": "What do I eat?"})
    prompt = model.prompts[1][0].text
    assert "I am vegetarian." in prompt and "Noted!" in prompt  # the saved exchange, recalled
    assert {m["memory"] for m in memory.get_all(user_id="al")["results"]} == {
        "I am vegetarian.", "Noted!", "What do I eat?", "You are vegetarian.",
    }  # fmt: skip


def test_variables_as_text_or_messages(memory: Memory) -> None:
    memory.add("Alice plays the violin", user_id="alice", infer=False)
    text = MemoryCoreMemory(memory=memory, user_id="alice", memory_key="facts")
    assert text.memory_variables == ["facts"]
    assert "Alice plays the violin" in text.load_memory_variables({"question": "music?"})["facts"]
    messages = MemoryCoreMemory(memory=memory, user_id="alice", return_messages=True)
    [system] = messages.load_memory_variables({"input": "music?"})["history"]
    assert isinstance(system, SystemMessage) and "violin" in system.text
    empty = MemoryCoreMemory(memory=memory, user_id="nobody", return_messages=True)
    assert empty.load_memory_variables({"input": "music?"}) == {"history": []}


def test_clear_erases_the_scope_only_when_allowed(memory: Memory) -> None:
    memory.add("Alice plays the violin", user_id="alice", infer=False)
    memory.add("Bob plays the drums", user_id="bob", infer=False)
    with pytest.raises(InvalidInputError, match="allow_clear=True"):
        MemoryCoreMemory(memory=memory, user_id="alice").clear()
    assert len(memory.get_all(user_id="alice")["results"]) == 1
    MemoryCoreMemory(memory=memory, user_id="alice", allow_clear=True).clear()
    assert memory.get_all(user_id="alice")["results"] == []
    assert len(memory.get_all(user_id="bob")["results"]) == 1


async def test_async_twins_over_an_async_engine(async_memory: AsyncMemory) -> None:
    chain_memory = MemoryCoreMemory(memory=async_memory, user_id="alice", infer=False)
    await chain_memory.asave_context({"input": "I live in Porto"}, {"output": "Nice city!"})
    loaded = await chain_memory.aload_memory_variables({"input": "Where do I live?"})
    assert "I live in Porto" in loaded["history"]
