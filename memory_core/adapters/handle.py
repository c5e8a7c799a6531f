"""One engine, one home loop: :class:`EngineHandle` runs engine calls from any caller.

    >>> import asyncio, tempfile
    >>> handle = EngineHandle.of({"home": tempfile.mkdtemp()})
    >>> _ = handle.run(handle.engine.add("Ann likes tea", user_id="ann"))
    >>> async def from_async_code():
    ...     found = await handle.arun(handle.engine.search("tea", user_id="ann"))
    ...     return found["results"][0]["memory"]
    >>> asyncio.run(from_async_code())
    'Ann likes tea'
    >>> handle.close()

The engine (:class:`~memory_core.AsyncMemory`) holds ``asyncio`` locks and async clients
(``AsyncOpenAI``, Qdrant's, Neo4j's) that belong to the loop it was opened on, its *home
loop*. Frameworks call adapters from sync code, from their own event loops, and from worker
threads; the handle sends every engine coroutine to the home loop:

* :meth:`EngineHandle.run` — from sync code in any thread: waits for the result. Called on
  the home loop itself it would deadlock, so it raises
  :class:`~memory_core.errors.WrongLoopError` naming the async method to use (as LangGraph's
  stores do).
* :meth:`EngineHandle.arun` — from any async code: awaits directly when already on the home
  loop, else hands the coroutine to the home loop and awaits its future.

Built from a config (or nothing: ``MEMORY_CORE_HOME``), the handle owns a
:class:`~memory_core.Memory`, whose loop thread is the home loop, and :meth:`close` closes it.
Built from an engine it does not own it; an :class:`~memory_core.AsyncMemory` not opened yet
is opened on first use — on the caller's loop from async code, on a loop thread of the handle's
own from sync code.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

from memory_core.config import MemoryConfig
from memory_core.errors import ClosedError, WrongLoopError
from memory_core.memory import AsyncMemory
from memory_core.sync import LoopThread, Memory

T = TypeVar("T")


class EngineHandle:
    """The engine, and the one loop its coroutines run on. Safe to share between threads."""

    def __init__(self, engine: AsyncMemory, *, owner: Memory | None = None) -> None:
        self.engine = engine
        self._owner = owner
        self._thread: LoopThread | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(
        cls, memory: Memory | AsyncMemory | MemoryConfig | Mapping[str, Any] | EngineHandle | None
    ) -> EngineHandle:
        """A handle over ``memory``: a :class:`~memory_core.Memory`, an
        :class:`~memory_core.AsyncMemory`, a handle (returned as is), or a config / dict /
        ``None`` (a new engine the handle owns)."""
        if isinstance(memory, EngineHandle):
            return memory
        if isinstance(memory, Memory):
            return cls(memory.engine)
        if isinstance(memory, AsyncMemory):
            return cls(memory)
        config = memory if isinstance(memory, MemoryConfig) else MemoryConfig(**(memory or {}))
        owner = Memory(config)
        return cls(owner.engine, owner=owner)

    @property
    def owned(self) -> bool:
        """True when the handle built the engine (then :meth:`close` closes it)."""
        return self._owner is not None or self._thread is not None

    def run(self, coro: Coroutine[Any, Any, T], *, async_name: str | None = None) -> T:
        """Run an engine coroutine from sync code and return its result. ``async_name`` is
        the async method to name if this is called from the home loop itself."""
        loop = self._home_for_sync(coro)
        if _running_loop() is loop:
            coro.close()
            raise WrongLoopError(async_name)
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await an engine coroutine from any event loop; it runs on the home loop."""
        here = asyncio.get_running_loop()
        home = self.engine.home_loop
        if home is None:  # not opened yet: the first async caller's loop becomes its home
            await self.engine.open()
            home = self.engine.home_loop
        if home is here:
            return await coro
        live = _alive(home, coro)
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, live))

    def close(self) -> None:
        """Close the engine if the handle owns it — built it, or gave it its home loop (an
        AsyncMemory first used from sync code): an engine cannot outlive its loop."""
        if self._owner is not None:
            self._owner.close()
        elif self._thread is not None:
            try:
                self._thread.run(self.engine.close())
            finally:
                self._thread.stop()

    async def aclose(self) -> None:
        """:meth:`close` from async code."""
        await asyncio.to_thread(self.close)

    def _home_for_sync(self, coro: Coroutine[Any, Any, Any]) -> asyncio.AbstractEventLoop:
        home = self.engine.home_loop
        if home is None:
            with self._lock:  # two threads' first calls must not open two loops
                if self.engine.home_loop is None:
                    self._thread = LoopThread()
                    self._thread.run(self.engine.open())
            home = self.engine.home_loop
        return _alive(home, coro)


def _alive(
    home: asyncio.AbstractEventLoop | None, coro: Coroutine[Any, Any, Any]
) -> asyncio.AbstractEventLoop:
    """``home`` if coroutines can still run there; else ``coro`` is closed and an error says
    why."""
    if home is None or home.is_closed():
        coro.close()
        raise ClosedError()
    if not home.is_running():
        coro.close()
        raise WrongLoopError(reason=(
            "The engine's home loop is not running: an AsyncMemory opened inside an "
            "asyncio.run() that has returned cannot serve later calls. Keep using it inside "
            "that loop, or give the adapter a Memory (its loop runs on a thread of its own)."
        ))  # fmt: skip
    return home


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


__all__ = ["EngineHandle"]
