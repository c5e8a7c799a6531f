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
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

from memory_core.config import MemoryConfig
from memory_core.embeddings.base import Embedder
from memory_core.errors import ClosedError, WrongLoopError
from memory_core.llms.base import LLM
from memory_core.memory import AsyncMemory
from memory_core.records import SyncRecords
from memory_core.stores.vector.base import VectorStore
from memory_core.twins import sync_list_twin, sync_twin

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
        """Build from a dict (Mem0's ``{"provider", "config"}`` sections work) or a config."""
        return cls(config if isinstance(config, MemoryConfig) else MemoryConfig(**config))

    @property
    def config(self) -> MemoryConfig:
        return self.engine.config

    @property
    def records(self) -> SyncRecords:
        """Keyed, exact record access for adapters (see :mod:`memory_core.records`)."""
        return SyncRecords(self.engine.records, self._loop.run)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(coro)

    # Every engine call, with the engine's own signature and docstring (see memory_core.twins).
    open = sync_twin(AsyncMemory.open)  # a no-op: the constructor opened the engine
    add = sync_twin(AsyncMemory.add)
    search = sync_twin(AsyncMemory.search)
    relations = sync_twin(AsyncMemory.relations)
    get = sync_twin(AsyncMemory.get)
    get_all = sync_twin(AsyncMemory.get_all)
    procedures = sync_twin(AsyncMemory.procedures)
    history = sync_twin(AsyncMemory.history)
    update = sync_twin(AsyncMemory.update)
    delete = sync_twin(AsyncMemory.delete)
    delete_all = sync_twin(AsyncMemory.delete_all)
    reset = sync_twin(AsyncMemory.reset)
    import_records = sync_twin(AsyncMemory.import_records)
    export_records = sync_list_twin(AsyncMemory.export_records)
    stats = sync_twin(AsyncMemory.stats)
    handed_over = sync_twin(AsyncMemory.handed_over)
    record_handover = sync_twin(AsyncMemory.record_handover)
    export_dump = sync_list_twin(AsyncMemory.export_dump)
    quarantined = sync_twin(AsyncMemory.quarantined)
    purge_quarantined = sync_twin(AsyncMemory.purge_quarantined)

    def close(self) -> None:
        """Flush and release the stores and the home lock. Safe to call twice."""
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
