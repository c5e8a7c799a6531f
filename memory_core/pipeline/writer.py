"""Plan, journal, apply: the only code that writes to the stores.

    >>> # Used by AsyncMemory; a write is always:
    >>> #   async with writer.lock:            # plan against a stable view
    >>> #       status = await writer.commit(ops, history_rows, purges, vectors)

``commit`` writes history rows, purges and the journal entry in one SQLite transaction,
*then* applies the ops to the vector store, *then* to the graph, *then* marks the entry
done. A crash anywhere leaves either nothing (before the transaction) or a pending entry that
``replay`` applies when the engine next opens — so no vector ever exists without its history
row, and every ``add`` that returned is in the store. Every op is idempotent, so replaying
twice is safe.

The graph side may be a server that is down. Then the vector side is applied as usual, the
graph ops wait in a journal entry of their own (the *graph backlog*), ``commit`` returns why
the graph was skipped, and the backlog is applied — in order, before anything newer — by the
next write that reaches the graph, or when the engine next opens. A graph write the server
*refuses* (any other store error) is reported the same way and logged, but not retried: it
would fail again and hold every later graph write behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence

from memory_core.embeddings.base import Embedder
from memory_core.errors import (
    ClosedError,
    ConfigError,
    GraphUnavailableError,
    InvalidInputError,
    StoreError,
)
from memory_core.filters import Cond
from memory_core.pipeline.entities import GraphSide
from memory_core.pipeline.ops import (
    GRAPH_OPS,
    DeleteOp,
    DeleteScopeOp,
    GraphCloseOp,
    GraphForgetOp,
    GraphMergeOp,
    Op,
    PatchOp,
    SpaceUpsertOp,
    UpsertOp,
    ops_from_json,
    ops_to_json,
)
from memory_core.retrieval.bm25 import Bm25Encoder
from memory_core.stores.history import HistoryRow, HistoryStore, Purge
from memory_core.stores.spaces import Spaces
from memory_core.stores.vector.base import VectorPoint, VectorStore
from memory_core.types import Scope
from memory_core.validation import check_json, check_record, check_text

log = logging.getLogger("memory_core")

#: Failures of a journal entry that replaying again can never fix: a malformed entry or a
#: value a store refuses (an old release journaled what the validator now refuses).
PERMANENT_FAILURES = (InvalidInputError, ValueError, TypeError, KeyError, RecursionError)


class Writer:
    def __init__(
        self,
        history: HistoryStore,
        store: VectorStore,
        embedder: Embedder,
        bm25: Bm25Encoder,
        graph: GraphSide | None = None,
    ) -> None:
        self.history = history
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        self.graph = graph
        #: The caller's named vector spaces; an erase reaches them too.
        self.spaces: Spaces | None = None
        #: Held while planning and committing, so concurrent identical writes see each
        #: other (32 racing identical adds make one memory).
        self.lock = asyncio.Lock()
        #: Journal entries holding graph ops that could not be applied yet.
        self.graph_backlog = 0
        self._graph_error = ""  # the last reason the graph was skipped
        self._replaying = False
        #: Set when the engine closes: a later commit raises before journaling anything.
        self.closed = False

    async def embed(self, ops: Sequence[Op]) -> dict[str, list[float]]:
        """Dense vectors for the upserts, keyed by record id (done before taking the lock)."""
        upserts = [op for op in ops if isinstance(op, UpsertOp) and op.embed]
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
    ) -> str | None:
        """Journal then apply ``ops``; returns why the graph was skipped, if it was. The
        caller holds :attr:`lock`."""
        if self.closed:
            raise ClosedError()
        if not ops and not rows and not purges:
            return None
        check_ops(ops, rows)  # nothing enters the journal that could not be applied
        entry = await self.history.begin(ops, rows, purges)
        skipped = await self.apply(ops, vectors or {})
        await self.history.finish(entry)
        return skipped

    async def replay(self) -> int:
        """Apply unfinished journal entries (after a crash, or the graph backlog); returns
        how many. Once the graph fails, the remaining graph ops are deferred, not retried."""
        pending = await self.history.pending()
        self.graph_backlog = 0
        self._replaying = True
        try:
            for entry, text in pending:
                log.info("memory-core: replaying journal entry %s", entry)
                try:
                    await self.apply(ops_from_json(text), {})
                except ConfigError:
                    raise  # the configuration changed (a dimension): fixable, not the entry's
                except PERMANENT_FAILURES as exc:
                    await self._quarantine(entry, exc)
                    continue
                await self.history.finish(entry)
        finally:
            self._replaying = False
        return len(pending)

    async def _quarantine(self, entry: int, exc: BaseException) -> None:
        """Set aside an entry that fails for a reason replaying will never change, so the
        home opens; it stays listable (``memory-core journal``) until purged."""
        cause = f"{type(exc).__name__}: {exc}"[:2000]
        log.error(
            "memory-core: journal entry %s can never be applied and was quarantined (%s). "
            "List it with `memory-core journal`, drop it with `memory-core journal --purge`.",
            entry, cause,
        )  # fmt: skip
        await self.history.quarantine(entry, cause)

    async def apply(self, ops: Sequence[Op], vectors: Mapping[str, Sequence[float]]) -> str | None:
        """Apply the vector side of ``ops``, then the graph side; returns why the graph side
        was deferred, if it was."""
        await self._apply_vector_side(ops, vectors)
        graph_ops: list[Op] = [op for op in ops if isinstance(op, GRAPH_OPS)]
        if self.graph is None or not graph_ops:
            return None
        return await self._apply_graph_side(graph_ops)

    # --- vector side ---------------------------------------------------------------------

    async def _apply_vector_side(
        self, ops: Sequence[Op], vectors: Mapping[str, Sequence[float]]
    ) -> None:
        """Ops in order, consecutive upserts batched into one store call."""
        batch: list[UpsertOp] = []
        for op in ops:
            if isinstance(op, UpsertOp):
                batch.append(op)
                continue
            await self._upsert(batch, vectors)
            batch = []
            await self._apply_one(op, vectors)
        await self._upsert(batch, vectors)

    async def _apply_one(self, op: Op, vectors: Mapping[str, Sequence[float]]) -> None:
        if isinstance(op, PatchOp):
            await self.store.set_payload(op.ids, op.values)
        elif isinstance(op, DeleteOp):
            await self.store.delete(op.ids)
            if self.spaces is not None:
                await self.spaces.delete(op.ids)
        elif isinstance(op, SpaceUpsertOp):
            if self.spaces is None:
                raise StoreError("A vector-space write needs the engine's spaces; none are set.")
            await self.spaces.upsert(op.space, op.ids, op.vectors, op.scopes)
        elif isinstance(op, DeleteScopeOp):
            scope_filter = None if op.scope is None else Scope(**op.scope).filter()
            await self.store.delete_where(scope_filter)
            if self.spaces is not None:
                await self.spaces.delete_where(scope_filter)
            if self.graph is not None:
                await self.graph.index.store.delete_where(scope_filter)
        elif isinstance(op, GraphMergeOp) and self.graph is not None and op.aliases:
            # Entity names live beside the memories, so they are written even when the graph
            # server is down (and again, harmlessly, when its backlog is applied).
            index = self.graph.index
            missing = [a for a in op.aliases if a.id not in vectors]
            fresh = await self.embedder.embed_documents([a.name for a in missing])
            given = {a.id: list(vectors[a.id]) for a in op.aliases if a.id in vectors}
            made = {a.id: v for a, v in zip(missing, fresh, strict=True)}
            await index.write(index.points(op.aliases, {**given, **made}))

    async def _upsert(self, ops: list[UpsertOp], vectors: Mapping[str, Sequence[float]]) -> None:
        if not ops:
            return
        missing = [op for op in ops if op.embed and op.record.id not in vectors]
        if missing:  # replay, or a caller that did not pre-embed
            fresh = await self.embedder.embed_documents([op.embed_text for op in missing])
            vectors = {**vectors, **{op.record.id: v for op, v in zip(missing, fresh, strict=True)}}
        points = [
            VectorPoint(
                op.record.id,
                vectors[op.record.id] if op.embed else None,
                self.bm25.document(op.bm25_text),
                op.record.to_payload() | {"embed_text": op.embed_text},
            )
            for op in ops
        ]
        await self.store.upsert(points)

    # --- graph side ----------------------------------------------------------------------

    async def _apply_graph_side(self, ops: list[Op]) -> str | None:
        if self.graph_backlog and not self._replaying:
            await self.replay()  # older deferred graph writes go first
        if not self.graph_backlog:  # in order: nothing may overtake a deferred write
            try:
                for op in ops:
                    await self._apply_graph_op(op)
                return None
            except GraphUnavailableError as exc:
                log.warning("memory-core: graph skipped, its writes kept for later: %s", exc)
                self._graph_error = str(exc)
            except StoreError as exc:
                # Not a server that is down but a write it refuses (too large for FalkorDB's
                # listener, say): retried, it would block every later graph write behind it.
                log.error("memory-core: graph write refused, not retried: %s", exc)
                return f"graph write refused, not retried: {exc}"
        # Deferred: the ops wait in a journal entry of their own, applied on a later write.
        await self.history.begin(ops, [])
        self.graph_backlog += 1
        return self._graph_error

    async def _apply_graph_op(self, op: Op) -> None:
        assert self.graph is not None
        graph = self.graph.store
        if isinstance(op, GraphMergeOp):
            await graph.merge(op.entities, op.edges)
        elif isinstance(op, GraphCloseOp):
            await graph.close_edges(op.memory_ids, op.expired_at, op.valid_until)
        elif isinstance(op, GraphForgetOp):
            erased = await graph.forget(op.memory_ids)
            if erased:  # their names go too: "forget me" holds for entity names
                await self.graph.index.store.delete_where(Cond("entity_id", "in", tuple(erased)))
        elif isinstance(op, DeleteScopeOp):
            await graph.delete_scope(op.scope)


def check_ops(ops: Sequence[Op], rows: Sequence[HistoryRow]) -> None:
    """The last check before the journal, shared by every write path: each record as a store
    will keep it (:func:`~memory_core.validation.check_record`), each patch, each history text,
    and the entry as strict JSON (no NaN, valid Unicode) — so an entry never fails on replay
    for a reason that was already there when it was written."""
    for op in ops:
        if isinstance(op, UpsertOp):
            check_record(op.record)
            check_text(op.embed_text, "the embedded text")
        elif isinstance(op, PatchOp):
            check_json(op.values, "a patch")
    for row in rows:
        for text in (row.old_memory, row.new_memory, row.memory_id):
            if text is not None:
                check_text(text, "a history text")
    try:
        ops_to_json(list(ops)).encode("utf-8")
    except (ValueError, TypeError) as exc:  # NaN, a lone surrogate, a non-JSON value
        raise InvalidInputError(f"This write cannot be journaled: {exc}") from None
