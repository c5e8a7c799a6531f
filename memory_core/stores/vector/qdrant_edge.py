"""The embedded default vector store: one Qdrant Edge shard, in-process, under a directory.

    >>> import asyncio, tempfile
    >>> from memory_core.stores.vector import QdrantEdgeStore, SparseVec, VectorPoint, VectorQuery
    >>> from memory_core.filters import parse_filter
    >>> async def demo():
    ...     store = QdrantEdgeStore(tempfile.mkdtemp())
    ...     await store.open(dims=2)
    ...     await store.upsert([VectorPoint("00000000-0000-0000-0000-000000000001", [1.0, 0.0],
    ...                                     SparseVec((7,), (1.0,)), {"user_id": "alice"})])
    ...     flt = parse_filter({"user_id": "alice"})
    ...     [hits] = await store.query([VectorQuery("dense", [0.9, 0.1], flt, 5)])
    ...     await store.close()
    ...     return [h.id for h in hits]
    >>> asyncio.run(demo())
    ['00000000-0000-0000-0000-000000000001']

``path`` is the shard directory (created on first open). The shard API is synchronous; every
call runs on this store's own small thread pool, so the event loop never blocks. The shard is
safe to use from several threads at once (its segments are lock-protected and calls release
the GIL), so the pool has a few workers and reads run in parallel with writes.

Errors: a second process on the same directory gets :class:`HomeLockedError`; a directory
that cannot be loaded gets :class:`HomeCorruptError`; any other failure is a
:class:`StoreError` naming what was being done.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import qdrant_edge as qe

from memory_core.errors import (
    ClosedError,
    DimensionMismatchError,
    HomeCorruptError,
    HomeLockedError,
    HomeUnreadableError,
    InvalidInputError,
    MemoryCoreError,
    StoreError,
)
from memory_core.filters import FilterNode
from memory_core.stores.vector import _shared, edge_compaction
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

#: Threads per store. Searches fan out further on the shard's own search pool; a few callers
#: in flight at once is what the engine does (a dense and a sparse list per search, writes).
_WORKERS = 4
_CONFIG_FILE = "edge_config.json"


class _EdgeDialect:
    """Builds ``qdrant_edge`` filter classes for :func:`_shared.to_filter`."""

    def match(self, key: str, value: str | int | bool) -> Any:
        # qdrant-edge 0.9.0 reads a Python bool as the integer 1/0 (bool subclasses int), so
        # MatchValue(True) would match 1 and never true; numpy.bool_ is not an int and is
        # read as a real boolean.
        if isinstance(value, bool):
            flag: Any = np.bool_(value)
            return qe.FieldCondition(key=key, match=qe.MatchValue(flag))
        return qe.FieldCondition(key=key, match=qe.MatchValue(value))

    def match_any(self, key: str, values: list[str]) -> Any:
        return qe.FieldCondition(key=key, match=qe.MatchAny(values))

    def substring(self, key: str, text: str) -> Any:
        return qe.FieldCondition(key=key, match=qe.MatchSubstring(text))

    def range(
        self,
        key: str,
        *,
        gt: float | None = None,
        gte: float | None = None,
        lt: float | None = None,
        lte: float | None = None,
    ) -> Any:
        return qe.FieldCondition(key=key, range=qe.RangeFloat(gt=gt, gte=gte, lt=lt, lte=lte))

    def is_empty(self, key: str) -> Any:
        return qe.IsEmptyCondition(key)

    def has_id(self, ids: list[str]) -> Any:
        return qe.HasIdCondition(set(ids))

    def group(
        self,
        must: list[Any] | None = None,
        should: list[Any] | None = None,
        must_not: list[Any] | None = None,
    ) -> Any:
        return qe.Filter(must=must, should=should, must_not=must_not)


_DIALECT = _EdgeDialect()


def _filter(node: FilterNode | None) -> Any:
    return None if node is None else _shared.to_filter(node, _DIALECT)


def _is_engine_error(exc: BaseException) -> bool:
    # Rust panics surface as pyo3's PanicException, a BaseException; treat them like errors
    # but let KeyboardInterrupt, SystemExit and cancellation through.
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.removeprefix("Service runtime error: ")


class QdrantEdgeStore:
    """Vectors in an embedded Qdrant Edge shard at ``path``. See the module docstring."""

    name = "qdrant_edge"

    def __init__(
        self, path: str | Path, *, collection: str = "memories", hnsw_ef: int | None = None
    ) -> None:
        self.path = Path(path).expanduser()
        self.collection = collection
        self.hnsw_ef = hnsw_ef
        self._shard: Any = None
        self._dims = 0
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False
        self._erased = False
        self._opening_lock = asyncio.Lock()

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self, dims: int) -> None:
        if dims < 1:
            raise InvalidInputError(f"open() needs a positive vector size, got {dims}.")
        async with self._opening_lock:  # two tasks opening at once must not both load
            if self._shard is not None:
                if dims != self._dims:
                    raise DimensionMismatchError(self.collection, self._dims, dims)
                return
            executor = ThreadPoolExecutor(_WORKERS, thread_name_prefix="memory-core-qdrant-edge")
            try:
                shard = await asyncio.get_running_loop().run_in_executor(
                    executor, self._open_shard, dims
                )
            except BaseException:
                executor.shutdown(wait=False)
                raise
            self._shard, self._dims, self._executor, self._closed = shard, dims, executor, False

    async def close(self) -> None:
        shard, executor = self._shard, self._executor
        self._shard, self._executor, self._closed = None, None, True
        if shard is None or executor is None:
            return
        await asyncio.to_thread(self._shutdown, shard, executor, self._leave)

    async def optimize(self) -> bool:
        """Build HNSW indexes and merge segments; returns whether anything changed.

        Not part of the protocol, and slow on a big shard: run it off the hot path. Without
        it every search is exact, which stays fast up to about a hundred thousand points.
        """
        return bool(await self._call("optimize the shard", lambda s: s.optimize()))

    # --- writes -------------------------------------------------------------------------

    async def upsert(self, points: Sequence[VectorPoint]) -> None:
        self._require_open()
        if not points:
            return
        _shared.check_dense(points, self._dims)
        batch = [self._point(p) for p in points]
        await self._update("upsert points", qe.UpdateOperation.upsert_points(batch))

    async def set_payload(self, ids: Sequence[str], values: Mapping[str, Any]) -> None:
        self._require_open()
        if not ids or not values:
            return
        # By filter rather than by ids: a missing id is then skipped instead of failing the
        # whole call (the protocol says missing ids are ignored).
        has_ids = qe.Filter(must=[qe.HasIdCondition(set(_shared.point_ids(ids)))])
        operation = qe.UpdateOperation.set_payload_by_filter(has_ids, _shared.json_payload(values))
        await self._update("set payload", operation)

    async def delete(self, ids: Sequence[str]) -> None:
        self._require_open()
        if ids:
            self._erasing()
            wanted: list[qe.PointId] = [*_shared.point_ids(ids)]
            operation = qe.UpdateOperation.delete_points(wanted)
            await self._update("delete points", operation)

    async def delete_where(self, filter: FilterNode | None) -> None:
        self._require_open()
        self._erasing()
        flt = _filter(filter) if filter is not None else qe.Filter()
        await self._update("delete points", qe.UpdateOperation.delete_points_by_filter(flt))

    # --- reads --------------------------------------------------------------------------

    async def retrieve(self, ids: Sequence[str]) -> list[Hit]:
        self._require_open()
        wanted = _shared.point_ids(ids)
        if not wanted:
            return []
        records = await self._call("retrieve points", lambda s: s.retrieve(wanted, True, False))
        return _shared.in_order(wanted, [_hit(r) for r in records])

    async def query(self, queries: Sequence[VectorQuery]) -> list[list[Hit]]:
        self._require_open()
        if not queries:
            return []
        requests = [self._request(q) for q in queries]
        if len(requests) == 1:
            results = [await self._call("query", lambda s: s.query(requests[0]))]
        else:
            batch = qe.QueryBatchRequest(requests)
            results = await self._call("query", lambda s: s.query_batch(batch))
        return [[_hit(point) for point in points] for points in results]

    async def scroll(
        self,
        filter: FilterNode | None,
        limit: int,
        cursor: str | None = None,
        *,
        newest_first: bool = False,
    ) -> tuple[list[Hit], str | None]:
        self._require_open()
        _shared.check_limit(limit)
        _shared.check_newest_first(newest_first, cursor)
        newest = qe.OrderBy(NEWEST_FIRST_KEY, qe.Direction.Desc) if newest_first else None
        request = qe.ScrollRequest(
            offset=_shared.cursor_id(cursor),
            limit=limit,
            filter=_filter(filter),
            with_payload=True,
            with_vector=False,
            order_by=newest,
        )
        records, next_id = await self._call("scroll", lambda s: s.scroll(request))
        return [_hit(r) for r in records], None if next_id is None else str(next_id)

    async def count(self, filter: FilterNode | None) -> int:
        self._require_open()
        request = qe.CountRequest(exact=True, filter=_filter(filter))
        return int(await self._call("count points", lambda s: s.count(request)))

    async def facet(self, key: str, filter: FilterNode | None, limit: int) -> dict[str, int]:
        self._require_open()
        request = qe.FacetRequest(_shared.check_facet(key, limit), limit, True, _filter(filter))
        response = await self._call("count values", lambda s: s.facet(request))
        return _shared.facet_counts([(hit.value, hit.count) for hit in response.hits])

    # --- internals ----------------------------------------------------------------------

    def _erasing(self) -> None:
        """Before a delete: the shard must be rebuilt on close (see edge_compaction)."""
        if not self._erased:
            edge_compaction.mark_erased(self.path)
            self._erased = True

    def _config(self, dims: int) -> Any:
        return qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dims, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )

    def _open_shard(self, dims: int) -> Any:
        """Create or load the shard (blocking), check its size, add missing indexes."""
        if self.path.exists() and not self.path.is_dir():
            raise HomeUnreadableError(str(self.path), "it is a file, not a directory")
        edge_compaction.recover(self.path)
        self._erased = edge_compaction.needs_rebuild(self.path)
        if (self.path / _CONFIG_FILE).exists():
            existing = self._stored_dims()
            if existing != dims:
                raise DimensionMismatchError(self.collection, existing, dims)
            shard = self._opening(lambda: qe.EdgeShard.load(str(self.path), self._config(dims)))
        else:
            shard = self._opening(lambda: qe.EdgeShard.create(str(self.path), self._config(dims)))
        try:
            self._ensure_indexes(shard)
        except BaseException:
            shard.close()
            raise
        return shard

    def _stored_dims(self) -> int:
        try:
            config = json.loads((self.path / _CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HomeCorruptError(str(self.path), f"{_CONFIG_FILE} is unreadable ({exc})") from exc
        size = config.get("vectors", {}).get(DENSE, {}).get("size")
        if not isinstance(size, int):
            raise StoreError(
                f"The shard at {str(self.path)!r} has no {DENSE!r} vector, so memory-core did "
                "not create it. Point vector_store.path at another directory."
            )
        return size

    def _opening(self, make: Callable[[], T]) -> T:
        try:
            return make()
        except BaseException as exc:
            if not _is_engine_error(exc) or isinstance(exc, MemoryCoreError):
                raise
            raise self._open_error(exc) from exc

    def _open_error(self, exc: BaseException) -> MemoryCoreError:
        where, reason = str(self.path), _reason(exc)
        if "WouldBlock" in reason:
            return HomeLockedError(where)
        if "Permission denied" in reason or "File exists" in reason:
            return HomeUnreadableError(where, reason)
        if "incompatible" in reason.lower():
            return StoreError(
                f"The shard at {where!r} was made with another vector configuration ({reason}). "
                "Point vector_store.path at a new directory and re-import your memories."
            )
        if "segment data" in reason:
            reason = f"it holds vector segments but no {_CONFIG_FILE}"
        return HomeCorruptError(where, f"the vector shard cannot be loaded: {reason}")

    def _ensure_indexes(self, shard: Any) -> None:
        present = set(shard.info().payload_schema)
        wanted = [(f, qe.PayloadSchemaType.Keyword) for f in KEYWORD_INDEXES]
        wanted += [(f, qe.PayloadSchemaType.Float) for f in FLOAT_INDEXES]
        for field, schema in wanted:
            if field not in present:
                shard.update(qe.UpdateOperation.create_field_index(field, schema))

    def _leave(self, shard: Any) -> None:
        edge_compaction.leave(shard, self.path, self._config(self._dims))

    @staticmethod
    def _shutdown(shard: Any, executor: ThreadPoolExecutor, leave: Callable[[Any], None]) -> None:
        executor.shutdown(wait=True)  # let calls already running finish first
        try:
            leave(shard)  # flush and close; rebuilt first if it erased anything
        except BaseException as exc:
            if not _is_engine_error(exc):
                raise
            log.warning("closing the vector shard failed: %s", _reason(exc))

    def _require_open(self) -> Any:
        if self._shard is None:
            if self._closed:
                raise ClosedError()
            raise StoreError("The vector store is not open: await store.open(dims) first.")
        return self._shard

    async def _call(self, what: str, fn: Callable[[Any], T]) -> T:
        shard = self._require_open()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._guard, what, lambda: fn(shard))

    def _guard(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except BaseException as exc:
            if not _is_engine_error(exc) or isinstance(exc, MemoryCoreError):
                raise
            raise StoreError(
                f"The embedded vector store could not {what}: {_reason(exc)}. If this repeats, "
                f"the shard at {str(self.path)!r} may be damaged; restore a backup or an export."
            ) from exc

    async def _update(self, what: str, operation: Any) -> None:
        # Durability: update() appends to the shard's write-ahead log before it returns, and
        # the log is replayed on the next load. The log is a memory-mapped file that update()
        # does not msync, so a returned write lives in the OS page cache: it survives the
        # process being killed (SIGKILL; test_qdrant_edge_store.py kills a writer to prove
        # it) but not a power cut or kernel crash until the next flush(). Measured here:
        # 0.04 ms per one-point upsert with the WAL alone, 4.1 ms with flush() after each
        # (flush msyncs the WAL and every segment file, about 100x). Process death is the
        # failure to survive cheaply, so writes do not flush; close() flushes once.
        await self._call(what, lambda s: s.update(operation))

    def _request(self, query: VectorQuery) -> Any:
        ef, exact, threshold = _shared.search_options(query, self.hnsw_ef)
        params = qe.SearchParams(hnsw_ef=ef, exact=exact) if ef is not None or exact else None
        return qe.QueryRequest(
            limit=query.limit,
            query=qe.Query.Nearest(_vector(query), using=query.using),
            filter=_filter(query.filter),
            with_payload=True,
            with_vector=False,
            score_threshold=threshold,
            params=params,
        )

    def _point(self, point: VectorPoint) -> Any:
        vectors: dict[str, Any] = {SPARSE: _sparse(point.sparse)}
        if point.dense is not None:
            vectors[DENSE] = [float(x) for x in point.dense]
        return qe.Point(_shared.point_id(point.id), vectors, _shared.json_payload(point.payload))


def _vector(query: VectorQuery) -> Any:
    if query.using == SPARSE:
        if not isinstance(query.vector, SparseVec):
            raise InvalidInputError("A 'sparse' query takes a SparseVec (e.g. from BM25).")
        return _sparse(query.vector)
    if isinstance(query.vector, SparseVec):
        raise InvalidInputError("A 'dense' query takes a list of floats, not a SparseVec.")
    return [float(x) for x in query.vector]


def _sparse(vec: SparseVec) -> Any:
    return qe.SparseVector(list(vec.indices), [float(v) for v in vec.values])


def _hit(point: Any) -> Hit:
    return Hit(str(point.id), dict(point.payload or {}), float(getattr(point, "score", 0.0)))
