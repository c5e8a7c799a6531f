"""Keyed record access, for adapters that own their ids (a key-value view of the engine).

    >>> import asyncio, tempfile
    >>> from memory_core import AsyncMemory, MemoryConfig
    >>> from memory_core.records import RecordWrite, keyed_record
    >>> async def demo():
    ...     async with AsyncMemory(MemoryConfig(home=tempfile.mkdtemp())) as memory:
    ...         rid = memory.records.keyed_id("prefs", "alice", "theme")
    ...         record = keyed_record(rid, "dark theme", {"theme": "dark"}, user_id="alice")
    ...         await memory.records.put([RecordWrite(record, "dark theme")])
    ...         [got] = await memory.records.get([rid])
    ...         hits = (await memory.search("theme", user_id="alice"))["results"]
    ...         return got.metadata, hits[0]["id"] == rid
    >>> asyncio.run(demo())
    ({'theme': 'dark'}, True)

What a key-value store (LangGraph's ``BaseStore``) needs from the engine, and nothing of its
own logic: whole records written under the caller's ids (so a ``put`` then ``get`` returns the
value exactly, and the same key twice is one record), reads by id and by filter AST, ranked
search under a filter AST, per-record expiry (``expires_at``: a record past it is never read,
and :meth:`Records.sweep` erases it), and erasing by filter. For CrewAI and LangGraph too:
paths under a scope and tags (``keyed_record(path=, tags=)``, matched with
:mod:`memory_core.adapters.paths`), counts and facets from the store's index, vector-only
search, records kept without an engine vector (``embed=False``), and the caller's own vectors
in named spaces of any dimension (:mod:`memory_core.stores.spaces`). Every write goes through
the journal (:class:`~memory_core.pipeline.writer.Writer`); each method has a sync twin on
``Memory.records``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from memory_core.checks import check_metadata, check_page, check_search_args, is_uuid
from memory_core.errors import DimensionMismatchError, InvalidInputError
from memory_core.filters import PATH_PREFIXES, Cond, FilterNode, and_, check_path
from memory_core.ids import keyed_id, scheme_keyed_id, text_hash
from memory_core.pipeline.normalize import normalize_messages
from memory_core.pipeline.ops import Op, PatchOp, SpaceUpsertOp, UpsertOp
from memory_core.pipeline.plans import plan_erase, plan_put
from memory_core.scoping import is_visible, visible
from memory_core.stores.spaces import Spaces
from memory_core.stores.vector.base import DENSE, Hit, VectorQuery
from memory_core.timeutil import now
from memory_core.twins import sync_twin
from memory_core.types import Kind, MemoryRecord, Scope, ScoredRecord
from memory_core.validation import check_epoch, check_record, check_text, check_vector

if TYPE_CHECKING:
    from memory_core.memory import AsyncMemory

T = TypeVar("T")
_PAGE = 256
#: Values a facet returns by default: enough for every path prefix of a large namespace tree.
FACET_LIMIT = 10_000


def keyed_record(
    record_id: str,
    text: str,
    metadata: Mapping[str, Any],
    *,
    scope: Scope | None = None,
    user_id: str | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    path: Sequence[str] = (),
    tags: Sequence[str] = (),
    kind: Kind = "fact",
    source: Mapping[str, Any] | None = None,
    expires_at: float | None = None,
    created_at: float | None = None,
) -> MemoryRecord:
    """A current record with the caller's id; ``metadata`` is kept exactly as given.

    The scope is ``scope`` or the keyword ids (not both); ``path`` places the record under
    its scope (see :mod:`memory_core.adapters.paths`), ``tags`` label it for facets.
    ``kind="transcript"`` keeps a conversation the adapter also forms memories from: the
    records API reads it as any other, ``search`` / ``get_all`` never offer it unasked.
    """
    owner = _owner(scope, user_id, agent_id, run_id)
    stamp = now()
    return MemoryRecord(
        id=record_id,
        text=text,
        hash=text_hash(text),
        user_id=owner.user_id,
        agent_id=owner.agent_id,
        run_id=owner.run_id,
        kind=kind,
        metadata=check_metadata(metadata),
        source=dict(source or {}),
        created_at=stamp if created_at is None else created_at,
        updated_at=stamp,
        expires_at=expires_at,
        path=check_path(path),
        tags=_tags(tags),
    )


def _owner(
    scope: Scope | None, user_id: str | None, agent_id: str | None, run_id: str | None
) -> Scope:
    loose = Scope(user_id, agent_id, run_id)
    if scope is None:
        return loose
    if not loose.empty:
        raise InvalidInputError(
            "Give the scope either as scope=Scope(...) or as user_id/agent_id/run_id, not both."
        )
    return scope


def _tags(tags: Sequence[str]) -> tuple[str, ...]:
    if isinstance(tags, str) or not all(isinstance(t, str) and t for t in tags):
        raise InvalidInputError(f"tags are a sequence of non-empty strings, got {tags!r}.")
    return tuple(dict.fromkeys(tags))


@dataclass(frozen=True, slots=True)
class RecordWrite:
    """A whole record to write under its own id. ``embed_text`` is what is embedded (and
    BM25-indexed); ``vector`` skips embedding (it must come from the engine's model);
    ``embed=False`` stores the record without an engine vector (BM25 and filters still find
    it; a dense search does not). ``space`` + ``space_vector``: the caller's own vector, of
    any dimension, in the named vector space ``space`` (searched with
    ``records.search(None, where, query_vector=..., space=...)``); without a
    ``space_vector`` the record's vector already in that space is kept."""

    record: MemoryRecord
    embed_text: str
    vector: Sequence[float] | None = None
    embed: bool = True
    space: str | None = None
    space_vector: Sequence[float] | None = None


class Records:
    """Keyed, exact access to one engine's records (``AsyncMemory.records``)."""

    def __init__(self, engine: AsyncMemory) -> None:
        self._engine = engine

    def keyed_id(self, *parts: str) -> str:
        """The record id of a caller's key (a namespace's labels and a key) in this home:
        deterministic here, not computable outside it (see :mod:`memory_core.ids`). The
        engine must be open (``await engine.open()``; a ``Memory`` always is)."""
        for part in parts:
            check_text(part, "a key part")
        scheme = getattr(self._engine, "id_scheme", None)
        if scheme is None:
            raise InvalidInputError(
                "keyed_id() needs the engine open (its ids are keyed by the home's secret): "
                "await engine.open() first."
            )
        return scheme_keyed_id(scheme, parts)

    async def put(self, writes: Sequence[RecordWrite], delete: Sequence[str] = ()) -> None:
        """Write whole records and erase ``delete`` ids, in one journal entry."""
        engine = self._engine
        await engine._ready()
        for write in writes:
            self._check(write)
        given = {w.record.id: w.vector for w in writes if w.vector is not None and w.embed}
        ops: list[Op] = [UpsertOp(w.record, w.embed_text, embed=w.embed) for w in writes]
        ops += await self._space_ops(writes)
        unembedded = [o for o in ops if isinstance(o, UpsertOp) and o.record.id not in given]
        vectors = {**await engine.writer.embed(unembedded), **given}
        async with engine.writer.lock:
            stored = await engine.store.retrieve([w.record.id for w in writes] + list(delete))
            old = {h.id: MemoryRecord.from_payload(h.id, h.payload) for h in stored}
            plan = plan_put(ops, old, delete, graph=engine.graph is not None)
            await plan.commit(engine.writer, vectors=vectors)

    async def get(self, ids: Sequence[str]) -> list[MemoryRecord]:
        """The live records with these ids (current and not past ``expires_at``), in order."""
        await self._engine._ready()
        wanted = [i for i in ids if is_uuid(i)]
        hits = await self._engine.store.retrieve(wanted) if wanted else []
        at = now()
        records = [MemoryRecord.from_payload(h.id, h.payload) for h in hits]
        return [r for r in records if is_visible(r, at)]

    async def scan(
        self,
        where: FilterNode | None,
        *,
        limit: int,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[MemoryRecord]:
        """Live records matching ``where``, by id (or by ``created_at``, newest first);
        ``limit`` / ``offset`` page them."""
        check_page(limit, offset)
        await self._engine._ready()
        flt = _live_filter(where)
        if newest_first:
            page, _ = await self._engine.store.scroll(flt, offset + limit, newest_first=True)
            return [MemoryRecord.from_payload(h.id, h.payload) for h in page[offset:]]
        hits: list[Hit] = []
        cursor: str | None = None
        wanted = offset + limit
        while len(hits) < wanted:
            page, cursor = await self._engine.store.scroll(flt, min(_PAGE, wanted - len(hits)),
                                                           cursor)  # fmt: skip
            hits.extend(page)
            if cursor is None:
                break
        return [MemoryRecord.from_payload(h.id, h.payload) for h in hits[offset:wanted]]

    async def search(
        self,
        query: str | None,
        where: FilterNode | None,
        *,
        limit: int,
        offset: int = 0,
        query_vector: Sequence[float] | None = None,
        space: str | None = None,
        min_score: float | None = None,
    ) -> list[ScoredRecord]:
        """Live records matching ``where``, best first.

        With a ``query`` string: hybrid search (dense + BM25; ``query_vector`` stands in for
        the query's embedding). With ``query=None``: vector-only search by ``query_vector``
        (cosine similarity, from the engine's embedding model), or with ``space`` by the
        caller's vectors in that named space (any dimension; a space that does not exist
        yet finds nothing). ``min_score`` drops weaker hits.
        """
        check_page(limit, offset)
        await self._engine._ready()
        flt = _live_filter(where)
        if space is not None:
            if query is not None or query_vector is None:
                raise InvalidInputError(
                    "A search in a vector space is by vector only: search(None, where, "
                    "query_vector=[...], space=...)."
                )
            return await self._in_space(space, query_vector, flt, limit, offset, min_score)
        if query is None:
            return await self._nearest(query_vector, flt, limit, offset, min_score)
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError(
                "search() needs a non-empty query string, or query=None with a query_vector."
            )
        check_search_args(query, min_score, None, self._engine.embedder.dims)
        if query_vector is not None:
            self._check_vector(query_vector, "query_vector")
        return await self._engine.retriever.search(
            query, flt, limit=limit, offset=offset, query_vector=query_vector, threshold=min_score
        )

    async def count(self, where: FilterNode | None) -> int:
        """How many live records match ``where`` (exact, from the store's index)."""
        await self._engine._ready()
        return await self._engine.store.count(_live_filter(where))

    async def facets(
        self, field: str, where: FilterNode | None, *, limit: int = FACET_LIMIT
    ) -> dict[str, int]:
        """How many live records matching ``where`` hold each value of ``field``, most
        frequent first, from the store's index, never a scan. More than ``limit`` distinct
        values raise :class:`InvalidInputError` rather than come back cut (a cut path facet
        could drop a child and keep its descendants): narrow ``where`` or raise ``limit``.

        ``field``: ``"tags"``, ``"kind"``, ``"role"``, a scope id field, or a path facet:
        ``"path"`` counts the records at or below each path (keys are encoded prefixes: use
        ``paths.children`` / ``paths.decode``), ``"path_key"`` the records exactly at each.
        """
        check_page(limit, 0)
        await self._engine._ready()
        key = PATH_PREFIXES if field == "path" else field
        counts = await self._engine.store.facet(key, _live_filter(where), limit + 1)
        if len(counts) > limit:
            raise InvalidInputError(
                f"More than {limit} distinct values of {field!r} match: narrow `where` (e.g. "
                "paths.under(a deeper path)) or pass a larger limit."
            )
        return counts

    async def touch(self, expiries: Mapping[str, float]) -> None:
        """Move records' expiry (a TTL refreshed on read)."""
        await self._engine._ready()
        ops = [PatchOp((i,), {"expires_at": check_epoch(at, "expires_at")})
               for i, at in expiries.items()]  # fmt: skip
        async with self._engine.writer.lock:
            await self._engine.writer.commit(list(ops), [])

    async def delete_where(self, where: FilterNode) -> int:
        """Erase every record matching ``where`` (history text included); returns how many."""
        await self._engine._ready()
        engine, erased = self._engine, 0
        async with engine.writer.lock:
            while True:
                page, _ = await engine.store.scroll(where, _PAGE, None)
                if not page:
                    return erased
                records = [MemoryRecord.from_payload(h.id, h.payload) for h in page]
                await plan_erase(records, graph=engine.graph is not None).commit(engine.writer)
                erased += len(records)

    async def sweep(self) -> int:
        """Erase the records whose ``expires_at`` has passed; returns how many."""
        return await self.delete_where(Cond("expires_at", "lte", now()))

    async def drop_space(self, space: str) -> None:
        """Erase the named vector space's vectors and forget its dimension, so vectors of
        another dimension may follow. The records stay. A missing space is fine."""
        engine = self._engine
        await engine._ready()
        async with engine.writer.lock:
            await self._spaces.drop(space)

    @property
    def _spaces(self) -> Spaces:
        spaces = self._engine.writer.spaces
        if spaces is None:
            raise InvalidInputError("This engine has no vector spaces (it is not open).")
        return spaces

    async def _space_ops(self, writes: Sequence[RecordWrite]) -> list[Op]:
        """One journaled op per space written; each space is made (and its dimension
        checked) before anything enters the journal."""
        by_space: dict[str, list[RecordWrite]] = {}
        for write in writes:
            if write.space_vector is not None:
                if write.space is None:
                    raise InvalidInputError(
                        f"Record {write.record.id} has a space_vector but no space: name it."
                    )
                by_space.setdefault(write.space, []).append(write)
        ops: list[Op] = []
        for space, group in by_space.items():
            vectors = tuple(tuple(float(x) for x in w.space_vector or ()) for w in group)
            if not all(v and all(map(math.isfinite, v)) for v in vectors):
                raise InvalidInputError(
                    f"Vectors for space {space!r} must be non-empty lists of finite numbers."
                )
            dims = len(vectors[0])
            if odd := next((v for v in vectors if len(v) != dims), None):
                raise DimensionMismatchError(
                    f"space {space!r}", dims, len(odd),
                    message=f"One put gives space {space!r} vectors of {dims} and {len(odd)} "
                    "dimensions; a space holds one dimension.",
                )  # fmt: skip
            await self._spaces.ensure(space, dims)
            ids = tuple(w.record.id for w in group)
            scopes = tuple(w.record.scope.ids() for w in group)
            ops.append(SpaceUpsertOp(space, ids, vectors, scopes))
        return ops

    async def _in_space(
        self,
        space: str,
        vector: Sequence[float],
        flt: FilterNode | None,
        limit: int,
        offset: int,
        min_score: float | None,
    ) -> list[ScoredRecord]:
        """Rank ids by the space's vectors, then keep the live records ``flt`` admits, in
        that order. The pool widens until enough records pass the filter or the space is
        exhausted, so a selective filter never hides a match."""
        wanted, pool = offset + limit, max(4 * (offset + limit), 64)
        while True:
            hits = await self._spaces.search(space, vector, pool, min_score)
            admitted = await self._admitted([h.id for h in hits], flt)
            found = [ScoredRecord(admitted[h.id], h.score) for h in hits if h.id in admitted]
            if len(found) >= wanted or len(hits) < pool:
                return found[offset:wanted]
            pool *= 4

    async def _admitted(self, ids: list[str], flt: FilterNode | None) -> dict[str, MemoryRecord]:
        if not ids:
            return {}
        page, _ = await self._engine.store.scroll(and_(flt, Cond("id", "in", tuple(ids))),
                                                  len(ids))  # fmt: skip
        return {h.id: MemoryRecord.from_payload(h.id, h.payload) for h in page}

    async def _nearest(
        self,
        vector: Sequence[float] | None,
        flt: FilterNode | None,
        limit: int,
        offset: int,
        min_score: float | None,
    ) -> list[ScoredRecord]:
        if vector is None:
            raise InvalidInputError("search(None, ...) needs a query_vector to search by.")
        self._check_vector(vector, "query_vector")
        extra = {} if min_score is None else {"score_threshold": min_score}
        query = VectorQuery(DENSE, vector, flt, offset + limit, extra)
        [hits] = await self._engine.store.query([query])
        return [
            ScoredRecord(MemoryRecord.from_payload(h.id, h.payload), h.score) for h in hits[offset:]
        ]

    def _check_vector(self, vector: Sequence[float], what: str) -> None:
        dims = self._engine.embedder.dims
        if len(vector) != dims:
            raise DimensionMismatchError(
                "memories", dims, len(vector),
                message=f"{what} has {len(vector)} dimensions; this store's embedder makes "
                f"{dims}. Embed with the same model.",
            )  # fmt: skip
        check_vector(vector, what)  # finite entries: a NaN would make every score meaningless

    def _check(self, write: RecordWrite) -> None:
        record = write.record
        record.scope.require("put")
        if not is_uuid(record.id):
            raise InvalidInputError(f"A record id must be a UUID, got {record.id!r}.")
        normalize_messages(record.text, max_length=self._engine.config.max_text_length)
        check_record(record)  # the shared validator: strict JSON, Unicode, finite times
        check_text(write.embed_text, f"record {record.id}'s embed_text")
        if write.vector is not None:
            self._check_vector(write.vector, f"The vector of record {record.id}")


class SyncRecords:
    """The sync twin of :class:`Records` (``Memory.records``): same calls, run on the
    facade's loop."""

    def __init__(self, records: Records, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
        self.engine = records
        self._runner = run

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        result: T = self._runner(coro)
        return result

    def keyed_id(self, *parts: str) -> str:
        return self.engine.keyed_id(*parts)

    keyed_id.__doc__ = Records.keyed_id.__doc__  # a twin: the same call, the same docs

    # Every call of Records, with its signature and docstring (see memory_core.twins).
    put = sync_twin(Records.put)
    get = sync_twin(Records.get)
    scan = sync_twin(Records.scan)
    search = sync_twin(Records.search)
    count = sync_twin(Records.count)
    drop_space = sync_twin(Records.drop_space)
    facets = sync_twin(Records.facets)
    touch = sync_twin(Records.touch)
    delete_where = sync_twin(Records.delete_where)
    sweep = sync_twin(Records.sweep)


def _live_filter(where: FilterNode | None) -> FilterNode | None:
    """``where`` among the records a read may see (:func:`memory_core.scoping.visible`)."""
    return and_(where, visible())


__all__ = ["RecordWrite", "Records", "Scope", "SyncRecords", "keyed_id", "keyed_record"]
