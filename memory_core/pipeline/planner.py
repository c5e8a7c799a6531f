"""Plan writes for ``add``: where each new record goes, what it closes, what history says.

    >>> # Used by AsyncMemory.add:
    >>> #   await planner.add_verbatim(drafts)                        # no LLM, or infer=False
    >>> #   await planner.add_inferred(messages, scope, metadata=…)   # the memory manager

Placement (:meth:`Planner.place`) is where duplicates are caught: a draft whose deterministic
id already holds the same current memory is a *repeat* (event ``NONE``); an id taken by
another text (updated in place) or by an expired version (kept for ``as_of``) moves the
draft to the next successor id. It runs under the writer's lock, so racing identical writes
meet on one memory.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from memory_core.errors import StoreError
from memory_core.filters import Cond, and_
from memory_core.ids import normalize_text, successor_id, text_hash
from memory_core.pipeline.context import ConversationIndexer
from memory_core.pipeline.graph import GraphPlan, GraphPlanner
from memory_core.pipeline.infer import Decided, MemoryManager
from memory_core.pipeline.normalize import Message
from memory_core.pipeline.ops import GraphCloseOp, Op, PatchOp, UpsertOp
from memory_core.pipeline.plans import history_row
from memory_core.pipeline.temporal import closing_patch, invalidate, supersede
from memory_core.pipeline.verbatim import new_record
from memory_core.pipeline.writer import Writer
from memory_core.prompts.memory_manager import Relation
from memory_core.prompts.procedural import ProceduralSummary, render
from memory_core.scoping import TimeView, exact_scope_filter, is_visible
from memory_core.stores.history import HistoryRow
from memory_core.timeutil import now
from memory_core.types import AddEvent, AddResult, Event, MemoryRecord, Scope

log = logging.getLogger("memory_core")

#: Successor ids tried for one text before giving up (each needs a prior in-place update).
MAX_SUCCESSORS = 64


@dataclass(frozen=True, slots=True)
class _Planned:
    """One decided operation with what it writes."""

    decided: Decided
    draft: UpsertOp | None = None  # the new record (ADD, UPDATE)
    close: PatchOp | None = None  # closing the target (UPDATE, DELETE)


class Planner:
    def __init__(
        self,
        writer: Writer,
        manager: MemoryManager | None,
        graph: GraphPlanner | None = None,
        context: ConversationIndexer | None = None,
    ) -> None:
        self.writer = writer
        self.store = writer.store
        self.manager = manager
        self.graph = graph
        self.context = context

    # --- verbatim ------------------------------------------------------------------------

    async def add_verbatim(self, drafts: list[UpsertOp]) -> AddResult:
        vectors = await self.writer.embed(drafts)
        async with self.writer.lock:
            placed, repeats = await self.place(drafts)
            rows = [history_row(op.record, "ADD", None, op.record.text) for op in placed.values()]
            ops = list(placed.values())
            if self.context is not None:  # neighbours from the conversation, across calls
                ops = await self.context.arrange(ops)
            texts = {op.record.id: op.embed_text for op in ops}
            moved = {
                op.record.id: vectors[draft_id] for draft_id, op in placed.items()
                if texts.get(op.record.id) == op.embed_text  # else the writer embeds anew
            }  # fmt: skip
            await self.writer.commit([*ops], rows, vectors=moved)
        return {"results": [
            add_event(placed[d.record.id].record, "ADD") if d.record.id in placed
            # A repeat reports the memory already stored, not the text sent again.
            else add_event(repeats[d.record.id], "NONE")
            for d in drafts
        ]}  # fmt: skip

    # --- inferred ------------------------------------------------------------------------

    async def add_inferred(
        self,
        messages: Sequence[Message],
        scope: Scope,
        *,
        metadata: Mapping[str, Any],
        source: Mapping[str, Any] | None,
        said_at: float | None = None,
    ) -> AddResult:
        """One LLM call decides; the decision is applied as one journaled write.

        ``said_at`` (``add(valid_from=...)``) is when the messages were said: a fact the model
        gives no date holds from then, and a fact it deletes stops holding then.

        Raises :class:`~memory_core.errors.LLMError` when the LLM fails (the engine decides
        whether to fall back to verbatim)."""
        assert self.manager is not None, "add_inferred needs an LLM"
        candidates = await self.manager.candidates(messages, scope)
        decision = await self.manager.decide(messages, candidates, said_at=said_at)
        stamp = now()
        planned = [
            self._plan(_dated(d, said_at), scope, metadata, source, stamp)
            for d in decision.operations
        ]
        drafts = [p.draft for p in planned if p.draft is not None]
        vectors = await self.writer.embed(drafts)
        events: list[AddEvent] = []
        async with self.writer.lock:
            planned = await self._still_current(planned, decision.rejected)
            placed, repeats = await self.place([p.draft for p in planned if p.draft])
            ops: list[Op] = []
            rows: list[HistoryRow] = []
            for item in planned:
                if (event := self._apply(item, placed, repeats, ops, rows)) is not None:
                    events.append(event)
            graph_ops, graph = await self._graph_ops(
                planned, placed, repeats, decision.relations, scope, stamp, source
            )
            moved = {op.record.id: vectors[draft_id] for draft_id, op in placed.items()}
            skipped = await self.writer.commit(ops + graph_ops, rows, vectors=moved | graph.vectors)
        result: AddResult = {
            "results": events,
            "relations": [r.model_dump() for r in decision.relations],
            "usage": decision.usage.as_dict(),
        }
        if decision.rejected or graph.rejected:
            result["rejected"] = decision.rejected + graph.rejected
        if skipped:
            result["graph"] = {"status": "skipped", "reason": skipped}
        return result

    @staticmethod
    def _plan(
        decided: Decided,
        scope: Scope,
        metadata: Mapping[str, Any],
        source: Mapping[str, Any] | None,
        stamp: float,
    ) -> _Planned:
        target = decided.target
        if decided.event == "ADD" and decided.text:
            record = new_record(
                scope, "fact", decided.text, stamp=stamp, metadata=metadata,
                valid_from=decided.valid_from, source=source,
            ).model_copy(update={"entities": list(decided.entities),
                                 "valid_until": decided.valid_until})  # fmt: skip
            return _Planned(decided, draft=UpsertOp(record, record.text))
        if decided.event == "UPDATE" and target is not None and decided.text:
            close, record = supersede(
                target, decided.text, stamp=stamp, valid_from=decided.valid_from,
                entities=decided.entities, metadata=metadata, source=source,
            )  # fmt: skip
            return _Planned(decided, draft=UpsertOp(record, record.text), close=close)
        if decided.event == "DELETE" and target is not None:
            return _Planned(
                decided, close=invalidate(target, stamp=stamp, valid_until=decided.valid_until)
            )
        return _Planned(decided)  # NONE

    async def _graph_ops(
        self,
        planned: list[_Planned],
        placed: dict[str, UpsertOp],
        repeats: dict[str, MemoryRecord],
        relations: list[Relation],
        scope: Scope,
        stamp: float,
        source: Mapping[str, Any] | None,
    ) -> tuple[list[Op], GraphPlan]:
        """Close the relations of memories this add closes; add the relations it names,
        linked to the facts it wrote or confirmed."""
        if self.graph is None:
            return [], GraphPlan()
        ops: list[Op] = []
        facts: list[MemoryRecord] = []
        for item in planned:
            target = item.decided.target
            if item.close is not None and target is not None:
                values = item.close.values
                ops.append(
                    GraphCloseOp((target.id,), values["expired_at"], values.get("valid_until"))
                )
            if item.draft is not None:
                draft_id = item.draft.record.id
                facts.append(placed[draft_id].record if draft_id in placed else repeats[draft_id])
            elif item.decided.event == "NONE" and target is not None:
                facts.append(target)
        plan = await self.graph.plan(relations, facts, scope, stamp=stamp, origin=source)
        return ops + ([plan.op] if plan.op else []), plan

    async def _still_current(self, planned: list[_Planned], rejected: list[str]) -> list[_Planned]:
        """Drop operations whose target stopped being current while the LLM was thinking."""
        targets = [p.decided.target.id for p in planned if p.close and p.decided.target]
        at = now()
        current = {
            hit.id for hit in await self.store.retrieve(targets)
            if is_visible(MemoryRecord.from_payload(hit.id, hit.payload), at)
        }  # fmt: skip
        kept = []
        for item in planned:
            target = item.decided.target
            if item.close and target is not None and target.id not in current:
                reason = f"{item.decided.event} of {target.id}: it changed meanwhile"
                log.warning("memory-core: dropped %s", reason)
                rejected.append(reason)
                continue
            kept.append(item)
        return kept

    @staticmethod
    def _apply(
        item: _Planned,
        placed: dict[str, UpsertOp],
        repeats: dict[str, MemoryRecord],
        ops: list[Op],
        rows: list[HistoryRow],
    ) -> AddEvent | None:
        """Append one operation's writes and history rows; return its event (none for a
        NONE that names no memory)."""
        decided, target = item.decided, item.decided.target
        if item.close is not None:
            ops.append(item.close)
        new: MemoryRecord | None = None
        if item.draft is not None:
            if item.draft.record.id in placed:
                op = placed[item.draft.record.id]
                ops.append(op)
                new = op.record
                rows.append(history_row(new, "ADD", None, new.text))
            else:  # the new text is already a current memory: nothing new to write
                new = repeats[item.draft.record.id]
                if target is None:
                    return add_event(new, "NONE")
        if decided.event == "UPDATE" and target is not None and new is not None:
            rows.append(history_row(target, "UPDATE", target.text, new.text))
            event = add_event(new, "UPDATE")
            event["previous_memory"] = target.text
            event["previous_id"] = target.id
            return event
        if decided.event == "DELETE" and target is not None:
            rows.append(history_row(target, "DELETE", target.text, None))
            return add_event(target, "DELETE")
        if new is not None:
            return add_event(new, "ADD")
        return add_event(target, "NONE") if target else None

    # --- procedural ----------------------------------------------------------------------

    async def add_procedure(
        self,
        summary: ProceduralSummary,
        scope: Scope,
        *,
        metadata: Mapping[str, Any],
        source: Mapping[str, Any] | None,
    ) -> AddResult:
        """Store a run's summary as the current procedure for its scope and task; a newer
        one supersedes the previous version (history keeps every version)."""
        stamp = now()
        text = render(summary)
        record = new_record(
            scope, "procedure", f"task: {summary.task}", stamp=stamp,
            metadata={**metadata, "task": summary.task}, source=source,
        ).model_copy(update={"text": text, "hash": text_hash(text),
                             "procedure": summary.model_dump()})  # fmt: skip
        draft = UpsertOp(record, text)
        vectors = await self.writer.embed([draft])
        async with self.writer.lock:
            previous = await self._current_procedures(scope, summary.task)
            placed, repeats = await self.place([draft])
            if draft.record.id in repeats:  # the same summary again
                return {"results": [add_event(repeats[draft.record.id], "NONE")]}
            op = placed[draft.record.id]
            new = op.record.model_copy(update={"supersedes": previous[0].id if previous else None})
            ops: list[Op] = [closing_patch(old, stamp=stamp, valid_until=None) for old in previous]
            ops.append(UpsertOp(new, text))
            rows = [history_row(old, "UPDATE", old.text, new.text) for old in previous]
            rows.append(history_row(new, "ADD", None, new.text))
            await self.writer.commit(ops, rows, vectors={new.id: vectors[draft.record.id]})
        event = add_event(new, "UPDATE" if previous else "ADD")
        if previous:
            event["previous_memory"] = previous[0].text
            event["previous_id"] = previous[0].id
        return {"results": [event]}

    async def _current_procedures(self, scope: Scope, task: str) -> list[MemoryRecord]:
        flt = and_(
            exact_scope_filter(scope), TimeView().filter(), Cond("kind", "eq", "procedure"),
            Cond("metadata.task", "eq", task),
        )  # fmt: skip
        hits, _ = await self.store.scroll(flt, 16)
        return [MemoryRecord.from_payload(hit.id, hit.payload) for hit in hits]

    # --- placement -----------------------------------------------------------------------

    async def place(
        self, drafts: Sequence[UpsertOp]
    ) -> tuple[dict[str, UpsertOp], dict[str, MemoryRecord]]:
        """Where each draft goes, keyed by its draft id: ``placed`` (to write, maybe under a
        successor id) or ``repeats`` (the current memory it repeats). Call under the lock."""
        placed: dict[str, UpsertOp] = {}
        repeats: dict[str, MemoryRecord] = {}
        for draft in drafts:
            candidate = draft
            for attempt in range(1, MAX_SUCCESSORS + 1):
                hits = await self.store.retrieve([candidate.record.id])
                if not hits and candidate.record.id not in _ids(placed):
                    placed[draft.record.id] = candidate
                    break
                stored = (MemoryRecord.from_payload(hits[0].id, hits[0].payload) if hits
                          else _by_id(placed, candidate.record.id))  # fmt: skip
                if stored.expired_at is None and same_memory(stored, draft.record):
                    repeats[draft.record.id] = stored
                    break
                new_id = successor_id(draft.record.id, attempt)
                candidate = replace(draft, record=draft.record.model_copy(update={"id": new_id}))
            else:
                raise StoreError(
                    f"No free id for {draft.record.text[:60]!r} after {MAX_SUCCESSORS} "
                    "successors; the store may be damaged."
                )
        return placed, repeats


def _ids(placed: dict[str, UpsertOp]) -> set[str]:
    return {op.record.id for op in placed.values()}


def _by_id(placed: dict[str, UpsertOp], record_id: str) -> MemoryRecord:
    return next(op.record for op in placed.values() if op.record.id == record_id)


def same_memory(stored: MemoryRecord, draft: MemoryRecord) -> bool:
    return (stored.kind, stored.role, stored.actor_id, normalize_text(stored.text)) == (
        draft.kind, draft.role, draft.actor_id, normalize_text(draft.text))  # fmt: skip


def add_event(record: MemoryRecord, event: Event) -> AddEvent:
    result: AddEvent = {"id": record.id, "memory": record.text, "event": event}
    if record.actor_id is not None:
        result["actor_id"] = record.actor_id
    if record.role is not None:
        result["role"] = record.role
    return result


def _dated(decided: Decided, said_at: float | None) -> Decided:
    """An operation the model gave no date takes the time its messages were said, if known:
    an added fact holds from then, a deleted one stops holding then."""
    if said_at is None:
        return decided
    if decided.event in ("ADD", "UPDATE") and decided.valid_from is None:
        return replace(decided, valid_from=said_at)
    if decided.event == "DELETE" and decided.valid_until is None:
        return replace(decided, valid_until=said_at)
    return decided
