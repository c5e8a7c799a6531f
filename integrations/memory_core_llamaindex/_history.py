"""One session's chat history, verbatim and in order, kept in the engine.

Each message is a keyed record in the session's run scope (``run_id`` = LlamaIndex's
``session_id``), under the path :data:`HISTORY_PATH`, carrying the whole LlamaIndex message as
JSON and its position. They are ``transcript`` records (and stored without an engine vector):
the engine keeps them and reads them by key here, but its reads (``search`` / ``get_all``, hence
every adapter's recall) never offer them as memories — the memories of the conversation are the
ones formation makes from it, so each turn is one memory for every framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage

from memory_core.adapters import (
    And,
    Cond,
    EngineHandle,
    FilterNode,
    RecordWrite,
    Scope,
    keyed_record,
    paths,
)

HISTORY_PATH = ("llamaindex", "chat")


class ChatHistory:
    """The history of one session: coroutines to await through ``handle.arun``."""

    def __init__(self, handle: EngineHandle, scope: Scope) -> None:
        self.handle = handle
        self.scope = scope

    def where(self) -> FilterNode:
        ids = self.scope.ids().items()
        return And((*(Cond(name, "eq", value) for name, value in ids), paths.exactly(HISTORY_PATH)))

    async def load(self) -> list[ChatMessage]:
        """Every message of the session, oldest first."""
        records = self.handle.engine.records
        total = await records.count(self.where())
        if total == 0:
            return []
        found = await records.scan(self.where(), limit=total)
        ordered = sorted(found, key=lambda record: int(record.metadata["seq"]))
        return [ChatMessage.model_validate_json(r.metadata["message"]) for r in ordered]

    async def append(self, messages: Sequence[ChatMessage]) -> None:
        """Add ``messages`` after the ones already kept."""
        start = await self.handle.engine.records.count(self.where())
        await self.handle.engine.records.put(self._writes(messages, start))

    async def replace(self, messages: Sequence[ChatMessage]) -> None:
        """Make ``messages`` the whole history (one journal entry: never half-written)."""
        old = await self.handle.engine.records.count(self.where())
        stale = [self._id(seq) for seq in range(len(messages), old)]
        await self.handle.engine.records.put(self._writes(messages, 0), delete=stale)

    async def clear(self) -> int:
        return await self.handle.engine.records.delete_where(self.where())

    def _writes(self, messages: Sequence[ChatMessage], start: int) -> list[RecordWrite]:
        return [self._write(message, start + offset) for offset, message in enumerate(messages)]

    def _write(self, message: ChatMessage, seq: int) -> RecordWrite:
        text = message.content or str(message.role.value)
        metadata = {"seq": seq, "message": message.model_dump_json()}
        record = keyed_record(
            self._id(seq), text, metadata, scope=self.scope, path=HISTORY_PATH, kind="transcript",
            source={"framework": "llamaindex", "thread_id": self.scope.run_id},
        )  # fmt: skip
        return RecordWrite(record, text, embed=False)

    def _id(self, seq: int) -> str:
        return self.handle.engine.records.keyed_id(
            "llamaindex", "chat", self.scope.json_key(), str(seq)
        )


def recall_filter(session_id: str | None) -> dict[str, Any] | None:
    """An engine ``filters=`` value that hides the session's own verbatim messages from its
    recall (what was just put is not a memory to recall); ``None`` without a session. The
    chat-history records need no filter: the engine never offers a transcript as a memory."""
    if session_id is None:
        return None
    return {"NOT": [{"AND": [{"run_id": session_id}, {"kind": "message"}]}]}
