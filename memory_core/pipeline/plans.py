"""Plans for the writes that are not ``add``: update in place, erase, and keyed puts.

    >>> from memory_core.types import MemoryRecord
    >>> record = MemoryRecord(id="m1", text="likes tea", hash="h", created_at=0, updated_at=0)
    >>> plan = plan_erase([record], graph=True)
    >>> [type(op).__name__ for op in plan.ops], [row.event for row in plan.rows]
    (['DeleteOp', 'GraphForgetOp'], ['DELETE'])

A plan is what one journal entry holds — operations, history rows and history purges — and
nothing is written until the caller commits it under the writer's lock. The facades
(``AsyncMemory``, ``Records``) only validate and call these, so a rule such as "every erase
forgets the graph relations and purges the history text" is written once, in
:func:`plan_erase`, whichever public call erases. (``add`` is planned by
:mod:`memory_core.pipeline.planner`, which uses :func:`history_row` from here.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from memory_core.ids import text_hash
from memory_core.pipeline.ops import DeleteOp, DeleteScopeOp, GraphForgetOp, Op, UpsertOp
from memory_core.pipeline.verbatim import embed_text_of
from memory_core.pipeline.writer import Writer
from memory_core.stores.history import HistoryRow, Purge
from memory_core.types import MemoryRecord


@dataclass(frozen=True, slots=True)
class Plan:
    """One journal entry's worth of writing: ops, history rows and history purges."""

    ops: list[Op] = field(default_factory=list)
    rows: list[HistoryRow] = field(default_factory=list)
    purges: list[Purge] = field(default_factory=list)

    def __add__(self, other: Plan) -> Plan:
        return Plan(
            [*self.ops, *other.ops], [*self.rows, *other.rows], [*self.purges, *other.purges]
        )

    async def commit(
        self, writer: Writer, vectors: Mapping[str, Sequence[float]] | None = None
    ) -> str | None:
        """Journal and apply the plan (the caller holds ``writer.lock``); returns why the
        graph was skipped, if it was."""
        return await writer.commit(self.ops, self.rows, self.purges, vectors=vectors)


def history_row(record: MemoryRecord, event: str, old: str | None, new: str | None) -> HistoryRow:
    """The history row of one event of ``record``."""
    return HistoryRow(
        record.id, event, old, new, record.actor_id, record.role,
        (record.user_id, record.agent_id, record.run_id),
    )  # fmt: skip


def plan_update(
    old: MemoryRecord, text: str, metadata: dict[str, Any] | None, *, at: float
) -> tuple[UpsertOp, Plan]:
    """Change ``old``'s text (and, when given, replace its metadata) in place; history keeps
    the old text. Returns the upsert (its ``embed_text`` is what to embed) and the plan."""
    new = old.model_copy(update={
        "text": text, "hash": text_hash(text), "updated_at": at,
        "metadata": old.metadata if metadata is None else metadata,
    })  # fmt: skip
    op = UpsertOp(new, embed_text_of(new.text, new.actor_id))
    return op, Plan([op], [history_row(new, "UPDATE", old.text, new.text)])


def plan_erase(records: Sequence[MemoryRecord], *, graph: bool) -> Plan:
    """Erase ``records`` for real: their points, their graph relations (and the entities
    left without any) when there is a graph, and their text in history.

    It takes the stored records rather than bare ids because each erase leaves a ``DELETE``
    row naming who said it and in which scope."""
    if not records:
        return Plan()
    ids = tuple(record.id for record in records)
    ops: list[Op] = [DeleteOp(ids)]
    if graph:
        ops.append(GraphForgetOp(ids))
    rows = [history_row(record, "DELETE", None, None) for record in records]
    return Plan(ops, rows, [Purge(memory_ids=ids)])


def plan_erase_scope(scope: dict[str, str] | None, *, drop_rows: bool = False) -> Plan:
    """Erase every record of a scope (``None``: of the whole home) and its history text;
    ``drop_rows`` removes the history rows too (``reset``). The writer forgets the graph
    side of a scope erase itself (:class:`DeleteScopeOp`)."""
    return Plan([DeleteScopeOp(scope)], [], [Purge(scope=scope or {}, drop_rows=drop_rows)])


def plan_put(
    writes: Sequence[UpsertOp],
    stored: Mapping[str, MemoryRecord],
    delete: Sequence[str] = (),
    *,
    graph: bool,
) -> Plan:
    """Write whole records under their own ids and erase the ``delete`` ids that exist.

    ``stored`` holds what the store has under those ids now: a write over a stored record is
    an ``UPDATE`` in history, a new one an ``ADD``; an erase is :func:`plan_erase`."""
    rows = [_put_row(op.record, stored.get(op.record.id)) for op in writes]
    gone = [stored[i] for i in dict.fromkeys(delete) if i in stored]
    return Plan(list(writes), rows) + plan_erase(gone, graph=graph)


def _put_row(record: MemoryRecord, old: MemoryRecord | None) -> HistoryRow:
    if old is None:
        return history_row(record, "ADD", None, record.text)
    return history_row(record, "UPDATE", old.text, record.text)
