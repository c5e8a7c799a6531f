"""A LangChain ``Embeddings`` (LangGraph's ``index["embed"]``) as an engine embedder, and the
engine's embedder as a LangChain ``Embeddings``, so a store and the engine share one model.

    >>> import asyncio
    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> embedder = LangChainEmbedder(DeterministicFakeEmbedding(size=4), dims=4)
    >>> len(asyncio.run(embedder.embed_query("hello")))
    4
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

from memory_core.embeddings.base import Embedder
from memory_core.errors import EmbeddingError


class LangChainEmbedder:
    """The engine's :class:`~memory_core.embeddings.base.Embedder` over LangChain embeddings."""

    def __init__(self, embeddings: Embeddings, dims: int) -> None:
        self.embeddings = embeddings
        self._dims = dims

    @property
    def dims(self) -> int:
        return self._dims

    @property
    def model_name(self) -> str:
        return f"langchain:{type(self.embeddings).__name__}"

    async def ensure_dims(self) -> int:
        return self._dims

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._check(await self.embeddings.aembed_documents(list(texts)))

    async def embed_query(self, text: str) -> list[float]:
        [vector] = self._check([await self.embeddings.aembed_query(text)])
        return vector

    async def close(self) -> None:
        return None

    def _check(self, vectors: list[list[float]]) -> list[list[float]]:
        for vector in vectors:
            if len(vector) != self._dims:
                raise EmbeddingError(
                    f"The index embeddings returned a {len(vector)}-d vector but index['dims'] "
                    f"is {self._dims}; set dims to the model's size."
                )
        return vectors


class EngineEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over an engine embedder (e.g. memory-core's LocalEmbedder),
    for ``InMemoryStore(index={"embed": EngineEmbeddings(embedder), ...})`` side by side."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return asyncio.run(self.embedder.embed_documents(texts))

    def embed_query(self, text: str) -> list[float]:
        return asyncio.run(self.embedder.embed_query(text))

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await self.embedder.embed_documents(texts)

    async def aembed_query(self, text: str) -> list[float]:
        return await self.embedder.embed_query(text)
