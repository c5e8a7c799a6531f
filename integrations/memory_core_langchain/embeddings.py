"""Embedding bridges between LangChain and the engine, so a framework and the engine share one
model: a LangChain ``Embeddings`` as an engine embedder, and an engine's embedder as a
LangChain ``Embeddings``.

    >>> import asyncio
    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> embedder = LangChainEmbedder(DeterministicFakeEmbedding(size=4), dims=4)
    >>> vector = asyncio.run(embedder.embed_query("hello"))
    >>> len(vector), round(sum(x * x for x in vector), 6)
    (4, 1.0)

Both pass the embedder conformance suite (``memory_core.testing.conformance.embedder``,
run by ``tests/conformance/test_embedder.py``). The LangGraph package uses them too.
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings

from memory_core import AsyncMemory, Memory
from memory_core.adapters import Embedder, EngineHandle, FrameworkEmbedder

T = TypeVar("T")


class LangChainEmbedder(FrameworkEmbedder):
    """The engine's embedder protocol over LangChain ``Embeddings``.

    Vectors are scaled to unit length (the engine compares raw dot products with fixed
    thresholds, and many LangChain models do not normalise); each is checked against
    ``dims``. Without ``dims`` the first vector sets it (``await ensure_dims()`` probes).
    """

    def __init__(self, embeddings: Embeddings, dims: int | None = None) -> None:
        super().__init__(dims)
        self.embeddings = embeddings
        self.label = type(embeddings).__name__

    @property
    def model_name(self) -> str:
        return f"langchain:{type(self.embeddings).__name__}"

    async def _documents(self, texts: list[str]) -> list[list[float]]:
        return await self.embeddings.aembed_documents(texts)

    async def _query(self, text: str) -> list[float]:
        return await self.embeddings.aembed_query(text)


class EngineEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over the engine's embedder, e.g. for an ``InMemoryStore`` or a
    LangChain vector store side by side with memory-core, on the same model.

    ``source`` is a ``Memory`` / ``AsyncMemory`` / ``EngineHandle`` (the engine's embedder,
    called on the engine's home loop through the handle) or a bare engine embedder (called on
    a private loop thread). Either way every call runs on one event loop, so loop-bound
    clients (``AsyncOpenAI``) are never shared between loops, and the sync methods work inside
    a running event loop (an async app, a notebook) — except on the engine's own home loop,
    where they raise ``WrongLoopError`` naming the async method to use.
    """

    def __init__(self, source: Memory | AsyncMemory | EngineHandle | Embedder) -> None:
        if isinstance(source, Memory | AsyncMemory | EngineHandle):
            self._runner: _Runner = _EngineRunner(EngineHandle.of(source))
        else:
            self._runner = _PrivateLoop(source)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._runner.run(self._runner.documents(texts), "aembed_documents")

    def embed_query(self, text: str) -> list[float]:
        return self._runner.run(self._runner.query(text), "aembed_query")

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await self._runner.arun(self._runner.documents(texts))

    async def aembed_query(self, text: str) -> list[float]:
        return await self._runner.arun(self._runner.query(text))

    def close(self) -> None:
        """Stop the private loop, if one was started (the embedder itself is the caller's)."""
        self._runner.close()


class _Runner(ABC):
    """Where the embedder's coroutines run, and the embedder they run."""

    @abstractmethod
    def embedder(self) -> Awaitable[Embedder]: ...

    @abstractmethod
    def run(self, coro: Coroutine[Any, Any, T], async_name: str) -> T: ...

    @abstractmethod
    async def arun(self, coro: Coroutine[Any, Any, T]) -> T: ...

    def close(self) -> None:
        return None

    async def documents(self, texts: list[str]) -> list[list[float]]:
        return await (await self.embedder()).embed_documents(texts)

    async def query(self, text: str) -> list[float]:
        return await (await self.embedder()).embed_query(text)


class _EngineRunner(_Runner):
    """The engine's embedder, on the engine's home loop (the adapter kit's handle)."""

    def __init__(self, handle: EngineHandle) -> None:
        self.handle = handle

    async def embedder(self) -> Embedder:
        await self.handle.engine.open()  # a no-op once open; the embedder exists from then on
        return self.handle.engine.embedder

    def run(self, coro: Coroutine[Any, Any, T], async_name: str) -> T:
        return self.handle.run(coro, async_name=async_name)

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        return await self.handle.arun(coro)


class _PrivateLoop(_Runner):
    """A bare embedder on one event loop of its own (a daemon thread, started on first use)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    async def embedder(self) -> Embedder:
        return self._embedder

    def run(self, coro: Coroutine[Any, Any, T], async_name: str) -> T:
        return self._submit(coro).result()

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(self._submit(coro))

    def close(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)

    def _submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, daemon=True).start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop)
