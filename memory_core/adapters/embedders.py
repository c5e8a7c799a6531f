"""A framework's embedding model as the engine's embedder: the part every bridge shares.

    >>> import asyncio
    >>> class Twice(FrameworkEmbedder):
    ...     label = "Twice"
    ...     model_name = "demo:twice"
    ...     async def _documents(self, texts):
    ...         return [[2.0, 0.0] for _ in texts]
    ...     async def _query(self, text):
    ...         return [0.0, 3.0]
    >>> asyncio.run(Twice().embed_query("hi"))
    [0.0, 1.0]

A bridge (LangChain ``Embeddings``, LlamaIndex ``BaseEmbedding``…) says only how to call its
model (:meth:`FrameworkEmbedder._documents`, :meth:`FrameworkEmbedder._query`). This class
keeps the :class:`~memory_core.embeddings.base.Embedder` protocol's promises for it: input
checked the engine's way, vectors scaled to unit length (the engine compares raw dot products
with fixed thresholds, and many models do not normalise), every vector of one size (``dims``,
or the first vector's when not given; :meth:`ensure_dims` probes), a zero or non-finite vector
refused, and the model's own failures raised as :class:`~memory_core.errors.EmbeddingError`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from typing import TypeVar

from memory_core.embeddings._validate import check_texts
from memory_core.errors import EmbeddingError

T = TypeVar("T")
_PROBE_TEXT = "dimension probe"


class FrameworkEmbedder(ABC):
    """The engine's embedder protocol over a framework's model; see the module docs."""

    #: The model's name in errors (e.g. its class name).
    label: str = "The embedding model"

    def __init__(self, dims: int | None = None) -> None:
        self._dims = dims

    @property
    @abstractmethod
    def model_name(self) -> str: ...

    @abstractmethod
    async def _documents(self, texts: list[str]) -> Sequence[Sequence[float]]:
        """The model's vectors for ``texts`` (checked, non-empty), in order."""

    @abstractmethod
    async def _query(self, text: str) -> Sequence[float]:
        """The model's vector for a search query."""

    @property
    def dims(self) -> int:
        if self._dims is None:
            raise EmbeddingError(
                "The embedding size is not known yet: pass dims= or await ensure_dims()."
            )
        return self._dims

    async def ensure_dims(self) -> int:
        if self._dims is None:
            await self.embed_query(_PROBE_TEXT)
        return self.dims

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        checked = check_texts(texts)
        if not checked:
            return []
        return [self._unit(vector) for vector in await self._call(self._documents(checked))]

    async def embed_query(self, text: str) -> list[float]:
        return self._unit(await self._call(self._query(text)))

    async def close(self) -> None:  # noqa: B027 (a no-op on purpose, not a hook to override)
        """Nothing to release: the framework's model is the caller's."""

    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except EmbeddingError:
            raise
        except Exception as exc:
            raise EmbeddingError(
                f"{self.label} failed to embed: {exc}. Check the model's own settings (key, "
                "endpoint, input limit)."
            ) from exc

    def _unit(self, vector: Sequence[float]) -> list[float]:
        if self._dims is None:
            self._dims = len(vector)
        if len(vector) != self._dims:
            raise EmbeddingError(
                f"{self.label} returned a {len(vector)}-d vector, expected {self._dims}; set "
                "dims to the model's size."
            )
        norm = math.sqrt(sum(x * x for x in vector))
        if not math.isfinite(norm) or norm == 0.0:
            raise EmbeddingError(
                f"{self.label} returned a zero or non-finite vector, which has no direction to "
                "compare; check the model and its input."
            )
        return [float(x) / norm for x in vector]


__all__ = ["FrameworkEmbedder"]
