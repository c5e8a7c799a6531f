"""The sync facade, :class:`Memory`: the same engine run on one private event-loop thread.

    >>> import asyncio
    >>> loop = LoopThread()
    >>> loop.run(asyncio.sleep(0, result="done"))
    'done'
    >>> loop.stop()

Not a thread hop per call: every call of a :class:`~memory_core.Memory` runs on the same
loop, so the engine's async clients, locks and caches are shared, and calls from many
threads are ordered by the engine's own lock.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from memory_core.config import MemoryConfig
from memory_core.embeddings.base import Embedder
from memory_core.errors import ClosedError, WrongLoopError
from memory_core.llms.base import LLM
from memory_core.memory import AsyncMemory
from memory_core.records import SyncRecords
from memory_core.stores.vector.base import VectorStore
from memory_core.types import (
    AddEvent,
    AddResult,
    HistoryEntry,
    ListResult,
    MemoryItem,
    MemoryRecord,
    Scope,
    SearchResult,
)

T = TypeVar("T")


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="memory-core-loop", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait for its result (exceptions propagate)."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise WrongLoopError()
        if self.loop.is_closed():
            coro.close()
            raise ClosedError()
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class Memory:
    """Sync facade: the same engine, run on one private event-loop thread.

        >>> import tempfile
        >>> memory = Memory.from_config({"home": tempfile.mkdtemp()})
        >>> memory.add("Carol prefers window seats", user_id="carol")["results"][0]["event"]
        'ADD'
        >>> memory.close()

    Safe to share between threads: every call is scheduled on the engine's loop, where one
    lock orders the writes.
    """

    def __init__(
        self,
        config: MemoryConfig | None = None,
        *,
        vector_store: VectorStore | None = None,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
    ) -> None:
        self._loop = LoopThread()
        self.engine = AsyncMemory(config, vector_store=vector_store, embedder=embedder, llm=llm)
        try:
            self._loop.run(self.engine.open())  # surface home/lock/config errors now
        except BaseException:
            self._loop.stop()
            raise

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | MemoryConfig) -> Memory:
        return cls(config if isinstance(config, MemoryConfig) else MemoryConfig(**config))

    @property
    def config(self) -> MemoryConfig:
        return self.engine.config

    @property
    def records(self) -> SyncRecords:
        """Keyed, exact record access for adapters (see :mod:`memory_core.records`)."""
        return SyncRecords(self.engine.records, self._loop.run)

    def add(self, messages: Any, **kwargs: Any) -> AddResult:
        return self._loop.run(self.engine.add(messages, **kwargs))

    def search(self, query: str, **kwargs: Any) -> SearchResult:
        return self._loop.run(self.engine.search(query, **kwargs))

    def relations(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self._loop.run(self.engine.relations(**kwargs))

    def get(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> MemoryItem | None:
        """One memory by id, or ``None`` (also for an id outside the scope given)."""
        return self._loop.run(self.engine.get(
            memory_id, user_id=user_id, agent_id=agent_id, run_id=run_id, scope=scope
        ))  # fmt: skip

    def get_all(self, **kwargs: Any) -> ListResult:
        return self._loop.run(self.engine.get_all(**kwargs))

    def update(
        self,
        memory_id: str,
        text: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> AddEvent:
        """Change a memory's text in place (MemoryNotFoundError outside the scope given)."""
        return self._loop.run(self.engine.update(
            memory_id, text, metadata=metadata, user_id=user_id, agent_id=agent_id,
            run_id=run_id, scope=scope,
        ))  # fmt: skip

    def delete(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> dict[str, Any]:
        """Erase one memory for real (MemoryNotFoundError outside the scope given)."""
        return self._loop.run(self.engine.delete(
            memory_id, user_id=user_id, agent_id=agent_id, run_id=run_id, scope=scope
        ))  # fmt: skip

    def delete_all(self, **kwargs: Any) -> dict[str, Any]:
        return self._loop.run(self.engine.delete_all(**kwargs))

    def procedures(self, agent_id: str | None = None, **kwargs: Any) -> ListResult:
        return self._loop.run(self.engine.procedures(agent_id, **kwargs))

    def history(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> list[HistoryEntry]:
        """Every event of a memory, oldest first (MemoryNotFoundError outside the scope)."""
        return self._loop.run(self.engine.history(
            memory_id, user_id=user_id, agent_id=agent_id, run_id=run_id, scope=scope
        ))  # fmt: skip

    def reset(self, **kwargs: Any) -> dict[str, Any]:
        return self._loop.run(self.engine.reset(**kwargs))

    def import_records(self, records: Iterable[Mapping[str, Any] | MemoryRecord]) -> int:
        return self._loop.run(self.engine.import_records(records))

    def export_records(self, **kwargs: Any) -> list[MemoryRecord]:
        return self._loop.run(_collect(self.engine.export_records(**kwargs)))

    def export_dump(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        include_expired: bool = True,
    ) -> list[dict[str, Any]]:
        """Every record of a scope with its history and relations (the lossless export)."""
        lines = self.engine.export_dump(
            user_id=user_id, agent_id=agent_id, run_id=run_id, include_expired=include_expired
        )
        return self._loop.run(_collect_dicts(lines))

    def stats(self) -> dict[str, Any]:
        return self._loop.run(self.engine.stats())

    def handed_over(self, conversation: str) -> set[str]:
        return self._loop.run(self.engine.handed_over(conversation))

    def record_handover(self, conversation: str, message_ids: Iterable[str]) -> None:
        self._loop.run(self.engine.record_handover(conversation, message_ids))

    def quarantined(self) -> list[dict[str, Any]]:
        """Journal entries set aside because they can never be applied, with their cause."""
        return self._loop.run(self.engine.quarantined())

    def purge_quarantined(self, ids: Sequence[int] | None = None) -> int:
        """Drop quarantined entries (those ``ids``, or all); returns how many."""
        return self._loop.run(self.engine.purge_quarantined(ids))

    def close(self) -> None:
        """Flush and release the engine and its loop thread. Safe to call twice."""
        if self._loop.loop.is_closed():
            return
        try:
            self._loop.run(self.engine.close())
        finally:
            self._loop.stop()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _collect_dicts(lines: AsyncIterator[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line async for line in lines]


async def _collect(records: AsyncIterator[MemoryRecord]) -> list[MemoryRecord]:
    return [record async for record in records]
