"""One store, four frameworks: what one framework's native object writes for alice (a
LangChain tool, a LlamaIndex ``put``, a CrewAI ``remember``, a LangGraph ``put``), every other
framework's native object finds — and nothing of alice's reaches bob through any of them."""

from __future__ import annotations

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from memory_core_crewai import EngineMemory
from memory_core_langchain import AddMemoryTool
from memory_core_langgraph import MemoryStore
from memory_core_llamaindex import MemoryCoreMemory

from memory_core import Memory

from .peers import crewai_tool_shows, langchain_retriever_finds


def _llamaindex_recall(engine: Memory, user: str, question: str) -> str:
    memory = MemoryCoreMemory(memory=engine, user_id=user, session_id=f"{user}-later")
    try:
        shown = memory.get(question)
        return "\n".join(m.content or "" for m in shown if m.role == MessageRole.SYSTEM)
    finally:
        memory.close()


def _langgraph_recall(engine: Memory, user: str, question: str) -> list[str]:
    store = MemoryStore(engine)
    found = store.search(("memories", user), query=question, limit=10)
    return [str(item.value) for item in found]


def test_a_fact_a_langchain_tool_stores_is_recalled_by_every_framework(engine: Memory) -> None:
    fact = "Alice's favourite city is Lisbon"
    AddMemoryTool(memory=engine, user_id="alice").invoke({"text": fact})
    question = "Which city does Alice like best?"

    assert fact in _llamaindex_recall(engine, "alice", question)  # a LlamaIndex chat memory
    assert any(fact in value for value in _langgraph_recall(engine, "alice", question))
    assert fact in crewai_tool_shows(engine, question, user_id="alice")  # a CrewAI agent's tool
    # ...and for bob, through every one of them, nothing of alice's.
    assert fact not in _llamaindex_recall(engine, "bob", question)
    assert not any(fact in value for value in _langgraph_recall(engine, "bob", question))
    assert fact not in crewai_tool_shows(engine, question, user_id="bob")
    assert not any(fact in text for text in langchain_retriever_finds(engine, "bob", question))


def test_what_each_framework_writes_the_others_find(engine: Memory) -> None:
    llama = MemoryCoreMemory(memory=engine, user_id="alice", session_id="monday")
    llama.put(ChatMessage(role=MessageRole.USER, content="My sister Clara lives in Porto"))
    assert llama.flush(timeout=60)
    llama.close()
    crew = EngineMemory(memory=engine, user_id="alice")
    crew.remember("Alice's team ships on Thursdays")
    crew.drain_writes()
    MemoryStore(engine).put(("memories", "alice"), "pet", {"content": "Alice has a cat, Miso"})

    found = {
        "llamaindex": "My sister Clara lives in Porto",
        "crewai": "Alice's team ships on Thursdays",
        "langgraph": "Alice has a cat, Miso",
    }
    for writer, fact in found.items():
        found_by_langchain = langchain_retriever_finds(engine, "alice", fact)
        assert any(fact in text for text in found_by_langchain), writer
        assert fact in crewai_tool_shows(engine, fact, user_id="alice"), writer
        assert fact in _llamaindex_recall(engine, "alice", fact), writer
        assert any(fact in value for value in _langgraph_recall(engine, "alice", fact)), writer
        assert engine.search(fact, user_id="alice")["results"], writer
        assert not engine.search(fact, user_id="bob")["results"], writer
