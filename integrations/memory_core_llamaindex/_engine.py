"""What the block and the memory share: the engine handle, scopes, formation and recall."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from memory_core import AsyncMemory, Memory, MemoryConfig
from memory_core.adapters import EngineHandle, FormationQueue, Scope, render_memories
from memory_core.errors import InvalidInputError

EngineLike = Memory | AsyncMemory | MemoryConfig | dict[str, Any] | EngineHandle | None
#: How messages reach the engine: in the caller ("inline"), on the kit's background
#: formation queue ("queue"), or not at all ("off").
Formation = Literal["inline", "queue", "off"]
FORMATIONS: tuple[Formation, ...] = ("inline", "queue", "off")


class EngineSide:
    """One engine and the scope ids an adapter object was built with."""

    def __init__(
        self,
        memory: EngineLike,
        *,
        user_id: str | None,
        agent_id: str | None,
        infer: bool,
        formation: Formation,
    ) -> None:
        if formation not in FORMATIONS:
            raise InvalidInputError(
                f"formation must be one of {', '.join(FORMATIONS)}, got {formation!r}."
            )
        self.base = Scope(user_id=user_id, agent_id=agent_id).require("a LlamaIndex memory")
        self.handle = EngineHandle.of(memory)
        self.formation = formation
        self.queue = FormationQueue(self.handle, infer=infer) if formation != "off" else None

    def scope(self, session_id: str | None) -> Scope:
        """The run scope of a LlamaIndex session (the base scope without one)."""
        base = self.base
        return Scope(user_id=base.user_id, agent_id=base.agent_id, run_id=session_id)

    async def hand_over(
        self,
        session_id: str | None,
        messages: Sequence[ChatMessage],
        *,
        procedure_agent_id: str | None = None,
        task: str | None = None,
        thread: str | None = None,
    ) -> None:
        """Give ``messages`` of a session to the engine, as configured; with
        ``procedure_agent_id`` they are also one run to summarise for that agent.

        The queue keeps one waiting job per conversation (``thread``, default: the session)
        and a newer one replaces it, so each submit must carry the conversation so far: the
        queue skips what it handed over before."""
        if self.queue is None or not messages:
            return
        thread = thread or session_id or "llamaindex"
        source = {"framework": "llamaindex", "thread_id": thread}
        scope = self.scope(session_id)
        form = self.queue.aform if self.formation == "inline" else self.queue.asubmit
        await form(thread, scope, list(messages), procedure_agent_id=procedure_agent_id,
                   task=task, source=source)  # fmt: skip

    async def recall(
        self,
        query: str,
        *,
        limit: int,
        threshold: float | None,
        filters: dict[str, Any] | None = None,
    ) -> list[Any]:
        """The base scope's memories relevant to ``query``, best first."""
        if not query.strip():
            return []
        found = await self.handle.arun(
            self.handle.engine.search(
                query,
                user_id=self.base.user_id,
                agent_id=self.base.agent_id,
                limit=limit,
                threshold=threshold,
                filters=filters,
            )
        )
        return list(found["results"])

    def flush(self, timeout: float | None = None) -> bool:
        """Wait for queued formation (True at once when nothing is queued)."""
        return True if self.queue is None else self.queue.flush(timeout)

    async def aflush(self) -> bool:
        return True if self.queue is None else await self.queue.aflush()

    def close(self) -> None:
        if self.queue is not None:
            self.queue.close()
        self.handle.close()


def uses_tools(messages: Sequence[ChatMessage]) -> bool:
    """Whether ``messages`` hold a tool call or a tool result (an agent's run)."""
    for message in messages:
        if message.role == MessageRole.TOOL or message.additional_kwargs.get("tool_calls"):
            return True
        if any(getattr(block, "block_type", None) == "tool_call" for block in message.blocks):
            return True
    return False


def text_of(message: ChatMessage) -> str:
    """A message's text (its text blocks; nothing for images or tool calls)."""
    return message.content or ""


def render(items: Sequence[Any], style: Literal["bullets", "xml"], max_tokens: int | None) -> str:
    return render_memories(items, style=style, max_tokens=max_tokens)
