"""Embedding bridges between LlamaIndex and the engine, so both can use one model: a LlamaIndex
``BaseEmbedding`` as the engine's embedder, and the engine's embedder as a ``BaseEmbedding``.

    >>> import asyncio
    >>> from llama_index.core.embeddings import MockEmbedding
    >>> vector = asyncio.run(LlamaIndexEmbedder(MockEmbedding(embed_dim=4)).embed_query("hi"))
    >>> len(vector), round(sum(x * x for x in vector), 6)
    (4, 1.0)

Both pass the embedder conformance suite (``memory_core.testing.conformance``).
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from memory_core import AsyncMemory, Memory
from memory_core.adapters import EngineHandle, FrameworkEmbedder


class LlamaIndexEmbedder(FrameworkEmbedder):
    """The engine's embedder protocol over a LlamaIndex ``BaseEmbedding``:
    ``Memory(config, embedder=LlamaIndexEmbedder(embed_model))``.

    Vectors are scaled to unit length (the engine compares raw dot products with fixed
    thresholds) and checked against ``dims``; without ``dims`` the first vector sets it."""

    def __init__(self, embed_model: BaseEmbedding, dims: int | None = None) -> None:
        super().__init__(dims)
        self.embed_model = embed_model
        self.label = type(embed_model).__name__

    @property
    def model_name(self) -> str:
        return f"llamaindex:{self.embed_model.model_name or type(self.embed_model).__name__}"

    async def _documents(self, texts: list[str]) -> list[list[float]]:
        return await self.embed_model.aget_text_embedding_batch(texts)

    async def _query(self, text: str) -> list[float]:
        return await self.embed_model.aget_query_embedding(text)


class EngineEmbedding(BaseEmbedding):
    """A LlamaIndex ``BaseEmbedding`` over the engine's embedder (e.g. ``Settings.embed_model``
    or a ``VectorStoreIndex`` beside memory-core, on the same model). Calls run on the
    engine's home loop, so the sync methods also work inside a running event loop — except on
    that home loop itself, where they raise ``WrongLoopError`` naming the async method."""

    _handle: EngineHandle = PrivateAttr()

    def __init__(self, memory: Memory | AsyncMemory | EngineHandle, **kwargs: Any) -> None:
        super().__init__(model_name=kwargs.pop("model_name", "memory-core"), **kwargs)
        self._handle = EngineHandle.of(memory)

    @classmethod
    def class_name(cls) -> str:
        return "EngineEmbedding"

    async def _documents(self, texts: list[str]) -> list[list[float]]:
        await self._handle.engine.open()
        return await self._handle.engine.embedder.embed_documents(texts)

    async def _query(self, text: str) -> list[float]:
        await self._handle.engine.open()
        return await self._handle.engine.embedder.embed_query(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._handle.run(self._query(query), async_name="aget_query_embedding")

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await self._handle.arun(self._query(query))

    def _get_text_embedding(self, text: str) -> list[float]:
        [vector] = self._get_text_embeddings([text])
        return vector

    async def _aget_text_embedding(self, text: str) -> list[float]:
        [vector] = await self._aget_text_embeddings([text])
        return vector

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._handle.run(self._documents(texts), async_name="aget_text_embedding_batch")

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return await self._handle.arun(self._documents(texts))
