"""MemoryChatMessageHistory: a differential test against LangChain's InMemoryChatMessageHistory,
sessions kept apart, async, and the history under RunnableWithMessageHistory."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from langchain_core.chat_history import BaseChatMessageHistory, InMemoryChatMessageHistory
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables.history import RunnableWithMessageHistory
from memory_core_langchain import MemoryChatMessageHistory
from memory_core_langchain.testing import ScriptedChatModel

from memory_core import AsyncMemory, Memory

Step = Callable[[BaseChatMessageHistory], None]

STEPS: list[Step] = [
    lambda h: h.add_user_message("Hi, I'm Alice"),
    lambda h: h.add_ai_message("Hello Alice! How can I help?"),
    lambda h: h.add_messages(
        [
            SystemMessage("Be brief.", id="sys-1"),
            AIMessage("", tool_calls=[{"name": "weather", "args": {"city": "Lisbon"}, "id": "c1"}]),
            ToolMessage("22°C and sunny", tool_call_id="c1", name="weather"),
            AIMessage("It is 22°C.", additional_kwargs={"k": 1}, response_metadata={"m": "x"}),
        ]
    ),
    lambda h: h.add_user_message(HumanMessage(["a", {"type": "text", "text": "block"}])),
    lambda h: h.add_user_message("Same text twice"),
    lambda h: h.add_user_message("Same text twice"),
    lambda h: h.clear(),
    lambda h: h.add_ai_message("After clear"),
]


# LangChain deprecated its in-memory history (1.6.4) and RunnableWithMessageHistory, but both
# are still how classic code uses a chat history: the reference and the host of these tests.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_same_messages_as_langchains_in_memory_history(memory: Memory) -> None:
    ours = MemoryChatMessageHistory("s1", memory=memory, user_id="alice")
    reference = InMemoryChatMessageHistory()
    for step in STEPS:
        step(ours)
        step(reference)
        assert ours.messages == reference.messages
    again = MemoryChatMessageHistory("s1", memory=memory, user_id="alice")
    assert again.messages == reference.messages  # kept in the engine, not in the object


def test_sessions_and_users_are_kept_apart(memory: Memory) -> None:
    first = MemoryChatMessageHistory("s1", memory=memory, user_id="alice")
    second = MemoryChatMessageHistory("s2", memory=memory, user_id="alice")
    first.add_user_message("in s1")
    second.add_user_message("in s2")
    first.clear()
    assert first.messages == [] and [m.content for m in second.messages] == ["in s2"]
    found = memory.search("in s2", run_id="s2")["results"]
    assert found and found[0]["memory"] == "in s2"  # ordinary memories of the run scope


async def test_async_round_trip_over_an_async_engine(async_memory: AsyncMemory) -> None:
    history = MemoryChatMessageHistory("s", memory=async_memory)
    await history.aadd_messages([HumanMessage("one"), AIMessage("two")])
    await history.aadd_messages([HumanMessage("three")])
    assert [m.content for m in await history.aget_messages()] == ["one", "two", "three"]
    await history.aclear()
    assert await history.aget_messages() == []


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_under_runnable_with_message_history(memory: Memory) -> None:
    model = ScriptedChatModel(script=[AIMessage("Hi Alice!"), AIMessage("You are Alice.")])
    prompt = ChatPromptTemplate.from_messages(
        [MessagesPlaceholder("history"), ("human", "{question}")]
    )
    chain = RunnableWithMessageHistory(
        prompt | model,
        lambda session_id: MemoryChatMessageHistory(session_id, memory=memory),
        input_messages_key="question",
        history_messages_key="history",
    )
    config = {"configurable": {"session_id": "chat-1"}}
    chain.invoke({"question": "I'm Alice."}, config)
    chain.invoke({"question": "Who am I?"}, config)
    assert [m.content for m in model.prompts[1]] == ["I'm Alice.", "Hi Alice!", "Who am I?"]


def test_an_empty_session_id_is_refused(memory: Memory) -> None:
    with pytest.raises(ValueError, match="run_id"):
        MemoryChatMessageHistory("", memory=memory).add_user_message("x")
