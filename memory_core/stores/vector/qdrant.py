"""Vectors in a Qdrant server, cluster or cloud — or in qdrant-client's local mode.

    >>> import asyncio
    >>> from memory_core.stores.vector import QdrantServerStore, SparseVec, VectorPoint, VectorQuery
    >>> async def demo():
    ...     store = QdrantServerStore(location=":memory:")  # or url=..., api_key=...
    ...     await store.open(dims=2)
    ...     await store.upsert([VectorPoint("00000000-0000-0000-0000-000000000001", [1.0, 0.0],
    ...                                     SparseVec((7,), (1.0,)), {"user_id": "alice"})])
    ...     [hits] = await store.query([VectorQuery("dense", [0.9, 0.1], None, 5)])
    ...     await store.close()
    ...     return [h.id for h in hits]
    >>> asyncio.run(demo())
    ['00000000-0000-0000-0000-000000000001']

Uses ``AsyncQdrantClient``, so a server is awaited natively. Writes wait for the server to
apply them (``wait=True``): a returned upsert is in the server's write-ahead log. Local mode
(``location=":memory:"`` or ``path=``) is qdrant-client's pure-Python engine: same API and
filter meaning, but it computes on the calling thread and scans every point, so it is for
tests and tiny data, not for serving.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar

from qdrant_client import AsyncQdrantClient, models
from qdrant_client.http.exceptions import ApiException, UnexpectedResponse

from memory_core.errors import (
    ClosedError,
    ConfigError,
    DimensionMismatchError,
    HomeCorruptError,
    HomeLockedError,
    HomeUnreadableError,
    InvalidInputError,
    MemoryCoreError,
    StoreError,
)
from memory_core.filters import FilterNode
from memory_core.stores.vector import _shared
from memory_core.stores.vector.base import (
    DENSE,
    FLOAT_INDEXES,
    KEYWORD_INDEXES,
    NEWEST_FIRST_KEY,
    SPARSE,
    Hit,
    SparseVec,
    VectorPoint,
    VectorQuery,
)

log = logging.getLogger("memory_core")
T = TypeVar("T")

Condition = models.Condition


class _ClientDialect:
    """Builds ``qdrant_client.models`` filter classes for :func:`_shared.to_filter`."""

    def match(self, key: str, value: str | int | bool) -> Condition:
        return models.FieldCondition(key=key, match=models.MatchValue(value=value))

    def match_any(self, key: str, values: list[str]) -> Condition:
        return models.FieldCondition(key=key, match=models.MatchAny(any=values))

    def substring(self, key: str, text: str) -> Condition:
        return models.FieldCondition(key=key, match=models.MatchSubstring(substring=text))

    def range(
        self,
        key: str,
        *,
        gt: float | None = None,
        gte: float | None = None,
        lt: float | None = None,
        lte: float | None = None,
    ) -> Condition:
        return models.FieldCondition(key=key, range=models.Range(gt=gt, gte=gte, lt=lt, lte=lte))

    def is_empty(self, key: str) -> Condition:
        return models.IsEmptyCondition(is_empty=models.PayloadField(key=key))

    def has_id(self, ids: list[str]) -> Condition:
        return models.HasIdCondition(has_id=list(ids))

    def group(
        self,
        must: list[Condition] | None = None,
        should: list[Condition] | None = None,
        must_not: list[Condition] | None = None,
    ) -> Condition:
        return models.Filter(must=must, should=should, must_not=must_not)


_DIALECT = _ClientDialect()


def _filter(node: FilterNode | None) -> models.Filter | None:
    if node is None:
        return None
    built = _shared.to_filter(node, _DIALECT)
    assert isinstance(built, models.Filter)  # to_filter always returns a group
    return built


class QdrantServerStore:
    """Vectors in a Qdrant collection reached through ``qdrant-client``."""

    name = "qdrant"

    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        location: str | None = None,
        path: str | None = None,
        collection: str = "memories",
        timeout: float = 30.0,
        hnsw_ef: int | None = None,
    ) -> None:
        if sum(x is not None for x in (url, location, path)) != 1:
            raise ConfigError(
                "QdrantServerStore needs exactly one of url= (a server, e.g. "
                "'http://localhost:6333'), location=':memory:' or path= (qdrant-client's local "
                "mode, for tests)."
            )
        self.url, self.location, self.path = url, location, path
        self.collection = collection
        self.hnsw_ef = hnsw_ef
        self._api_key = api_key
        self._timeout = timeout
        self._client: AsyncQdrantClient | None = None
        self._dims = 0
        self._closed = False
        self._opening_lock = asyncio.Lock()

    @property
    def local(self) -> bool:
        """Whether this is qdrant-client's in-process local mode rather than a server."""
        return self.path is not None or self.location == ":memory:"

    @property
    def where(self) -> str:
        """Where the collection lives, for messages."""
        return self.url or self.path or self.location or "?"

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self, dims: int) -> None:
        if dims < 1:
            raise InvalidInputError(f"open() needs a positive vector size, got {dims}.")
        async with self._opening_lock:  # two tasks opening at once must not both connect
            if self._client is not None:
                if dims != self._dims:
                    raise DimensionMismatchError(self.collection, self._dims, dims)
                return
            client = self._make_client()
            try:
                await self._prepare(client, dims)
            except BaseException:
                await client.close()
                raise
            self._client, self._dims, self._closed = client, dims, False

    async def close(self) -> None:
        client, self._client, self._closed = self._client, None, True
        if client is not None:
            await client.close()

    # --- writes -------------------------------------------------------------------------

    async def upsert(self, points: Sequence[VectorPoint]) -> None:
        client = self._require_open()
        if not points:
            return
        _shared.check_dense(points, self._dims)
        structs = [_point(p) for p in points]
        await self._guard(
            "upsert points", client.upsert(self.collection, points=structs, wait=True)
        )

    async def set_payload(self, ids: Sequence[str], values: Mapping[str, Any]) -> None:
        client = self._require_open()
        if not ids or not values:
            return
        # By filter: the server answers 404 for a missing id, the protocol ignores them.
        has_ids = models.Filter(must=[models.HasIdCondition(has_id=_ids(ids))])
        payload = _shared.json_payload(values)
        # A None value removes its key: what Qdrant (server and edge) does. Local mode would
        # store a null instead, so the removal is spelled out for every backend.
        nulls = [key for key, value in payload.items() if value is None]
        kept = {key: value for key, value in payload.items() if value is not None}
        if kept:
            call = client.set_payload(self.collection, kept, points=has_ids, wait=True)
            await self._guard("set payload", call)
        if nulls:
            call = client.delete_payload(self.collection, nulls, points=has_ids, wait=True)
            await self._guard("delete payload keys", call)

    async def delete(self, ids: Sequence[str]) -> None:
        client = self._require_open()
        if ids:
            selector = models.PointIdsList(points=_ids(ids))
            await self._guard("delete points", client.delete(self.collection, selector, wait=True))

    async def delete_where(self, filter: FilterNode | None) -> None:
        client = self._require_open()
        selector = models.FilterSelector(filter=_filter(filter) or models.Filter())
        await self._guard("delete points", client.delete(self.collection, selector, wait=True))

    # --- reads --------------------------------------------------------------------------

    async def retrieve(self, ids: Sequence[str]) -> list[Hit]:
        client = self._require_open()
        wanted = _shared.point_ids(ids)
        if not wanted:
            return []
        call = client.retrieve(self.collection, list(wanted), with_payload=True)
        records = await self._guard("retrieve points", call)
        return _shared.in_order(wanted, [_hit(r.id, r.payload) for r in records])

    async def query(self, queries: Sequence[VectorQuery]) -> list[list[Hit]]:
        client = self._require_open()
        if not queries:
            return []
        requests = [self._request(q) for q in queries]
        responses = await self._guard(
            "query", client.query_batch_points(self.collection, requests=requests)
        )
        return [[_hit(p.id, p.payload, p.score) for p in r.points] for r in responses]

    async def scroll(
        self,
        filter: FilterNode | None,
        limit: int,
        cursor: str | None = None,
        *,
        newest_first: bool = False,
    ) -> tuple[list[Hit], str | None]:
        client = self._require_open()
        _shared.check_limit(limit)
        _shared.check_newest_first(newest_first, cursor)
        newest = models.OrderBy(key=NEWEST_FIRST_KEY, direction=models.Direction.DESC)
        call = client.scroll(
            self.collection,
            scroll_filter=_filter(filter),
            limit=limit,
            offset=_shared.cursor_id(cursor),
            with_payload=True,
            with_vectors=False,
            order_by=newest if newest_first else None,
        )
        records, next_id = await self._guard("scroll", call)
        return [_hit(r.id, r.payload) for r in records], None if next_id is None else str(next_id)

    async def count(self, filter: FilterNode | None) -> int:
        client = self._require_open()
        call = client.count(self.collection, count_filter=_filter(filter), exact=True)
        return (await self._guard("count points", call)).count

    async def facet(self, key: str, filter: FilterNode | None, limit: int) -> dict[str, int]:
        client = self._require_open()
        call = client.facet(
            self.collection,
            _shared.check_facet(key, limit),
            facet_filter=_filter(filter),
            limit=limit,
            exact=True,
        )
        response = await self._guard("count values", call)
        return _shared.facet_counts([(hit.value, hit.count) for hit in response.hits])

    # --- internals ----------------------------------------------------------------------

    def _make_client(self) -> AsyncQdrantClient:
        try:
            return AsyncQdrantClient(
                url=self.url,
                api_key=self._api_key,
                location=self.location,
                path=self.path,
                timeout=math.ceil(self._timeout),
            )
        except Exception as exc:
            raise self._client_error(exc) from exc

    def _client_error(self, exc: Exception) -> MemoryCoreError:
        """Local mode loads its files while the client is made; say which file problem."""
        if "already accessed" in str(exc):  # local mode's lock on path=
            return HomeLockedError(self.where)
        if self.path is not None and isinstance(exc, OSError):
            return HomeUnreadableError(self.path, str(exc))
        if self.path is not None:
            return HomeCorruptError(self.path, f"qdrant-client's local storage failed: {exc}")
        return StoreError(f"Cannot set up a Qdrant client for {self.where!r}: {exc}")

    async def _prepare(self, client: AsyncQdrantClient, dims: int) -> None:
        """Create the collection, or check the existing one; then add missing indexes."""
        exists = await self._guard(
            "look up the collection", client.collection_exists(self.collection)
        )
        if not exists:
            try:
                await client.create_collection(
                    self.collection,
                    vectors_config={DENSE: models.VectorParams(size=dims, distance=_COSINE)},
                    sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=_IDF)},
                )
            except (UnexpectedResponse, ValueError) as exc:
                # Someone else may have created it just now (409 on a server); check it below.
                if getattr(exc, "status_code", None) != 409 and "already exists" not in str(exc):
                    raise self._error("create the collection", exc) from exc
        info = await self._guard("read the collection", client.get_collection(self.collection))
        self._check_vectors(info, dims)
        await self._ensure_indexes(client, info)

    def _check_vectors(self, info: models.CollectionInfo, dims: int) -> None:
        vectors = info.config.params.vectors
        sparse = info.config.params.sparse_vectors or {}
        dense = vectors.get(DENSE) if isinstance(vectors, dict) else None
        if dense is None or SPARSE not in sparse:
            raise StoreError(
                f"Collection {self.collection!r} at {self.where!r} lacks the named vectors "
                f"{DENSE!r} and {SPARSE!r}, so memory-core did not create it. "
                "Point vector_store.collection at another name."
            )
        if dense.size != dims:
            raise DimensionMismatchError(self.collection, dense.size, dims)
        if sparse[SPARSE].modifier != _IDF:
            log.warning(
                "collection %r: sparse vector %r has no IDF modifier; BM25 ranks will be off",
                self.collection,
                SPARSE,
            )

    async def _ensure_indexes(self, client: AsyncQdrantClient, info: models.CollectionInfo) -> None:
        if self.local:
            return  # local mode scans every point; it warns that indexes do nothing there
        present = set(info.payload_schema or {})
        wanted = [(f, models.PayloadSchemaType.KEYWORD) for f in KEYWORD_INDEXES]
        wanted += [(f, models.PayloadSchemaType.FLOAT) for f in FLOAT_INDEXES]
        for field, schema in wanted:
            if field in present:
                continue
            try:
                await client.create_payload_index(self.collection, field, schema, wait=True)
            except (ApiException, ValueError, NotImplementedError) as exc:
                # Indexes only speed filters up; filters mean the same without them.
                log.warning("no payload index on %r (%s); filters still work", field, exc)

    def _require_open(self) -> AsyncQdrantClient:
        if self._client is None:
            if self._closed:
                raise ClosedError()
            raise StoreError("The vector store is not open: await store.open(dims) first.")
        return self._client

    async def _guard(self, what: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except MemoryCoreError:
            raise
        except Exception as exc:
            raise self._error(what, exc) from exc

    def _error(self, what: str, exc: Exception) -> StoreError:
        if isinstance(exc, UnexpectedResponse) and exc.status_code in (401, 403):
            hint = "Check vector_store.api_key (env MEMORY_CORE_VECTOR_STORE__API_KEY)"
        elif isinstance(exc, ApiException | OSError) and not self.local:
            hint = f"Check that Qdrant is running and reachable at {self.where} (vector_store.url)"
        else:
            hint = "Check the collection and the Qdrant logs"
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return StoreError(
            f"Qdrant could not {what} (collection {self.collection!r} at {self.where!r}): "
            f"{text}. {hint}."
        )

    def _request(self, query: VectorQuery) -> models.QueryRequest:
        ef, exact, threshold = _shared.search_options(query, self.hnsw_ef)
        tuned = (ef is not None or exact) and not self.local  # local mode is always exact
        params = models.SearchParams(hnsw_ef=ef, exact=exact) if tuned else None
        return models.QueryRequest(
            query=_vector(query),
            using=query.using,
            filter=_filter(query.filter),
            limit=query.limit,
            params=params,
            score_threshold=threshold,
            with_payload=True,
            with_vector=False,
        )


_COSINE = models.Distance.COSINE
_IDF = models.Modifier.IDF


def _ids(ids: Sequence[str]) -> list[models.ExtendedPointId]:
    return list(_shared.point_ids(ids))


def _vector(query: VectorQuery) -> list[float] | models.SparseVector:
    if query.using == SPARSE:
        if not isinstance(query.vector, SparseVec):
            raise InvalidInputError("A 'sparse' query takes a SparseVec (e.g. from BM25).")
        return _sparse(query.vector)
    if isinstance(query.vector, SparseVec):
        raise InvalidInputError("A 'dense' query takes a list of floats, not a SparseVec.")
    return [float(x) for x in query.vector]


def _sparse(vec: SparseVec) -> models.SparseVector:
    return models.SparseVector(indices=list(vec.indices), values=[float(v) for v in vec.values])


def _point(point: VectorPoint) -> models.PointStruct:
    vectors: dict[str, Any] = {SPARSE: _sparse(point.sparse)}
    if point.dense is not None:
        vectors[DENSE] = [float(x) for x in point.dense]
    return models.PointStruct(
        id=_shared.point_id(point.id), vector=vectors, payload=_shared.json_payload(point.payload)
    )


def _hit(
    point_id: models.ExtendedPointId, payload: dict[str, Any] | None, score: float = 0.0
) -> Hit:
    return Hit(str(point_id), dict(payload or {}), float(score))
