"""The memory tools inside a create_agent agent: the scope comes from the runtime, never from
the model, and errors reach the model as tool messages."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from memory_core_langchain import (
    AddMemoryTool,
    GetMemoryTool,
    MemoryHistoryTool,
    SearchMemoryTool,
    UpdateMemoryTool,
    memory_tools,
)
from memory_core_langchain.testing import ScriptedChatModel, tool_call

from memory_core import AsyncMemory, Memory
from memory_core.errors import MissingScopeError


@dataclass
class UserContext:
    user_id: str


def _tool_messages(state: dict[str, object]) -> dict[str, ToolMessage]:
    messages = state["messages"]
    assert isinstance(messages, list)
    return {m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)}


def test_a_model_cannot_reach_another_users_memories(memory: Memory) -> None:
    bob_id = memory.add("Bob's door code is 4711", user_id="bob", infer=False)["results"][0]["id"]
    memory.add("Alice likes jazz", user_id="alice", infer=False)
    model = ScriptedChatModel(script=[
        tool_call("search_memory", {"query": "door code", "user_id": "bob"}, "s"),
        tool_call("get_memory", {"memory_id": bob_id}, "g"),
        tool_call("update_memory", {"memory_id": bob_id, "text": "code is 0000"}, "u"),
        tool_call("delete_memory", {"memory_id": bob_id}, "d"),
        tool_call("memory_history", {"memory_id": bob_id}, "h"),
        AIMessage("I could not find that."),
    ])  # fmt: skip
    agent = create_agent(model, memory_tools(memory), context_schema=UserContext)
    state = agent.invoke(
        {"messages": [HumanMessage("What is Bob's door code?")]}, context=UserContext("alice")
    )
    replies = _tool_messages(state)
    assert "4711" not in replies["s"].content  # the invented user_id was dropped
    assert "Alice likes jazz" in replies["s"].content  # alice's scope was searched
    for call in "gudh":
        assert replies[call].status == "error"
        assert "No memory with id" in replies[call].content
    assert state["messages"][-1].content == "I could not find that."  # the agent went on
    kept = memory.get(bob_id)
    assert kept is not None and kept["memory"] == "Bob's door code is 4711"
    assert [e["event"] for e in memory.history(bob_id)] == ["ADD"]


def test_the_scope_comes_from_configurable_when_there_is_no_context(memory: Memory) -> None:
    model = ScriptedChatModel(script=[
        tool_call("add_memory", {"text": "Carol is allergic to nuts"}, "a"),
        AIMessage("Noted."),
    ])  # fmt: skip
    agent = create_agent(model, memory_tools(memory))
    agent.invoke(
        {"messages": [HumanMessage("I'm allergic to nuts")]},
        {"configurable": {"user_id": "carol", "thread_id": "t1"}},
    )
    assert [m["memory"] for m in memory.get_all(user_id="carol")["results"]] == [
        "Carol is allergic to nuts"
    ]
    assert memory.get_all(user_id="alice")["results"] == []


def test_model_facing_schemas_carry_no_scope(memory: Memory) -> None:
    for tool in memory_tools(memory, user_id="alice"):
        schema = tool.tool_call_schema.model_json_schema()  # type: ignore[union-attr]
        assert set(schema["properties"]).isdisjoint({"user_id", "agent_id", "run_id", "runtime"})


def test_errors_the_model_can_fix_come_back_as_tool_messages(memory: Memory) -> None:
    update = UpdateMemoryTool(memory=memory, user_id="alice")
    reply = update.invoke(
        {"type": "tool_call", "id": "1", "name": update.name,
         "args": {"memory_id": "not-an-id", "text": "x"}}
    )  # fmt: skip
    assert isinstance(reply, ToolMessage) and reply.status == "error"
    assert "Search first" in reply.content
    add = AddMemoryTool(memory=memory, user_id="alice")
    empty = add.invoke({"type": "tool_call", "id": "2", "name": add.name, "args": {"text": " "}})
    assert empty.status == "error" and "empty" in empty.content


def test_update_then_history_then_get(memory: Memory) -> None:
    add = AddMemoryTool(memory=memory, user_id="alice")
    [event] = json.loads(add.invoke({"text": "Alice lives in Porto"}))
    assert event["event"] == "ADD"
    UpdateMemoryTool(memory=memory, user_id="alice").invoke(
        {"memory_id": event["id"], "text": "Alice lives in Lisbon"}
    )
    history = json.loads(MemoryHistoryTool(memory=memory, user_id="alice").invoke(
        {"memory_id": event["id"]}
    ))  # fmt: skip
    assert [h["event"] for h in history] == ["ADD", "UPDATE"]
    got = json.loads(GetMemoryTool(memory=memory, user_id="alice").invoke(
        {"memory_id": event["id"]}
    ))  # fmt: skip
    assert got["memory"] == "Alice lives in Lisbon"


def test_a_tool_without_any_scope_is_a_developer_error(memory: Memory) -> None:
    with pytest.raises(MissingScopeError):
        SearchMemoryTool(memory=memory).invoke({"query": "anything"})


async def test_tools_run_natively_async_over_an_async_engine(async_memory: AsyncMemory) -> None:
    await async_memory.add("Dana plays the cello", user_id="dana", infer=False)
    model = ScriptedChatModel(script=[
        tool_call("search_memory", {"query": "instrument"}, "s"),
        AIMessage("The cello."),
    ])  # fmt: skip
    agent = create_agent(model, memory_tools(async_memory), context_schema=UserContext)
    state = await agent.ainvoke(
        {"messages": [HumanMessage("Which instrument do I play?")]}, context=UserContext("dana")
    )
    assert "Dana plays the cello" in _tool_messages(state)["s"].content


def test_bad_arguments_from_the_model_come_back_as_a_tool_message(memory: Memory) -> None:
    model = ScriptedChatModel(script=[
        tool_call("search_memory", {"limit": 500}, "s"),
        AIMessage("Let me try again."),
    ])  # fmt: skip
    agent = create_agent(model, memory_tools(memory, user_id="alice"))
    state = agent.invoke({"messages": [HumanMessage("What do you know?")]})
    reply = _tool_messages(state)["s"]
    assert reply.status == "error"
    assert "query: Field required" in reply.content and "limit" in reply.content
