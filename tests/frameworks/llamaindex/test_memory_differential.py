"""Property: random put/get/set/reset sequences give MemoryCoreMemory the chat history
LlamaIndex's own ``Memory`` (SQLAlchemy chat store, no memory blocks) gives.

Every example is a fresh user and session, so the engine holds no memory relevant to it: the
history must then be identical, message for message (roles, blocks, additional kwargs), and no
recall message may appear — the messages just put are never offered back as memories.
"""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.memory import Memory as LlamaMemory
from llama_index.core.storage.chat_store.sql import MessageStatus
from memory_core_llamaindex import MemoryCoreMemory

from memory_core import Memory

TEXTS = ["Hi there", "I live in Lisbon", "Hi there", "What's the weather?", "", "ok"]
ROLES = ["user", "user", "assistant", "assistant", "system", "tool"]


@st.composite
def messages(draw: st.DrawFn) -> ChatMessage:
    extra: dict[str, Any] = draw(st.sampled_from([{}, {}, {"name": "calc"}, {"n": 1}]))
    return ChatMessage(
        role=draw(st.sampled_from(ROLES)), content=draw(st.sampled_from(TEXTS)),
        additional_kwargs=dict(extra),
    )  # fmt: skip


OPS = st.one_of(
    st.tuples(st.just("put"), messages()),
    # LlamaIndex's SQL chat store fails on put_messages([]) (an INSERT without a key)
    st.tuples(st.just("put_messages"), st.lists(messages(), min_size=1, max_size=3)),
    st.tuples(st.just("set"), st.lists(messages(), max_size=4)),
    st.tuples(st.just("get"), st.sampled_from([None, "Lisbon", "weather"])),
    st.tuples(st.just("get_all"), st.sampled_from([None, MessageStatus.ACTIVE])),
    st.tuples(st.just("reset"), st.none()),
)
SEQUENCES = st.lists(OPS, min_size=1, max_size=12)
SETTINGS = settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


def _pair(engine: Memory) -> tuple[LlamaMemory, MemoryCoreMemory]:
    session = str(uuid.uuid4())
    reference = LlamaMemory.from_defaults(session_id=session)
    ours = MemoryCoreMemory(
        memory=engine, user_id=f"user-{uuid.uuid4()}", session_id=session, formation="inline"
    )
    return reference, ours


def _copy(value: Any) -> Any:
    if isinstance(value, ChatMessage):
        return value.model_copy(deep=True)
    if isinstance(value, list):
        return [m.model_copy(deep=True) for m in value]
    return value


def _call(memory: Any, op: str, arg: Any) -> Any:
    if op in ("get", "get_all"):
        return getattr(memory, op)(arg)
    if op == "reset":
        return memory.reset()
    return getattr(memory, op)(_copy(arg))


async def _acall(memory: Any, op: str, arg: Any) -> Any:
    if op in ("get", "get_all"):
        return await getattr(memory, f"a{op}")(arg)
    if op == "reset":
        return await memory.areset()
    return await getattr(memory, f"a{op}")(_copy(arg))


@SETTINGS
@given(sequence=SEQUENCES)
def test_history_matches_llamaindex_memory(
    engine_memory: Memory, sequence: list[tuple[str, Any]]
) -> None:
    reference, ours = _pair(engine_memory)
    for op, arg in sequence:
        expected, actual = _call(reference, op, arg), _call(ours, op, arg)
        assert actual == expected, (op, arg)
    assert ours.get_all() == reference.get_all()


@SETTINGS
@given(sequence=SEQUENCES)
async def test_async_history_matches_llamaindex_memory(
    engine_memory: Memory, sequence: list[tuple[str, Any]]
) -> None:
    reference, ours = _pair(engine_memory)
    for op, arg in sequence:
        expected, actual = await _acall(reference, op, arg), await _acall(ours, op, arg)
        assert actual == expected, (op, arg)
