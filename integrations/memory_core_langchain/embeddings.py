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
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings

from memory_core import AsyncMemory, Memory
from memory_core.errors import EmbeddingError, InvalidInputError

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
        texts = _check_texts(texts)
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

    ``source`` is a ``Memory`` / ``AsyncMemory`` (its embedder) or an engine embedder. Every
    call runs on one event loop — the engine's own for a ``Memory``, a private one otherwise —
    so loop-bound clients (``AsyncOpenAI``) are never shared between loops, and the sync
    methods work inside a running event loop (an async app, a notebook).
    """

    def __init__(self, source: Memory | AsyncMemory | Any) -> None:
        if isinstance(source, Memory):
            self._runner: _Runner = _MemoryRunner(source)
            self.embedder: Any = source.engine.embedder
        elif isinstance(source, AsyncMemory):
            self._runner = _PrivateLoop()
            self.embedder = _LazyEngineEmbedder(source)
        else:
            self._runner = _PrivateLoop()
            self.embedder = source

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        result: list[list[float]] = self._runner.run(self.embedder.embed_documents(texts))
        return result

    def embed_query(self, text: str) -> list[float]:
        result: list[float] = self._runner.run(self.embedder.embed_query(text))
        return result

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        result: list[list[float]] = await self._runner.arun(self.embedder.embed_documents(texts))
        return result

    async def aembed_query(self, text: str) -> list[float]:
        result: list[float] = await self._runner.arun(self.embedder.embed_query(text))
        return result

    def close(self) -> None:
        """Stop the private loop, if one was started (the embedder itself is the caller's)."""
        self._runner.close()


class _Runner:
    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        raise NotImplementedError

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        raise NotImplementedError

    def close(self) -> None:
        return None


class _MemoryRunner(_Runner):
    """Runs on the sync facade's engine loop."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.memory._run(coro)

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.to_thread(self.memory._run, coro)


class _PrivateLoop(_Runner):
    """One event loop on a daemon thread, started on first use."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, daemon=True).start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._submit(coro).result()

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(self._submit(coro))

    def close(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)


class _LazyEngineEmbedder:
    def __init__(self, engine: AsyncMemory) -> None:
        self.engine = engine

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        await self.engine.open()
        return await self.engine.embedder.embed_documents(texts)

    async def embed_query(self, text: str) -> list[float]:
        await self.engine.open()
        return await self.engine.embedder.embed_query(text)


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise InvalidInputError(
            "embed_documents() takes a list of texts, got one str; wrap it: [text], "
            "or call embed_query(text)."
        )
    texts = list(texts)
    if not all(isinstance(text, str) for text in texts):
        raise InvalidInputError("Every text to embed must be a str.")
    return texts
