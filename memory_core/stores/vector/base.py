"""The vector-store protocol: the one narrow interface every vector backend implements.

    >>> import asyncio, tempfile
    >>> from memory_core.stores.vector import QdrantEdgeStore, VectorPoint, VectorQuery, SparseVec
    >>> async def demo():
    ...     store = QdrantEdgeStore(path=tempfile.mkdtemp())
    ...     await store.open(dims=2)
    ...     await store.upsert([VectorPoint("00000000-0000-0000-0000-000000000001",
    ...                                     [1.0, 0.0], SparseVec((7,), (1.0,)), {"user_id": "u"})])
    ...     [hits] = await store.query([VectorQuery("dense", [1.0, 0.0], None, 5)])
    ...     await store.close()
    ...     return [h.id for h in hits]
    >>> asyncio.run(demo())
    ['00000000-0000-0000-0000-000000000001']

A point carries one dense vector (named ``dense``, cosine) and one sparse BM25 vector (named
``sparse``, with Qdrant's IDF modifier so the store supplies IDF). Payloads are JSON dicts;
filters are :mod:`memory_core.filters` ASTs, translated by each backend. The protocol holds
no memory logic: scoping, fusion and time live in the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from memory_core.filters import FilterNode

DENSE: Literal["dense"] = "dense"
SPARSE: Literal["sparse"] = "sparse"

#: Payload fields the engine filters on; backends create payload indexes for them.
KEYWORD_INDEXES = (
    "user_id",
    "agent_id",
    "run_id",
    "actor_id",
    "role",
    "kind",
    "hash",
    "path_key",
    "path_prefixes",
    "tags",
)
#: The float-indexed field ``scroll(newest_first=True)`` orders by.
NEWEST_FIRST_KEY = "created_at"
FLOAT_INDEXES = ("created_at", "updated_at", "expired_at", "expires_at", "t_from", "t_until")


@dataclass(frozen=True, slots=True)
class SparseVec:
    indices: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class VectorPoint:
    """A point to write. ``id`` is a UUID string; ``dense`` is ``None`` for a point kept
    without a dense vector (found by BM25 and filters, never by a dense query)."""

    id: str
    dense: Sequence[float] | None
    sparse: SparseVec
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Hit:
    """A point read back; ``score`` is 0.0 for reads that do not rank."""

    id: str
    payload: dict[str, Any]
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class VectorQuery:
    """Nearest points to ``vector`` in the named vector space, among those matching ``filter``."""

    using: Literal["dense", "sparse"]
    vector: Sequence[float] | SparseVec
    filter: FilterNode | None
    limit: int
    extra: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class VectorStore(Protocol):
    """Async vector store. Every method is idempotent where its arguments are."""

    #: Short backend name for results and logs, e.g. ``"qdrant_edge"``.
    name: str

    async def open(self, dims: int) -> None:
        """Create the collection (with payload indexes) or check the existing one.

        Raises :class:`~memory_core.errors.DimensionMismatchError` when the collection's
        dense size differs from ``dims``, and :class:`~memory_core.errors.StoreError` when the
        store cannot be opened.
        """
        ...

    async def upsert(self, points: Sequence[VectorPoint]) -> None:
        """Insert or replace whole points (vectors and payload)."""
        ...

    async def set_payload(self, ids: Sequence[str], values: Mapping[str, Any]) -> None:
        """Merge ``values`` into the payload of existing points (missing ids are ignored).

        The merge is shallow, as in Qdrant: each top-level key is replaced whole, and a
        ``None`` value removes its key.
        """
        ...

    async def delete(self, ids: Sequence[str]) -> None:
        """Delete points by id (missing ids are ignored)."""
        ...

    async def delete_where(self, filter: FilterNode | None) -> None:
        """Delete every point matching ``filter``; ``None`` deletes every point."""
        ...

    async def retrieve(self, ids: Sequence[str]) -> list[Hit]:
        """The points with these ids that exist, in the order asked."""
        ...

    async def query(self, queries: Sequence[VectorQuery]) -> list[list[Hit]]:
        """Run several nearest-neighbour queries at once; one best-first list per query."""
        ...

    async def scroll(
        self,
        filter: FilterNode | None,
        limit: int,
        cursor: str | None = None,
        *,
        newest_first: bool = False,
    ) -> tuple[list[Hit], str | None]:
        """Matching points in ascending id order from ``cursor``; returns (page, next cursor).

        With ``newest_first``: the ``limit`` points with the highest ``created_at`` (payload,
        float-indexed), highest first, in one page (no cursor: ask for more to go deeper).
        """
        ...

    async def count(self, filter: FilterNode | None) -> int:
        """How many points match ``filter`` (exact)."""
        ...

    async def facet(self, key: str, filter: FilterNode | None, limit: int) -> dict[str, int]:
        """How many points matching ``filter`` hold each value of the keyword-indexed field
        ``key`` (exact; a list field counts each of its values): the ``limit`` most frequent
        values, most frequent first (ties by value)."""
        ...

    async def close(self) -> None:
        """Flush and release resources; safe to call twice."""
        ...
