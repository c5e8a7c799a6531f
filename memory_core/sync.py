"""One private event loop on a daemon thread: how the sync facade runs the async engine.

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
from collections.abc import Coroutine
from typing import Any, TypeVar

from memory_core.errors import ClosedError

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
            raise RuntimeError(
                "A sync Memory method was called from inside its own event loop (e.g. from a "
                "callback); use the AsyncMemory (memory.engine) there instead."
            )
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
