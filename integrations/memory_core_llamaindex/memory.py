"""``MemoryCoreMemory``: a whole LlamaIndex ``BaseMemory`` over the engine, for chat engines and
agents (``SimpleChatEngine``, ``ContextChatEngine``, ``FunctionAgent``, ``ReActAgent``,
``AgentWorkflow``: ``memory=``).

It behaves as LlamaIndex's own ``Memory`` does for the chat history — kept verbatim and in
order (in the engine, in the session's run scope), cut to a token limit on read — and adds
long-term recall: ``get(input)`` puts, only when the engine holds relevant memories from other
sessions (or facts inferred from this one), one system message of them in front of the history.
Every message put is also handed to the engine, which forms memories from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Literal

from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.memory.memory import InsertMethod
from llama_index.core.memory.types import BaseMemory
from llama_index.core.storage.chat_store.base_db import MessageStatus
from llama_index.core.utils import get_tokenizer

from memory_core.adapters import EngineHandle
from memory_core.errors import InvalidInputError
from memory_core_llamaindex._engine import (
    EngineLike,
    EngineSide,
    Formation,
    render,
    text_of,
    uses_tools,
)
from memory_core_llamaindex._history import ChatHistory, recall_filter

DEFAULT_TOKEN_LIMIT = 30000  # as LlamaIndex's Memory


class MemoryCoreMemory(BaseMemory):
    """Chat history plus long-term recall, all in the engine.

    Built as ``MemoryCoreMemory(memory=m, user_id="alice")`` (``m``: a ``Memory``,
    ``AsyncMemory``, config or ``EngineHandle``) or with :meth:`from_defaults`.
    """

    user_id: str | None = Field(default=None, description="The user the memories belong to.")
    agent_id: str | None = Field(default=None, description="The agent, if memories are per agent.")
    session_id: str = Field(
        default_factory=lambda: str(uuid.uuid4()),
        description="The conversation; its history lives in this run scope.",
    )
    token_limit: int = Field(default=DEFAULT_TOKEN_LIMIT, gt=0)
    chat_history_token_ratio: float = Field(default=0.7, gt=0, le=1)
    tokenizer_fn: Callable[[str], list[Any]] = Field(default_factory=get_tokenizer, exclude=True)
    top_k: int = Field(default=5, gt=0, description="Memories recalled at most per get().")
    threshold: float | None = Field(default=None, description="Minimum score of a recalled memory.")
    recall_style: Literal["bullets", "xml"] = "bullets"
    insert_method: InsertMethod = Field(
        default=InsertMethod.SYSTEM,
        description="As LlamaIndex's Memory: recalled memories as a system message in front, "
        "or in front of the latest user message (for agents that drop a leading system "
        "message, such as ReActAgent).",
    )
    recall_max_tokens: int | None = Field(default=None, gt=0)
    infer: bool = Field(default=True, description="Extract facts (with an engine LLM) or not.")
    formation: Formation = Field(default="queue", description="inline, queue or off.")
    procedure_agent_id: str | None = Field(
        default=None,
        description="Opt-in: an agent run put here (its tool calls and results) becomes a "
        "procedural summary for this agent.",
    )

    _side: EngineSide = PrivateAttr()
    _history: ChatHistory = PrivateAttr()

    def __init__(self, memory: EngineLike = None, **data: Any) -> None:
        super().__init__(**data)
        self._side = EngineSide(
            memory, user_id=self.user_id, agent_id=self.agent_id, infer=self.infer,
            formation=self.formation,
        )  # fmt: skip
        self._history = ChatHistory(self._side.handle, self._side.scope(self.session_id))

    @classmethod
    def class_name(cls) -> str:
        return "MemoryCoreMemory"

    @classmethod
    def from_defaults(
        cls,
        memory: EngineLike = None,
        *,
        chat_history: list[ChatMessage] | None = None,
        **kwargs: Any,
    ) -> MemoryCoreMemory:
        """As ``Memory.from_defaults``: ``chat_history`` seeds the session (it replaces any
        history kept for that session)."""
        kwargs.pop("llm", None)  # chat engines pass their LLM; recall does not need it
        made = cls(memory, **kwargs)
        if chat_history is not None:
            made.set(chat_history)
        return made

    @property
    def handle(self) -> EngineHandle:
        return self._side.handle

    # --- reading -------------------------------------------------------------------------

    async def aget(
        self, input: str | ChatMessage | None = None, **kwargs: Any
    ) -> list[ChatMessage]:
        """The history that fits the token limit, after one system message of relevant
        memories when there are any. ``initial_token_count`` (chat engines pass it) is taken
        off the limit; other keywords are accepted and ignored, as LlamaIndex's memories do."""
        history = await self._load()
        window = self._window(history, int(kwargs.get("initial_token_count", 0)))
        recalled = await self._recalled(_query(input, history))
        if recalled is None:
            return window
        if self.insert_method == InsertMethod.SYSTEM:
            return [ChatMessage(role=MessageRole.SYSTEM, content=recalled), *window]
        return _into_last_user_message(window, recalled)

    def get(self, input: str | ChatMessage | None = None, **kwargs: Any) -> list[ChatMessage]:
        return self.handle.run(self.aget(input, **kwargs), async_name="aget")

    async def aget_all(self, status: MessageStatus | None = None) -> list[ChatMessage]:
        """Every message of the session; ``status=ACTIVE`` only those inside the token window
        (what ``get`` shows), ``ARCHIVED`` only the older ones."""
        history = await self._load()
        if status is None:
            return history
        window = self._window(history, 0)
        if status == MessageStatus.ACTIVE:
            return window
        return history[: len(history) - len(window)]

    def get_all(self, status: MessageStatus | None = None) -> list[ChatMessage]:
        return self.handle.run(self.aget_all(status), async_name="aget_all")

    # --- writing -------------------------------------------------------------------------

    async def aput(self, message: ChatMessage) -> None:
        await self.aput_messages([message])

    def put(self, message: ChatMessage) -> None:
        self.put_messages([message])

    async def aput_messages(self, messages: list[ChatMessage]) -> None:
        """Keep ``messages`` in the history and hand them to the engine."""
        _check(messages)
        await self.handle.arun(self._history.append(messages))
        history = await self._load()  # the whole conversation: see EngineSide.hand_over
        if self.procedure_agent_id is None or not uses_tools(messages):
            await self._side.hand_over(self.session_id, history)
            return
        # An agent's run: FunctionAgent / AgentWorkflow put their whole scratchpad (tool calls,
        # results, the answer) here when the run ends; the task is what the user asked.
        await self._side.hand_over(
            self.session_id, history, procedure_agent_id=self.procedure_agent_id,
            task=_query(None, history) or None,
        )  # fmt: skip

    def put_messages(self, messages: list[ChatMessage]) -> None:
        self.handle.run(self.aput_messages(messages), async_name="aput_messages")

    async def aset(self, messages: list[ChatMessage]) -> None:
        """Make ``messages`` the whole history (they are handed to the engine too; messages it
        has seen before are not formed twice)."""
        _check(messages)
        await self.handle.arun(self._history.replace(messages))
        await self._side.hand_over(self.session_id, list(messages))

    def set(self, messages: list[ChatMessage]) -> None:
        self.handle.run(self.aset(messages), async_name="aset")

    async def areset(self, status: MessageStatus | None = None, *, memories: bool = False) -> None:
        """Clear the chat history; with ``memories=True`` also every memory of the session's
        run scope. ``status`` clears only the active or archived part, as ``Memory`` does."""
        if status is not None:
            keep = await self.aget_all(
                MessageStatus.ARCHIVED if status == MessageStatus.ACTIVE else MessageStatus.ACTIVE
            )
            await self.handle.arun(self._history.replace(keep))
        else:
            await self.handle.arun(self._history.clear())
        if memories:
            await self.aflush()
            scope = self._side.scope(self.session_id)
            await self.handle.arun(self.handle.engine.delete_all(scope=scope))

    def reset(self, status: MessageStatus | None = None, *, memories: bool = False) -> None:
        self.handle.run(self.areset(status, memories=memories), async_name="areset")

    # --- lifecycle -----------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until queued messages have reached the engine."""
        return self._side.flush(timeout)

    async def aflush(self) -> bool:
        """Async :meth:`flush` (bound it with ``asyncio.timeout`` if needed)."""
        return await self._side.aflush()

    def close(self) -> None:
        """Stop the formation queue (after it drained) and close an engine built here."""
        self._side.flush()
        self._side.close()

    # --- helpers -------------------------------------------------------------------------

    async def _load(self) -> list[ChatMessage]:
        return await self.handle.arun(self._history.load())

    def _window(self, history: list[ChatMessage], initial_tokens: int) -> list[ChatMessage]:
        """The newest messages within the history's share of the token limit; when older ones
        are cut, the window opens at a user message (never at a tool result without its call)."""
        budget = int(self.token_limit * self.chat_history_token_ratio) - initial_tokens
        start, used = len(history), 0
        while start > 0:
            cost = self._tokens(history[start - 1])
            if used + cost > budget and start < len(history):
                break
            used += cost
            start -= 1
        while 0 < start < len(history) - 1 and history[start].role != MessageRole.USER:
            start += 1
        return history[start:]

    def _tokens(self, message: ChatMessage) -> int:
        extra = str(message.additional_kwargs) if message.additional_kwargs else ""
        return len(self.tokenizer_fn(text_of(message))) + len(self.tokenizer_fn(extra))

    async def _recalled(self, query: str) -> str | None:
        filters = recall_filter(self.session_id)
        items = await self._side.recall(query, limit=self.top_k, threshold=self.threshold,
                                        filters=filters)  # fmt: skip
        return render(items, self.recall_style, self.recall_max_tokens) or None


def _query(input: str | ChatMessage | None, history: Sequence[ChatMessage]) -> str:
    """What to recall for: the input, else the latest user message."""
    if isinstance(input, ChatMessage):
        return text_of(input)
    if isinstance(input, str):
        return input
    users = [m for m in history if m.role == MessageRole.USER]
    return text_of(users[-1]) if users else ""


def _into_last_user_message(window: list[ChatMessage], recalled: str) -> list[ChatMessage]:
    """``window`` with ``recalled`` before the latest user message's content (a copy: the
    history itself is never changed), or after the window as a user message."""
    users = [i for i, m in enumerate(window) if m.role == MessageRole.USER]
    if not users:
        return [*window, ChatMessage(role=MessageRole.USER, content=recalled)]
    at = users[-1]
    message = window[at].model_copy(deep=True)
    message.blocks = [TextBlock(text=recalled), *message.blocks]
    return [*window[:at], message, *window[at + 1 :]]


def _check(messages: Sequence[ChatMessage]) -> None:
    if not all(isinstance(m, ChatMessage) for m in messages):
        raise InvalidInputError(
            "MemoryCoreMemory keeps LlamaIndex ChatMessage objects; wrap text as "
            "ChatMessage(role='user', content=...)."
        )
