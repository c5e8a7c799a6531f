"""MemoryMiddleware inside create_agent, with a scripted tool-calling model: recall into the
prompt across threads, capture after the agent (background and inline), tools, async."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver
from memory_core_langchain import MemoryMiddleware
from memory_core_langchain.testing import ScriptedChatModel, tool_call

from memory_core import AsyncMemory, Memory
from memory_core.errors import MissingScopeError


@dataclass
class UserContext:
    user_id: str


def _config(user: str, thread: str) -> dict[str, dict[str, str]]:
    return {"configurable": {"user_id": user, "thread_id": thread}}


def _system_text(prompt: list[BaseMessage]) -> str:
    return prompt[0].text if isinstance(prompt[0], SystemMessage) else ""


def test_a_fact_told_in_one_thread_is_recalled_in_a_later_one(memory: Memory) -> None:
    model = ScriptedChatModel(script=[AIMessage("Nice to meet you!"), AIMessage("Try Veggie.")])
    with MemoryMiddleware(memory) as middleware:
        agent = create_agent(model, middleware=[middleware], system_prompt="Be brief.")
        agent.invoke(
            {"messages": [HumanMessage("I'm Alice and I am vegetarian.")]}, _config("alice", "a")
        )
        assert middleware.flush(timeout=60)  # formation runs in the background
        assert _system_text(model.prompts[0]) == "Be brief."  # nothing known yet
        agent.invoke({"messages": [HumanMessage("Where should I eat?")]}, _config("alice", "b"))
    system = _system_text(model.prompts[1])
    assert system.startswith("Be brief.\n\n")  # the agent's own prompt comes first
    assert "I'm Alice and I am vegetarian." in system
    stored = memory.get_all(user_id="alice")["results"]
    assert {m.get("run_id") for m in stored} == {"a", "b"}  # each thread is a captured run


def test_nothing_is_injected_when_nothing_is_relevant(memory: Memory) -> None:
    memory.add("Bob likes chess", user_id="bob", infer=False)
    memory.add("Alice likes chess", user_id="alice", infer=False)
    model = ScriptedChatModel(script=[AIMessage("Hello."), AIMessage("Hello again.")])
    agent = create_agent(model, middleware=[MemoryMiddleware(memory, capture=False)])
    agent.invoke({"messages": [HumanMessage("Hi")]}, _config("carol", "c"))  # empty scope
    strict = MemoryMiddleware(memory, capture=False, threshold=1e9)
    create_agent(model, middleware=[strict]).invoke(
        {"messages": [HumanMessage("Hi")]}, _config("alice", "c")
    )
    for prompt in model.prompts:
        assert [type(m) for m in prompt] == [HumanMessage]  # the prompt as the agent built it


def test_the_scope_comes_from_the_runtime_context(memory: Memory) -> None:
    memory.add("Dana is learning Japanese", user_id="dana", infer=False)
    memory.add("Erin is learning Japanese", user_id="erin", infer=False)
    model = ScriptedChatModel(script=[AIMessage("頑張って!")])
    middleware = MemoryMiddleware(memory, inline=True)
    agent = create_agent(model, middleware=[middleware], context_schema=UserContext)
    agent.invoke({"messages": [HumanMessage("What am I learning?")]}, context=UserContext("dana"))
    system = _system_text(model.prompts[0])
    assert "Dana is learning Japanese" in system and "Erin" not in system
    captured = {m["memory"] for m in memory.get_all(user_id="dana")["results"]}
    assert "What am I learning?" in captured  # inline capture: done when invoke returns


def test_a_thread_hands_over_each_message_once(memory: Memory) -> None:
    model = ScriptedChatModel(script=[AIMessage("First answer."), AIMessage("Second answer.")])
    middleware = MemoryMiddleware(memory, inline=True)
    agent = create_agent(model, middleware=[middleware], checkpointer=InMemorySaver())
    agent.invoke({"messages": [HumanMessage("First question.")]}, _config("alice", "t"))
    agent.invoke({"messages": [HumanMessage("Second question.")]}, _config("alice", "t"))
    texts = sorted(m["memory"] for m in memory.get_all(user_id="alice")["results"])
    assert texts == ["First answer.", "First question.", "Second answer.", "Second question."]


def test_tools_true_registers_the_memory_tools_on_the_runtime_scope(memory: Memory) -> None:
    model = ScriptedChatModel(script=[
        tool_call("add_memory", {"text": "Alice's sister is called Eve"}, "a"),
        AIMessage("I'll remember."),
    ])  # fmt: skip
    middleware = MemoryMiddleware(memory, tools=True, capture=False)
    agent = create_agent(model, middleware=[middleware])
    agent.invoke({"messages": [HumanMessage("My sister is Eve.")]}, _config("alice", "t"))
    assert set(model.tools_offered[0]) == {
        "search_memory", "add_memory", "update_memory", "delete_memory", "get_memory",
        "memory_history",
    }  # fmt: skip
    assert [m["memory"] for m in memory.get_all(user_id="alice")["results"]] == [
        "Alice's sister is called Eve"
    ]


def test_procedural_summary_for_the_agent(memory: Memory) -> None:
    model = ScriptedChatModel(script=[
        tool_call("search_memory", {"query": "diet"}, "s"),
        AIMessage("Done."),
    ])  # fmt: skip
    middleware = MemoryMiddleware(memory, agent_id="planner", tools=True, inline=True,
                                  procedural=True)  # fmt: skip
    agent = create_agent(model, middleware=[middleware])
    agent.invoke({"messages": [HumanMessage("Plan my meals.")]}, _config("alice", "p"))
    procedures = memory.procedures("planner")["results"]
    assert len(procedures) == 1 and "search_memory" in procedures[0]["memory"]


async def test_async_agent_recalls_and_captures(async_memory: AsyncMemory) -> None:
    model = ScriptedChatModel(script=[AIMessage("Got it."), AIMessage("In Lisbon.")])
    middleware = MemoryMiddleware(async_memory)
    agent = create_agent(model, middleware=[middleware])
    await agent.ainvoke({"messages": [HumanMessage("I live in Lisbon.")]}, _config("al", "1"))
    assert await middleware.aflush()
    await agent.ainvoke({"messages": [HumanMessage("Where do I live?")]}, _config("al", "2"))
    assert "I live in Lisbon." in _system_text(model.prompts[1])
    await middleware.aclose()


def test_template_and_limit_shape_what_is_injected(memory: Memory) -> None:
    for fact in ("Alice likes jazz", "Alice likes tea", "Alice likes chess"):
        memory.add(fact, user_id="alice", infer=False)
    model = ScriptedChatModel(script=[AIMessage("Jazz.")])
    middleware = MemoryMiddleware(memory, capture=False, limit=1,
                                  template="Known about the user:\n{memories}")  # fmt: skip
    create_agent(model, middleware=[middleware]).invoke(
        {"messages": [HumanMessage("Which music do I like?")]}, _config("alice", "t")
    )
    system = _system_text(model.prompts[0])
    assert system.startswith("Known about the user:\n")
    assert "Alice likes jazz" in system and "tea" not in system and "chess" not in system


def test_a_run_without_any_scope_is_a_developer_error(memory: Memory) -> None:
    model = ScriptedChatModel(script=[AIMessage("Hi.")])
    agent = create_agent(model, middleware=[MemoryMiddleware(memory)])
    with pytest.raises(MissingScopeError, match="user_id"):
        agent.invoke({"messages": [HumanMessage("Hi")]})
    with pytest.raises(ValueError, match="memories"):
        MemoryMiddleware(memory, template="no placeholder")
