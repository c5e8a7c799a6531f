"""Plan, journal, apply: the only code that writes to the stores.

    >>> # Used by AsyncMemory; a write is always:
    >>> #   async with writer.lock:            # plan against a stable view
    >>> #       await writer.commit(ops, history_rows, purges, vectors)

``commit`` writes history rows, purges and the journal entry in one SQLite transaction,
*then* applies the ops to the vector store, *then* marks the entry done. A crash anywhere
leaves either nothing (before the transaction) or a pending entry that ``replay`` applies
when the engine next opens — so no vector ever exists without its history row, and every
``add`` that returned is in the store. Every op is idempotent, so replaying twice is safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence

from memory_core.embeddings.base import Embedder
from memory_core.pipeline.ops import DeleteOp, DeleteScopeOp, Op, PatchOp, UpsertOp
from memory_core.retrieval.bm25 import Bm25Encoder
from memory_core.stores.history import HistoryRow, HistoryStore, Purge
from memory_core.stores.vector.base import VectorPoint, VectorStore
from memory_core.types import Scope

log = logging.getLogger("memory_core")


class Writer:
    def __init__(
        self, history: HistoryStore, store: VectorStore, embedder: Embedder, bm25: Bm25Encoder
    ) -> None:
        self.history = history
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        #: Held while planning and committing, so concurrent identical writes see each
        #: other (32 racing identical adds make one memory).
        self.lock = asyncio.Lock()

    async def embed(self, ops: Sequence[Op]) -> dict[str, list[float]]:
        """Dense vectors for the upserts, keyed by record id (done before taking the lock)."""
        upserts = [op for op in ops if isinstance(op, UpsertOp)]
        if not upserts:
            return {}
        vectors = await self.embedder.embed_documents([op.embed_text for op in upserts])
        return {op.record.id: vector for op, vector in zip(upserts, vectors, strict=True)}

    async def commit(
        self,
        ops: list[Op],
        rows: list[HistoryRow],
        purges: list[Purge] | None = None,
        vectors: Mapping[str, Sequence[float]] | None = None,
    ) -> None:
        """Journal then apply ``ops``. The caller holds :attr:`lock`."""
        if not ops and not rows and not purges:
            return
        entry = await self.history.begin(ops, rows, purges)
        await self.apply(ops, vectors or {})
        await self.history.finish(entry)

    async def replay(self) -> int:
        """Apply unfinished journal entries (after a crash); returns how many."""
        pending = await self.history.pending()
        for entry, ops in pending:
            log.info("memory-core: replaying journal entry %s (%s ops)", entry, len(ops))
            await self.apply(ops, {})
            await self.history.finish(entry)
        return len(pending)

    async def apply(self, ops: Sequence[Op], vectors: Mapping[str, Sequence[float]]) -> None:
        """Apply ops in order, batching consecutive upserts into one store call."""
        batch: list[UpsertOp] = []
        for op in ops:
            if isinstance(op, UpsertOp):
                batch.append(op)
                continue
            await self._upsert(batch, vectors)
            batch = []
            await self._apply_one(op)
        await self._upsert(batch, vectors)

    async def _apply_one(self, op: Op) -> None:
        if isinstance(op, PatchOp):
            await self.store.set_payload(op.ids, op.values)
        elif isinstance(op, DeleteOp):
            await self.store.delete(op.ids)
        elif isinstance(op, DeleteScopeOp):
            scope_filter = None if op.scope is None else Scope(**op.scope).filter()
            await self.store.delete_where(scope_filter)

    async def _upsert(self, ops: list[UpsertOp], vectors: Mapping[str, Sequence[float]]) -> None:
        if not ops:
            return
        missing = [op for op in ops if op.record.id not in vectors]
        if missing:  # replay, or a caller that did not pre-embed
            fresh = await self.embedder.embed_documents([op.embed_text for op in missing])
            vectors = {**vectors, **{op.record.id: v for op, v in zip(missing, fresh, strict=True)}}
        points = [
            VectorPoint(
                op.record.id,
                vectors[op.record.id],
                self.bm25.document(op.bm25_text),
                op.record.to_payload() | {"embed_text": op.embed_text},
            )
            for op in ops
        ]
        await self.store.upsert(points)
