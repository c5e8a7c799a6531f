"""MemoryRetriever: LangChain's standard retriever suite over a Memory and an AsyncMemory, the
documents it returns, and the retriever inside an LCEL chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_tests.integration_tests import RetrieversIntegrationTests
from memory_core_langchain import MemoryRetriever
from memory_core_langchain.testing import ScriptedChatModel

from memory_core import AsyncMemory, Memory, MemoryConfig, Scope
from memory_core.embeddings import LocalEmbedder
from memory_core.sync import LoopThread

FACTS = [
    "Alice is vegetarian",
    "Alice plays the violin",
    "Alice lives in Lisbon",
    "Alice works as a nurse",
    "Alice has a cat named Miso",
]


class TestRetrieverOverMemory(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _alice(self, memory: Memory) -> None:
        self.engine = memory
        for fact in FACTS:
            memory.add(fact, user_id="alice", infer=False)
        memory.add("Bob is a carpenter", user_id="bob", infer=False)

    @property
    def retriever_constructor(self) -> type[MemoryRetriever]:
        return MemoryRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"memory": self.engine, "user_id": "alice"}

    @property
    def retriever_query_example(self) -> str:
        return "What does Alice do?"


class TestRetrieverOverAsyncMemory(RetrieversIntegrationTests):
    """An AsyncMemory living on an async application's loop (here a loop thread): the suite's
    sync calls and its async ones (from pytest's own loop) both reach it there."""

    @pytest.fixture(autouse=True)
    def _alice(self, fast_tmp: Path, embedder: LocalEmbedder) -> Iterator[None]:
        app_loop = LoopThread()
        self.engine = AsyncMemory(MemoryConfig(home=fast_tmp / "ahome"), embedder=embedder)
        for fact in FACTS:
            app_loop.run(self.engine.add(fact, user_id="alice", infer=False))
        yield
        app_loop.run(self.engine.close())
        app_loop.stop()

    @property
    def retriever_constructor(self) -> type[MemoryRetriever]:
        return MemoryRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"memory": self.engine, "scope": Scope(user_id="alice")}

    @property
    def retriever_query_example(self) -> str:
        return "What does Alice do?"


def test_documents_carry_the_memory_and_its_metadata(memory: Memory) -> None:
    for fact in FACTS:
        memory.add(fact, user_id="alice", infer=False)
    memory.add("Bob is vegetarian", user_id="bob", infer=False)
    docs = MemoryRetriever(memory=memory, user_id="alice", k=10).invoke("vegetarian")
    assert len(docs) == len(FACTS)  # every one of alice's, none of bob's
    assert docs[0].page_content == "Alice is vegetarian"
    top = docs[0].metadata
    assert top["id"] == docs[0].id and memory.get(top["id"]) is not None
    assert top["scope"] == {"user_id": "alice"}
    assert top["score"] >= docs[1].metadata["score"]
    assert top["created_at"] and top["valid_until"] is None and top["expired_at"] is None


def test_per_call_k_and_exactly_k(memory: Memory) -> None:
    for fact in FACTS:
        memory.add(fact, user_id="alice", infer=False)
    retriever = MemoryRetriever(memory=memory, user_id="alice", k=4)
    assert len(retriever.invoke("Alice")) == 4
    assert len(retriever.invoke("Alice", k=2)) == 2
    assert len(retriever.invoke("Alice", k=50)) == len(FACTS)


def test_filters_and_threshold_narrow_the_results(memory: Memory) -> None:
    memory.add("Alice is vegetarian", user_id="alice", infer=False, metadata={"topic": "food"})
    memory.add("Alice plays the violin", user_id="alice", infer=False, metadata={"topic": "music"})
    food = MemoryRetriever(memory=memory, user_id="alice", filters={"topic": "food"})
    assert [d.page_content for d in food.invoke("hobbies")] == ["Alice is vegetarian"]
    strict = MemoryRetriever(memory=memory, user_id="alice", threshold=1e9)
    assert strict.invoke("violin") == []


async def test_async_retrieval_over_a_sync_engine(memory: Memory) -> None:
    memory.add("Alice plays the violin", user_id="alice", infer=False)
    docs = await MemoryRetriever(memory=memory, user_id="alice").ainvoke("music")
    assert [d.page_content for d in docs] == ["Alice plays the violin"]


def test_retriever_in_an_lcel_chain(memory: Memory) -> None:
    for fact in FACTS:
        memory.add(fact, user_id="alice", infer=False)
    retriever = MemoryRetriever(memory=memory, user_id="alice", k=1)
    model = ScriptedChatModel(script=[lambda prompt: _echo_context(prompt[-1].content)])
    prompt = ChatPromptTemplate.from_messages(
        [("human", "Context:\n{context}\n\nQuestion: {question}")]
    )
    chain = {"context": retriever | _join, "question": RunnablePassthrough()} | prompt | model
    answer = chain.invoke("What is the name of Alice's cat?")
    assert answer.content == "Alice has a cat named Miso"


def _join(docs: list[Document]) -> str:
    return "\n".join(doc.page_content for doc in docs)


def _echo_context(text: Any) -> Any:
    from langchain_core.messages import AIMessage

    context = str(text).split("Context:\n", 1)[1].split("\n\nQuestion", 1)[0]
    return AIMessage(context)


def test_as_of_sees_the_memories_valid_then(memory: Memory) -> None:
    memory.add("Alice lives in Porto", user_id="alice", infer=False, valid_from="2020-01-01")
    memory.add("Alice lives in Lisbon", user_id="alice", infer=False, valid_from="2024-06-01")
    past = MemoryRetriever(memory=memory, user_id="alice", as_of="2021-01-01", k=5)
    assert [d.page_content for d in past.invoke("Where does Alice live?")] == [
        "Alice lives in Porto"
    ]
    now = MemoryRetriever(memory=memory, user_id="alice", k=5)
    assert len(now.invoke("Where does Alice live?")) == 2
