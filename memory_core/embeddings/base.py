"""The embedder protocol: text in, unit-length dense vectors out.

>>> import asyncio
>>> from memory_core.embeddings import LocalEmbedder
>>> async def demo():
...     embedder = LocalEmbedder()
...     [vector] = await embedder.embed_documents(["Alice likes tea"])
...     return embedder.dims, len(vector)
>>> asyncio.run(demo())
(384, 384)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Embedder(Protocol):
    """Async embedder. Implementations batch internally; callers pass any number of texts."""

    @property
    def dims(self) -> int:
        """Length of every vector this embedder returns."""
        ...

    @property
    def model_name(self) -> str:
        """Identifier of the model, recorded with the collection."""
        ...

    async def ensure_dims(self) -> int:
        """The vector length, asking the backend once if it is not known yet."""
        ...

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order. Raises :class:`~memory_core.errors.EmbeddingError`."""
        ...

    async def embed_query(self, text: str) -> list[float]:
        """The vector of a search query."""
        ...

    async def close(self) -> None:
        """Release clients or sessions; safe to call twice."""
        ...
