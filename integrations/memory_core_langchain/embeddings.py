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
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Coroutine, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings

from memory_core import AsyncMemory, Memory
from memory_core.adapters import Embedder, EngineHandle, check_texts
from memory_core.errors import EmbeddingError

T = TypeVar("T")
_PROBE_TEXT = "dimension probe"


class LangChainEmbedder:
    """The engine's embedder protocol over LangChain ``Embeddings``.

    Vectors are scaled to unit length (the engine compares raw dot products with fixed
    thresholds, and many LangChain models do not normalise); each is checked against
    ``dims``. Without ``dims`` the first vector sets it (``await ensure_dims()`` probes).
    """

    def __init__(self, embeddings: Embeddings, dims: int | None = None) -> None:
        self.embeddings = embeddings
        self._dims = dims

    @property
    def dims(self) -> int:
        if self._dims is None:
            raise EmbeddingError(
                "The embedding size is not known yet: pass dims= or await ensure_dims()."
            )
        return self._dims

    @property
    def model_name(self) -> str:
        return f"langchain:{type(self.embeddings).__name__}"

    async def ensure_dims(self) -> int:
        if self._dims is None:
            await self.embed_query(_PROBE_TEXT)
        return self.dims

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        texts = check_texts(texts)
        if not texts:
            return []
        return self._unit(await self._call(self.embeddings.aembed_documents(texts)))

    async def embed_query(self, text: str) -> list[float]:
        [vector] = self._unit([await self._call(self.embeddings.aembed_query(text))])
        return vector

    async def close(self) -> None:
        """Nothing to release: the LangChain object is the caller's."""

    async def _call(self, call: Coroutine[Any, Any, T]) -> T:
        try:
            return await call
        except Exception as exc:
            raise EmbeddingError(
                f"{type(self.embeddings).__name__} failed to embed: {exc}. Check the model's "
                "own settings (key, endpoint, input limit)."
            ) from exc

    def _unit(self, vectors: list[list[float]]) -> list[list[float]]:
        unit = []
        for vector in vectors:
            if self._dims is None:
                self._dims = len(vector)
            if len(vector) != self._dims:
                raise EmbeddingError(
                    f"{type(self.embeddings).__name__} returned a {len(vector)}-d vector, "
                    f"expected {self._dims}; set dims to the model's size."
                )
            norm = math.sqrt(sum(x * x for x in vector))
            if not math.isfinite(norm) or norm == 0.0:
                raise EmbeddingError(
                    f"{type(self.embeddings).__name__} returned a zero or non-finite vector, "
                    "which has no direction to compare; check the model and its input."
                )
            unit.append([float(x) / norm for x in vector])
        return unit


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
