"""``MemoryBlock``: the engine as a long-term memory block of LlamaIndex's ``Memory``.

    Memory.from_defaults(session_id="s1", memory_blocks=[MemoryBlock(memory=m, user_id="alice")])

LlamaIndex keeps the short-term chat history itself; when it grows past its token limit the
oldest messages are flushed into the blocks — here, into the engine (verbatim or as extracted
facts, inline or on the kit's formation queue), in the run scope of the session. On every
``get`` the block searches the engine with the recent messages and renders what is relevant;
under token pressure it drops its lowest-ranked memories first, not the whole block.
"""

from __future__ import annotations

from typing import Any, Literal

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.memory.memory import BaseMemoryBlock
from llama_index.core.utils import get_tokenizer

from memory_core.adapters import EngineHandle, message_id
from memory_core_llamaindex._engine import EngineLike, EngineSide, Formation, render, text_of

#: Renderings remembered for truncation (Memory truncates right after the get that rendered).
_SHOWN_KEPT = 16
#: Roles whose text makes the search query (tool traffic is noise for recall).
_QUERY_ROLES = (MessageRole.USER, MessageRole.ASSISTANT)


class MemoryBlock(BaseMemoryBlock[str]):
    """Long-term memory from the engine, for ``Memory.from_defaults(memory_blocks=[...])``."""

    name: str = Field(default="long_term_memory", description="The block's name in the prompt.")
    description: str | None = Field(
        default="Memories the engine holds about the user, most relevant first."
    )
    priority: int = Field(
        default=1, description="Truncated (lowest-ranked memories first) under token pressure."
    )
    user_id: str | None = Field(default=None, description="The user the memories belong to.")
    agent_id: str | None = Field(default=None, description="The agent, if memories are per agent.")
    window: int = Field(default=3, gt=0, description="Recent messages that make the query.")
    top_k: int = Field(default=5, gt=0, description="Memories shown at most.")
    threshold: float | None = Field(default=None, description="Minimum score of a memory shown.")
    style: Literal["bullets", "xml"] = "bullets"
    max_tokens: int | None = Field(default=None, gt=0, description="Budget of the block's text.")
    infer: bool = Field(default=True, description="Extract facts (with an engine LLM) or not.")
    formation: Formation = Field(default="inline", description="inline, queue or off.")

    _side: EngineSide = PrivateAttr()
    _shown: dict[str, list[Any]] = PrivateAttr(default_factory=dict)

    def __init__(self, memory: EngineLike = None, **data: Any) -> None:
        super().__init__(**data)
        self._side = EngineSide(
            memory, user_id=self.user_id, agent_id=self.agent_id, infer=self.infer,
            formation=self.formation,
        )  # fmt: skip

    @property
    def handle(self) -> EngineHandle:
        return self._side.handle

    async def _aget(self, messages: list[ChatMessage] | None = None, **block_kwargs: Any) -> str:
        """The relevant memories as text, ``""`` when there are none. Extra keywords
        (``session_id``, ``initial_token_count``, …) are accepted."""
        query = _query(messages or [], self.window)
        items = await self._side.recall(query, limit=self.top_k, threshold=self.threshold)
        text = render(items, self.style, self.max_tokens)
        if text:
            self._remember(text, items)
        return text

    async def _aput(self, messages: list[ChatMessage]) -> None:
        """Messages flushed out of the short-term history go to the engine, in the run scope
        of their session (``BaseMemoryBlock.aput`` stamps it on each message)."""
        session = _session_of(messages)
        # Each flushed batch is its own conversation for the queue (a later batch must not
        # replace a waiting one); the memories still belong to the session's run scope.
        batch = f"{session or 'llamaindex'}#{message_id(messages[0])}" if messages else None
        await self._side.hand_over(session, messages, thread=batch)

    async def atruncate(self, content: str, tokens_to_truncate: int) -> str | None:
        """Drop the lowest-ranked memories until ``tokens_to_truncate`` tokens are saved
        (``None`` when nothing is left). Text this block did not render goes whole."""
        items = self._shown.get(content)
        if not items:
            return None
        count = get_tokenizer()
        target = len(count(content)) - tokens_to_truncate
        for keep in range(len(items) - 1, 0, -1):
            shorter = render(items[:keep], self.style, self.max_tokens)
            if len(count(shorter)) <= target:
                self._remember(shorter, items[:keep])
                return shorter
        return None

    def _remember(self, text: str, items: list[Any]) -> None:
        """What a rendered text shows, for ``atruncate`` (the latest few renderings only)."""
        self._shown.pop(text, None)
        self._shown[text] = items
        while len(self._shown) > _SHOWN_KEPT:
            self._shown.pop(next(iter(self._shown)))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until queued messages have reached the engine."""
        return self._side.flush(timeout)

    def close(self) -> None:
        """Stop the formation queue (after it drained) and close an engine built here."""
        self._side.flush()
        self._side.close()


def _query(messages: list[ChatMessage], window: int) -> str:
    said = [text_of(m) for m in messages if m.role in _QUERY_ROLES and text_of(m).strip()]
    return "\n".join(said[-window:])


def _session_of(messages: list[ChatMessage]) -> str | None:
    sessions = {m.additional_kwargs.get("session_id") for m in messages} - {None}
    return str(sessions.pop()) if len(sessions) == 1 else None
