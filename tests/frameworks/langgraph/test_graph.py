"""MemoryStore inside compiled graphs: injection, stamping, forks hiding abandoned branches,
thread deletion, and a create_agent agent using the store through a tool."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langchain.agents import create_agent
from langchain.tools import ToolRuntime, tool
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import START, StateGraph
from langgraph.store.base import BaseStore
from memory_core_langgraph import MemoryStore

from memory_core import Memory


class State(TypedDict, total=False):
    note: str
    seen: list[str]


def _remember(state: State, config: RunnableConfig, *, store: BaseStore) -> State:
    user = config["configurable"]["user_id"]
    store.put(("memories", user), f"note-{state['note']}", {"content": state["note"]})
    store.put(("threads", config["configurable"]["thread_id"]), "scratch", {"n": state["note"]})
    return {}


def _recall(state: State, config: RunnableConfig, *, store: BaseStore) -> State:
    user = config["configurable"]["user_id"]
    return {"seen": sorted(i.value["content"] for i in store.search(("memories", user)))}


def _graph(store: MemoryStore, saver: BaseCheckpointSaver[Any]) -> Any:
    builder = StateGraph(State)
    builder.add_node("remember", _remember)
    builder.add_node("recall", _recall)
    builder.add_edge(START, "remember")
    builder.add_edge("remember", "recall")
    return builder.compile(checkpointer=saver, store=store)


@pytest.fixture(params=["memory", "sqlite"])
def saver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseCheckpointSaver[Any]]:
    if request.param == "memory":
        yield InMemorySaver()
        return
    conn = sqlite3.connect(tmp_path / "checkpoints.db", check_same_thread=False)
    try:
        yield SqliteSaver(conn)
    finally:
        conn.close()


def _config(thread: str, user: str = "u1") -> RunnableConfig:
    return {"configurable": {"thread_id": thread, "user_id": user}}


def _as_user(config: RunnableConfig, user: str = "u1") -> RunnableConfig:
    return {**config, "configurable": {**config["configurable"], "user_id": user}}


def test_node_writes_are_stamped_with_thread_and_checkpoint(
    store: MemoryStore, saver: BaseCheckpointSaver[Any], engine_memory: Memory
) -> None:
    graph = _graph(store, saver)
    assert graph.invoke({"note": "likes tea"}, _config("t1"))["seen"] == ["likes tea"]
    [record] = engine_memory.records.get(
        [engine_memory.records.keyed_id("memories", "u1", "note-likes tea")]
    )
    stamp = record.source
    history = {t.config["configurable"]["checkpoint_id"]: t for t in saver.list(_config("t1"))}
    ran_from = history[stamp["checkpoint_id"]]
    assert stamp["thread_id"] == "t1" and stamp["checkpoint_ns"].startswith("remember:")
    assert ran_from.metadata["step"] == 0 and ran_from.checkpoint["channel_values"]["note"]
    found = engine_memory.search("tea", user_id="u1")["results"]
    assert found[0]["source"]["thread_id"] == "t1"


def test_a_fork_hides_what_the_abandoned_branch_wrote(
    store: MemoryStore, saver: BaseCheckpointSaver[Any]
) -> None:
    graph = _graph(store, saver)
    config = _config("t2")
    assert graph.invoke({"note": "A"}, config)["seen"] == ["A"]
    [before] = [s for s in graph.get_state_history(config) if s.next == ("remember",)]
    forked = graph.update_state(before.config, {"note": "B"})
    # A was written on the branch the fork abandoned.
    assert graph.invoke(None, _as_user(forked))["seen"] == ["B"]
    assert graph.get_state(config).values["note"] == "B"
    # Outside a run nothing is hidden: both writes are still stored.
    assert sorted(i.value["content"] for i in store.search(("memories", "u1"))) == ["A", "B"]
    # A new run continuing the thread stays on the fork's lineage.
    assert graph.invoke({"note": "C"}, config)["seen"] == ["B", "C"]


def test_replaying_an_earlier_checkpoint_keeps_its_own_writes(
    store: MemoryStore, saver: BaseCheckpointSaver[Any]
) -> None:
    graph = _graph(store, saver)
    config = _config("t3")
    graph.invoke({"note": "A"}, config)
    [before] = [s for s in graph.get_state_history(config) if s.next == ("remember",)]
    assert graph.invoke(None, _as_user(before.config))["seen"] == ["A"]


def test_deleting_a_thread_erases_its_run_scoped_items(
    store: MemoryStore, saver: BaseCheckpointSaver[Any], engine_memory: Memory
) -> None:
    graph = _graph(store, saver)
    graph.invoke({"note": "kept"}, _config("t4"))
    graph.invoke({"note": "other"}, _config("t5"))
    assert store.get(("threads", "t4"), "scratch") is not None
    saver.delete_thread("t4")
    assert store.delete_thread("t4") == 1
    assert store.get(("threads", "t4"), "scratch") is None
    assert store.get(("threads", "t5"), "scratch") is not None
    assert {i.value["content"] for i in store.search(("memories", "u1"))} == {"kept", "other"}
    assert engine_memory.get_all(run_id="t4")["results"] == []


class ScriptedChatModel(GenericFakeChatModel):
    """LangChain's scripted chat model, accepting tools (the model is a protocol boundary)."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self


def _call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


@tool
def save_memory(fact: str, runtime: ToolRuntime) -> str:
    """Remember a fact about the user."""
    assert runtime.store is not None
    user = runtime.config["configurable"]["user_id"]
    runtime.store.put(("memories", user), fact[:20].replace(".", ""), {"content": fact})
    return "saved"


@tool
def recall_memories(query: str, runtime: ToolRuntime) -> str:
    """Search what is known about the user."""
    assert runtime.store is not None
    user = runtime.config["configurable"]["user_id"]
    return "; ".join(
        i.value["content"] for i in runtime.store.search(("memories", user), query=query)
    )


def test_create_agent_remembers_across_threads(store: MemoryStore, engine_memory: Memory) -> None:
    model = ScriptedChatModel(messages=iter([
        _call("save_memory", {"fact": "The user is allergic to peanuts"}, "c1"),
        AIMessage(content="Noted."),
        _call("recall_memories", {"query": "food allergies"}, "c2"),
        AIMessage(content="You are allergic to peanuts."),
    ]))  # fmt: skip
    agent = create_agent(model, [save_memory, recall_memories], checkpointer=InMemorySaver(),
                         store=store)  # fmt: skip
    agent.invoke({"messages": [HumanMessage("I'm allergic to peanuts")]}, _config("a1", "dana"))
    out = agent.invoke(
        {"messages": [HumanMessage("What am I allergic to?")]}, _config("a2", "dana")
    )
    tool_answer = [m for m in out["messages"] if m.type == "tool"][-1]
    assert tool_answer.content == "The user is allergic to peanuts"
    hits = engine_memory.search("peanuts", user_id="dana")["results"]
    assert hits[0]["memory"] == "The user is allergic to peanuts"
    assert hits[0]["source"]["thread_id"] == "a1"
