"""Keyed record access, for adapters that own their ids (a key-value view of the engine).

    >>> import asyncio, tempfile
    >>> from memory_core import AsyncMemory, MemoryConfig
    >>> from memory_core.records import RecordWrite, keyed_id, keyed_record
    >>> async def demo():
    ...     async with AsyncMemory(MemoryConfig(home=tempfile.mkdtemp())) as memory:
    ...         rid = keyed_id("prefs", "alice", "theme")
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
and :meth:`Records.sweep` erases it), and erasing by filter. Every write goes through the
journal (:class:`~memory_core.pipeline.writer.Writer`); each method has a sync twin on
``Memory.records``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from memory_core.checks import check_metadata, check_page, is_uuid
from memory_core.errors import InvalidInputError
from memory_core.filters import Cond, FilterNode, and_
from memory_core.ids import ID_NAMESPACE, text_hash
from memory_core.pipeline.normalize import normalize_messages
from memory_core.pipeline.ops import PatchOp, UpsertOp
from memory_core.pipeline.plans import plan_erase, plan_put
from memory_core.retrieval.search import Scored
from memory_core.scoping import is_visible, visible
from memory_core.stores.vector.base import Hit
from memory_core.timeutil import now
from memory_core.twins import sync_twin
from memory_core.types import Kind, MemoryRecord, Scope

if TYPE_CHECKING:
    from memory_core.memory import AsyncMemory

T = TypeVar("T")
_PAGE = 256


def keyed_id(*parts: str) -> str:
    """A deterministic record id for a caller's key (e.g. a namespace's labels and a key)."""
    return str(uuid.uuid5(ID_NAMESPACE, "\x1e".join(("keyed", *parts))))


def keyed_record(
    record_id: str,
    text: str,
    metadata: Mapping[str, Any],
    *,
    user_id: str | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    kind: Kind = "fact",
    source: Mapping[str, Any] | None = None,
    expires_at: float | None = None,
    created_at: float | None = None,
) -> MemoryRecord:
    """A current record with the caller's id; ``metadata`` is kept exactly as given."""
    stamp = now()
    return MemoryRecord(
        id=record_id, text=text, hash=text_hash(text), user_id=user_id, agent_id=agent_id,
        run_id=run_id, kind=kind, metadata=check_metadata(metadata), source=dict(source or {}),
        created_at=stamp if created_at is None else created_at, updated_at=stamp,
        expires_at=expires_at,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class RecordWrite:
    """A whole record to write under its own id. ``embed_text`` is what is embedded (and
    BM25-indexed); ``vector`` skips embedding (it must come from the engine's model)."""

    record: MemoryRecord
    embed_text: str
    vector: Sequence[float] | None = None


class Records:
    """Keyed, exact access to one engine's records (``AsyncMemory.records``)."""

    def __init__(self, engine: AsyncMemory) -> None:
        self._engine = engine

    async def put(self, writes: Sequence[RecordWrite], delete: Sequence[str] = ()) -> None:
        """Write whole records and erase ``delete`` ids, in one journal entry."""
        engine = self._engine
        await engine._ready()
        for write in writes:
            self._check(write)
        given = {w.record.id: w.vector for w in writes if w.vector is not None}
        ops = [UpsertOp(w.record, w.embed_text) for w in writes]
        vectors = {**await engine.writer.embed([o for o in ops if o.record.id not in given]),
                   **given}  # fmt: skip
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
        self, where: FilterNode | None, *, limit: int, offset: int = 0
    ) -> list[MemoryRecord]:
        """Live records matching ``where``, by id; ``limit`` / ``offset`` page them."""
        check_page(limit, offset)
        await self._engine._ready()
        flt = and_(where, visible())
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
        query: str,
        where: FilterNode | None,
        *,
        limit: int,
        offset: int = 0,
        query_vector: Sequence[float] | None = None,
    ) -> list[Scored]:
        """Hybrid search among live records matching ``where``; best first."""
        check_page(limit, offset)
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError("search() needs a non-empty query string.")
        await self._engine._ready()
        flt = and_(where, visible())
        return await self._engine.retriever.search(
            query, flt, limit=limit, offset=offset, query_vector=query_vector
        )

    async def touch(self, expiries: Mapping[str, float]) -> None:
        """Move records' expiry (a TTL refreshed on read)."""
        await self._engine._ready()
        ops = [PatchOp((i,), {"expires_at": at}) for i, at in expiries.items()]
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

    def _check(self, write: RecordWrite) -> None:
        record = write.record
        record.scope.require("put")
        if not is_uuid(record.id):
            raise InvalidInputError(f"A record id must be a UUID, got {record.id!r}.")
        normalize_messages(record.text, max_length=self._engine.config.max_text_length)
        if write.vector is not None and len(write.vector) != self._engine.embedder.dims:
            raise InvalidInputError(
                f"Record {record.id} has a {len(write.vector)}-d vector; this store uses "
                f"{self._engine.embedder.dims}-d vectors from its embedder."
            )


class SyncRecords:
    """The sync twin of :class:`Records` (``Memory.records``): same calls, run on the
    facade's loop."""

    def __init__(self, records: Records, run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
        self.engine = records
        self._runner = run

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        result: T = self._runner(coro)
        return result

    # Every call of Records, with its signature and docstring (see memory_core.twins).
    put = sync_twin(Records.put)
    get = sync_twin(Records.get)
    scan = sync_twin(Records.scan)
    search = sync_twin(Records.search)
    touch = sync_twin(Records.touch)
    delete_where = sync_twin(Records.delete_where)
    sweep = sync_twin(Records.sweep)


__all__ = ["RecordWrite", "Records", "Scope", "SyncRecords", "keyed_id", "keyed_record"]
