"""One store, four frameworks: what one framework's native object writes for alice, every other
framework's native object finds — and nothing of alice's reaches bob through any of them.

Run twice: on the embedded defaults (qdrant-edge, SQLite graph) and on the server-style
backends (qdrant-client, and the Bolt graph store against a real FalkorDB server)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# CrewAI offline before it is imported: no telemetry, tracing or version check.
os.environ.update({
    "CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_DISABLE_TRACKING": "true",
    "OTEL_SDK_DISABLED": "true", "CREWAI_TRACING_ENABLED": "false",
    "CREWAI_DISABLE_VERSION_CHECK": "true",
    "CREWAI_STORAGE_DIR": tempfile.mkdtemp(prefix="crewai-storage-"),
})  # fmt: skip

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from memory_core_crewai import EngineMemory
from memory_core_crewai import SearchMemoryTool as CrewSearchTool
from memory_core_langchain import AddMemoryTool, MemoryRetriever
from memory_core_langgraph import MemoryStore
from memory_core_llamaindex import MemoryCoreMemory

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.testing.falkordb import FalkorDBServer


@pytest.fixture(params=["embedded", "server"])
def engine(
    request: pytest.FixtureRequest, fast_tmp: Path, embedder: LocalEmbedder
) -> Iterator[Memory]:
    config: dict[str, Any] = {"home": fast_tmp / "home"}
    if request.param == "server":
        falkordb: FalkorDBServer = request.getfixturevalue("falkordb")
        if not falkordb.running:
            falkordb.start()
        config["vector_store"] = {"provider": "qdrant", "path": fast_tmp / "qdrant"}
        config["graph_store"] = {"provider": "neo4j", "url": falkordb.url, "timeout": 5}
    with Memory(MemoryConfig(**config), embedder=embedder) as memory:
        if request.param == "server":
            memory.reset(everything=True)  # the graph server is shared by the tests
        yield memory


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


def _crewai_recall(engine: Memory, user: str, question: str) -> str:
    return str(CrewSearchTool(memory=engine, user_id=user).run(query=question))


def _langchain_recall(engine: Memory, user: str, question: str) -> list[str]:
    retriever = MemoryRetriever(memory=engine, user_id=user, k=10)
    return [doc.page_content for doc in retriever.invoke(question)]


def test_a_fact_a_langchain_tool_stores_is_recalled_by_every_framework(engine: Memory) -> None:
    fact = "Alice's favourite city is Lisbon"
    AddMemoryTool(memory=engine, user_id="alice").invoke({"text": fact})
    question = "Which city does Alice like best?"

    assert fact in _llamaindex_recall(engine, "alice", question)  # a LlamaIndex chat memory
    assert any(fact in value for value in _langgraph_recall(engine, "alice", question))
    assert fact in _crewai_recall(engine, "alice", question)  # a CrewAI agent's tool
    # ...and for bob, through every one of them, nothing of alice's.
    assert fact not in _llamaindex_recall(engine, "bob", question)
    assert not any(fact in value for value in _langgraph_recall(engine, "bob", question))
    assert fact not in _crewai_recall(engine, "bob", question)
    assert fact not in _langchain_recall(engine, "bob", question)


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
        assert any(fact in text for text in _langchain_recall(engine, "alice", fact)), writer
        assert fact in _crewai_recall(engine, "alice", fact), writer
        assert any(fact in value for value in _langgraph_recall(engine, "alice", fact)), writer
        assert engine.search(fact, user_id="alice")["results"], writer
        assert not engine.search(fact, user_id="bob")["results"], writer
