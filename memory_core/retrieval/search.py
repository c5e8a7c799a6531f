"""The read path: embed the query, fetch dense and BM25 candidates, fuse, cut.

    >>> # Used through AsyncMemory.search / Memory.search; see memory_core.memory.

Both candidate lists come from one batched store call with the same filter (scope, time,
kind, caller filters — built in :mod:`memory_core.scoping`). Each list is
``max(candidates, offset + limit)`` long, so paging never runs past the fused pool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from memory_core.config import SearchConfig
from memory_core.embeddings.base import Embedder
from memory_core.errors import InvalidInputError
from memory_core.filters import Cond, FilterNode, and_
from memory_core.retrieval.bm25 import Bm25Encoder
from memory_core.retrieval.fusion import FUSIONS, Fusion, rrf
from memory_core.retrieval.query import speaker_list
from memory_core.stores.vector.base import DENSE, SPARSE, Hit, VectorQuery, VectorStore
from memory_core.types import MemoryRecord
from memory_core.types import ScoredRecord as Scored


class Retriever:
    def __init__(
        self, store: VectorStore, embedder: Embedder, bm25: Bm25Encoder, config: SearchConfig
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        self.config = config
        fusion = FUSIONS[config.fusion]
        self._fuse: Fusion = partial(rrf, k=config.rrf_k) if fusion is rrf else fusion

    async def search(
        self,
        query: str,
        filter: FilterNode | None,
        *,
        limit: int,
        offset: int = 0,
        threshold: float | None = None,
        query_vector: Sequence[float] | None = None,
        graph: Mapping[str, float] | None = None,
    ) -> list[Scored]:
        """Fused candidates; ``graph`` (memory id → score) is the graph's candidate list,
        kept to the memories the filter admits."""
        pool = max(self.config.candidates, offset + limit)
        queries, weights = await self._queries(query, filter, pool, query_vector)
        graph_query = _graph_query(queries, filter, graph)
        if graph_query is not None:
            queries.append(graph_query)
            weights.append(self.config.graph_weight)
        lists = await self.store.query(queries) if queries else []
        ranked = [_ranked(hits) for hits in lists]
        if graph is not None and graph_query is not None:  # by the graph's scores
            ranked[-1] = sorted(((doc, graph[doc]) for doc, _ in ranked[-1]), key=_by_score)
        payloads = {hit.id: hit.payload for hits in lists for hit in hits}
        if self.config.speaker_weight > 0 and (speakers := speaker_list(query, payloads)):
            ranked.append(speakers)
            weights.append(self.config.speaker_weight)
        fused = self._fuse(ranked, weights)
        cutoff = self.config.threshold if threshold is None else threshold
        if cutoff is not None:
            fused = [(doc, score) for doc, score in fused if score >= cutoff]
        return [
            Scored(MemoryRecord.from_payload(doc, payloads[doc]), round(score, 6))
            for doc, score in fused[offset : offset + limit]
        ]

    async def _queries(
        self,
        query: str,
        filter: FilterNode | None,
        pool: int,
        query_vector: Sequence[float] | None,
    ) -> tuple[list[VectorQuery], list[float]]:
        """The dense and BM25 store queries ``mode`` asks for, with their fusion weights."""
        mode, dense_weight = self.config.mode, self.config.dense_weight
        queries: list[VectorQuery] = []
        weights: list[float] = []
        if mode != "bm25":
            dense = await self._dense_vector(query, query_vector)
            queries.append(VectorQuery(DENSE, dense, filter, pool))
            weights.append(dense_weight if mode == "hybrid" else 1.0)
        sparse = self.bm25.query(query)
        if mode != "dense" and sparse.indices:  # a query of stopwords only has no BM25 terms
            queries.append(VectorQuery(SPARSE, sparse, filter, pool))
            weights.append(1.0 - dense_weight if mode == "hybrid" else 1.0)
        return queries, weights

    async def _dense_vector(self, query: str, given: Sequence[float] | None) -> Sequence[float]:
        if given is None:
            return await self.embedder.embed_query(query)
        if len(given) != self.embedder.dims:
            raise InvalidInputError(
                f"query_vector has {len(given)} dimensions; this store's embedder makes "
                f"{self.embedder.dims}. Embed the query with the same model, or pass none."
            )
        return given


def _graph_query(
    queries: list[VectorQuery], filter: FilterNode | None, graph: Mapping[str, float] | None
) -> VectorQuery | None:
    """The graph's candidates, kept to what the read filter (scope, time, kind, caller's)
    admits: a dense query restricted to their ids. (Not in ``bm25`` mode: no dense vector.)"""
    if not graph or not queries or queries[0].using != DENSE:
        return None
    linked = and_(filter, Cond("id", "in", tuple(graph)))
    return VectorQuery(DENSE, queries[0].vector, linked, len(graph))


def _by_score(item: tuple[str, float]) -> tuple[float, str]:
    return -item[1], item[0]


def _ranked(hits: list[Hit]) -> list[tuple[str, float]]:
    return [(hit.id, hit.score) for hit in hits]
