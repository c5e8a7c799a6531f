"""MemoryCoreMemory beyond the differential test: queued formation loses nothing, recall
comes only from elsewhere, the token window, reset with and without the memories, opt-in
procedural memory from a FunctionAgent run."""

from __future__ import annotations

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.storage.chat_store.base_db import MessageStatus
from llama_index.core.tools import FunctionTool
from memory_core_llamaindex import MemoryCoreMemory

from memory_core import Memory


def _said(memory: Memory, **scope: str) -> list[str]:
    """The engine's memories of a scope (never the chat-history records themselves)."""
    found = memory.get_all(**scope)
    return sorted(item["memory"] for item in found["results"])


def test_queued_formation_hands_every_message_to_the_engine(engine_memory: Memory) -> None:
    memory = MemoryCoreMemory(memory=engine_memory, user_id="alice", session_id="q1")
    texts = [f"Message number {i} about the garden" for i in range(6)]
    for i, text in enumerate(texts):  # faster than the queue drains: jobs coalesce
        memory.put(ChatMessage(role="user" if i % 2 == 0 else "assistant", content=text))
    assert memory.flush(timeout=60)
    assert _said(engine_memory, user_id="alice", run_id="q1") == sorted(texts)
    memory.close()


def test_recall_is_only_from_elsewhere_and_the_window_keeps_the_newest(
    engine_memory: Memory,
) -> None:
    engine_memory.add("Alice's cat is called Miso", user_id="alice", infer=False)
    memory = MemoryCoreMemory.from_defaults(
        engine_memory, user_id="alice", session_id="w1", formation="inline", token_limit=40,
        chat_history=[ChatMessage(role="user", content="I have a cat, remember its name?")],
    )  # fmt: skip
    got = memory.get("What is my cat called?")
    assert got[0].role == MessageRole.SYSTEM and "Miso" in (got[0].content or "")
    assert "remember its name" not in (got[0].content or "")  # never this session's words
    for i in range(8):
        memory.put(ChatMessage(role="user", content=f"Another long message number {i} here"))
    window = memory.get_all(status=MessageStatus.ACTIVE)
    assert 0 < len(window) < 9 and window[-1].content == "Another long message number 7 here"
    archived = memory.get_all(status=MessageStatus.ARCHIVED)
    assert archived + window == memory.get_all()
    assert [m.role for m in memory.get()[1:]] == [m.role for m in window]


def test_reset_clears_the_history_and_on_request_the_session_memories(
    engine_memory: Memory,
) -> None:
    memory = MemoryCoreMemory(
        memory=engine_memory, user_id="alice", session_id="r1", formation="inline"
    )
    memory.put(ChatMessage(role="user", content="I moved to Porto"))
    memory.reset()
    assert memory.get_all() == []
    assert _said(engine_memory, user_id="alice", run_id="r1") == ["I moved to Porto"]
    memory.put(ChatMessage(role="user", content="I play the cello"))
    memory.reset(memories=True)
    assert memory.get_all() == [] and _said(engine_memory, user_id="alice", run_id="r1") == []


async def test_a_function_agent_run_becomes_a_procedure_for_the_agent(
    engine_memory: Memory,
) -> None:
    def find_flights(city: str = "Lisbon") -> str:
        """Find flights to a city."""
        return f"3 flights to {city} tomorrow"

    agent = FunctionAgent(
        llm=MockFunctionCallingLLM(), tools=[FunctionTool.from_defaults(find_flights)]
    )
    memory = MemoryCoreMemory(
        memory=engine_memory, user_id="alice", session_id="p1", formation="inline",
        procedure_agent_id="travel-agent",
    )  # fmt: skip
    await agent.run(user_msg="Find me a flight to Lisbon", memory=memory)
    [procedure] = engine_memory.procedures("travel-agent")["results"]
    assert "find_flights" in procedure["memory"]
    assert procedure["metadata"].get("task") == "Find me a flight to Lisbon"
    roles = [m.role for m in await memory.aget_all()]
    assert roles[0] == MessageRole.USER and MessageRole.TOOL in roles

    plain = MemoryCoreMemory(
        memory=engine_memory, user_id="alice", session_id="p2", formation="inline"
    )
    await agent.run(user_msg="Find me a flight to Rome", memory=plain)
    assert len(engine_memory.procedures("travel-agent")["results"]) == 1  # opt-in only
