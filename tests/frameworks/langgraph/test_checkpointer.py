"""MemoryCheckpointer: memories and a procedure after flush(), failures never reach the graph,
and every checkpoint operation answers as the wrapped saver does."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from memory_core_langgraph import MemoryCheckpointer, MemoryStore

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder


class Chat(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def _reply(state: Chat) -> Chat:
    last = state["messages"][-1].content
    return {"messages": [AIMessage(f"Noted: {last}")]}


def _check(state: Chat) -> Chat:
    return {"messages": []}


def _graph(saver: BaseCheckpointSaver[Any]) -> Any:
    builder = StateGraph(Chat)
    builder.add_node("reply", _reply)
    builder.add_node("check", _check)
    builder.add_edge(START, "reply")
    builder.add_edge("reply", "check")
    return builder.compile(checkpointer=saver)


def _config(thread: str, user: str = "erin") -> RunnableConfig:
    return {"configurable": {"thread_id": thread, "user_id": user}}


@pytest.fixture(params=["memory", "sqlite"])
def inner(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseCheckpointSaver[Any]]:
    if request.param == "memory":
        yield InMemorySaver()
        return
    conn = sqlite3.connect(tmp_path / "checkpoints.db", check_same_thread=False)
    try:
        yield SqliteSaver(conn)
    finally:
        conn.close()


def test_memories_and_a_procedure_appear_after_flush(
    engine_memory: Memory, inner: BaseCheckpointSaver[Any]
) -> None:
    saver = MemoryCheckpointer(inner, engine_memory, agent_id="notes-bot")
    graph = _graph(saver)
    graph.invoke({"messages": [HumanMessage("I live in Porto")]}, _config("t1"))
    graph.invoke({"messages": [HumanMessage("My cat is Miso")]}, _config("t1"))
    assert saver.flush(timeout=60)
    texts = sorted(m["memory"] for m in engine_memory.get_all(user_id="erin")["results"]
                   if m["kind"] == "message")  # fmt: skip
    assert texts == ["I live in Porto", "My cat is Miso", "Noted: I live in Porto",
                     "Noted: My cat is Miso"]  # fmt: skip
    found = engine_memory.search("Where does Erin live?", user_id="erin")["results"]
    assert found[0]["source"] == {"framework": "langgraph", "thread_id": "t1",
                                  "conversation_id": "t1"}  # fmt: skip
    procedures = engine_memory.procedures("notes-bot", user_id="erin")["results"]
    assert {p["procedure"]["task"] for p in procedures} == {"I live in Porto", "My cat is Miso"}
    saver.close()


def test_a_failing_engine_never_breaks_the_graph(
    fast_tmp: Path, embedder: LocalEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Memory(MemoryConfig(home=fast_tmp / "broken"), embedder=embedder)
    broken.engine._closed = True  # every engine call now raises ClosedError
    saver = MemoryCheckpointer(InMemorySaver(), broken, retries=3)
    graph = _graph(saver)
    with caplog.at_level(logging.WARNING, logger="memory_core"):
        out = graph.invoke({"messages": [HumanMessage("hello")]}, _config("t2"))
        assert saver.flush(timeout=60)
    assert out["messages"][-1].content == "Noted: hello"
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    gave_up = [r for r in caplog.records if "gave up" in r.getMessage()]
    assert (len(retries), len(gave_up)) == (2, 1)
    saver.close()
    broken.engine._closed = False
    broken.close()


def test_checkpoint_operations_answer_like_the_wrapped_saver(
    engine_memory: Memory, inner: BaseCheckpointSaver[Any]
) -> None:
    saver = MemoryCheckpointer(inner, engine_memory)
    graph = _graph(saver)
    config = _config("t3")
    for text in ("one", "two"):
        graph.invoke({"messages": [HumanMessage(text)]}, config)
    wrapped, direct = list(saver.list(config)), list(inner.list(config))
    assert [t.config for t in wrapped] == [t.config for t in direct] and len(wrapped) == 8
    assert [t.metadata for t in wrapped] == [t.metadata for t in direct]
    assert saver.get_tuple(config) == inner.get_tuple(config)
    assert list(saver.list(config, limit=2)) == list(inner.list(config, limit=2))
    assert list(saver.list(config, filter={"step": 1})) == list(
        inner.list(config, filter={"step": 1})
    )
    before = wrapped[2].config
    assert list(saver.list(config, before=before)) == list(inner.list(config, before=before))
    # Versions carry a random tie-breaker after the counter; the counter must agree.
    assert (
        str(saver.get_next_version(None, None)).split(".")[0]
        == str(inner.get_next_version(None, None)).split(".")[0]
    )
    history = {"config": config, "channels": ["messages"]}
    assert saver.get_delta_channel_history(**history) == inner.get_delta_channel_history(**history)  # type: ignore[arg-type]
    saver.delete_thread("t3")
    assert saver.get_tuple(config) is None and inner.get_tuple(config) is None
    assert saver.flush(timeout=60)
    saver.close()


async def test_async_runs_form_memories_through_a_store(engine_memory: Memory) -> None:
    store = MemoryStore(engine_memory)
    saver = MemoryCheckpointer(InMemorySaver(), store)
    graph = _graph(saver)
    await graph.ainvoke({"messages": [HumanMessage("I prefer trains")]}, _config("t4", "finn"))
    assert await saver.aflush()
    hits = await store.asearch(("memories", "finn"), query="trains", limit=1)
    assert [i.value["content"] for i in hits] == ["I prefer trains"]
    assert (await saver.aget_tuple(_config("t4"))) is not None
    saver.close()


def test_deleting_a_thread_can_forget_its_run_scoped_memories(engine_memory: Memory) -> None:
    saver = MemoryCheckpointer(InMemorySaver(), engine_memory, forget_threads=True)
    engine_memory.add("scratch for t5", run_id="t5")
    engine_memory.add("scratch for t6", run_id="t6")
    _graph(saver).invoke({"messages": [HumanMessage("hi")]}, _config("t5"))
    saver.delete_thread("t5")
    assert saver.get_tuple(_config("t5")) is None
    assert engine_memory.get_all(run_id="t5")["results"] == []
    assert len(engine_memory.get_all(run_id="t6")["results"]) == 1
    saver.close()
