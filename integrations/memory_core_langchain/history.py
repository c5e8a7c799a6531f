"""``MemoryChatMessageHistory``: a LangChain chat history kept verbatim in the engine.

    >>> import tempfile
    >>> from langchain_core.messages import AIMessage, HumanMessage
    >>> from memory_core import Memory
    >>> memory = Memory.from_config({"home": tempfile.mkdtemp()})
    >>> history = MemoryChatMessageHistory("session-1", memory=memory, user_id="alice")
    >>> history.add_messages([HumanMessage("Hi, I'm Alice"), AIMessage("Hello Alice!")])
    >>> [m.content for m in history.messages]
    ["Hi, I'm Alice", 'Hello Alice!']
    >>> memory.close()

The messages of a session are keyed records (the kit's records API) in the run scope
``run_id=session_id`` (under ``user_id`` / ``agent_id`` when given), at the path
``("langchain", "chat_history")``: each message is stored whole (LangChain's own
``message_to_dict``), so it comes back exactly, in the order added. They are also ordinary
memories of that scope (kind ``message``, as ``add(infer=False)`` makes), so
``Memory.search(run_id=session_id)`` and the other adapters find them: no memories are formed
from this history, so it is not kept as a ``transcript`` (what the LlamaIndex chat memory keeps,
and reads never offer) — either way each message is one memory. ``clear()`` erases the session's
messages and nothing else.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import Any

from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.messages import BaseMessage, message_to_dict, messages_from_dict

from memory_core import MemoryRecord, Scope
from memory_core.adapters import (
    And,
    Cond,
    EngineHandle,
    RecordWrite,
    keyed_record,
    paths,
    to_messages,
)

PATH = ("langchain", "chat_history")
_PAGE = 1000
_TICKS = itertools.count()  # orders the messages added within one clock tick


class MemoryChatMessageHistory(BaseChatMessageHistory):
    """The messages of one session (a run scope), verbatim and in order."""

    def __init__(
        self,
        session_id: str,
        *,
        memory: Any = None,
        user_id: str | None = None,
        agent_id: str | None = None,
    ) -> None:
        self.session_id = session_id
        scope = Scope(user_id=user_id, agent_id=agent_id, run_id=session_id or None)
        self.scope = scope.require("MemoryChatMessageHistory")
        self.handle = EngineHandle.of(memory)
        ids = (Cond(name, "eq", value) for name, value in self.scope.ids().items())
        self._where = And((*ids, paths.exactly(PATH)))

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        return self.handle.run(self._read())

    async def aget_messages(self) -> list[BaseMessage]:
        return await self.handle.arun(self._read())

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        self.handle.run(self._write(messages))

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        await self.handle.arun(self._write(messages))

    def clear(self) -> None:
        self.handle.run(self.handle.engine.records.delete_where(self._where))

    async def aclear(self) -> None:
        await self.handle.arun(self.handle.engine.records.delete_where(self._where))

    # --- the records -----------------------------------------------------------------------

    async def _read(self) -> list[BaseMessage]:
        records: list[MemoryRecord] = []
        while True:
            page = await self.handle.engine.records.scan(
                self._where, limit=_PAGE, offset=len(records)
            )
            records.extend(page)
            if len(page) < _PAGE:
                break
        records.sort(key=lambda record: record.metadata["position"])
        return messages_from_dict([record.metadata["message"] for record in records])

    async def _write(self, messages: Sequence[BaseMessage]) -> None:
        writes = [self._record(message) for message in messages]
        if writes:
            await self.handle.engine.records.put(writes)

    def _record(self, message: BaseMessage) -> RecordWrite:
        # A position that sorts after every earlier one, even from another process: the
        # clock in nanoseconds, then a counter for messages added within one tick.
        position = f"{time.time_ns():020d}.{next(_TICKS):06d}"
        text = _text(message)
        record = keyed_record(
            # Keyed by the home's id scheme; the scope as JSON, so no id can forge another's.
            self.handle.engine.records.keyed_id(
                "langchain-history", self.scope.json_key(), position
            ),
            text,
            {"message": message_to_dict(message), "position": position},
            scope=self.scope,
            path=PATH,
            kind="message",
        )
        return RecordWrite(record, text)


def _text(message: BaseMessage) -> str:
    """What the engine indexes: the message's text, or a placeholder for a tool call."""
    text = " ".join(said.content for said in to_messages([message])).strip()
    if text:
        return text
    names = ", ".join(call["name"] for call in getattr(message, "tool_calls", []) or [])
    return f"({message.type} message: {names or 'no text'})"
