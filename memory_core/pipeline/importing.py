"""``import_records``: whole records written as they are (the lossless half of export/import).

    >>> # Used by AsyncMemory.import_records:
    >>> #   batch = [parse_record(raw, max_text_length) for raw in records]
    >>> #   written = await write_batch(writer, dims, batch)

Ids, times and validity are kept; a ``"vector"`` key is used instead of embedding. Records
already stored exactly as given are skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from memory_core.checks import is_uuid
from memory_core.errors import InvalidInputError
from memory_core.pipeline.normalize import normalize_messages
from memory_core.pipeline.ops import GraphMergeOp, Op, UpsertOp
from memory_core.pipeline.planner import history_row
from memory_core.pipeline.portable import graph_op, history_rows
from memory_core.pipeline.verbatim import embed_text_of
from memory_core.pipeline.writer import Writer
from memory_core.stores.history import HistoryRow
from memory_core.types import MemoryRecord
from memory_core.validation import check_record, check_vector


@dataclass(frozen=True, slots=True)
class Imported:
    """A record to import, with what its export carried beside it."""

    record: MemoryRecord
    vector: Sequence[float] | None = None
    history: list[HistoryRow] | None = None  # None: write one ADD row of now
    graph: GraphMergeOp | None = None


def parse_record(raw: Mapping[str, Any] | MemoryRecord, max_text_length: int) -> Imported:
    """A record to import, its vector, history rows and relations (if given), or a clear
    error."""
    data = raw.model_dump() if isinstance(raw, MemoryRecord) else dict(raw)
    vector = data.pop("vector", None)
    history, relations = data.pop("history", None), data.pop("relations", None)
    data.pop("embed_text", None)
    try:
        record = MemoryRecord.model_validate(data)
    except ValueError as exc:
        raise InvalidInputError(f"Cannot import record {data.get('id')!r}: {exc}") from exc
    record.scope.require("import")
    if not is_uuid(record.id):
        raise InvalidInputError(f"Imported record id {record.id!r} is not a UUID.")
    normalize_messages(record.text, max_length=max_text_length)
    check_record(record)
    if vector is not None:
        check_vector(vector, f"record {record.id}'s vector")
    return Imported(record, vector, history_rows(record, history), graph_op(record, relations))


async def write_batch(writer: Writer, dims: int, batch: list[Imported]) -> int:
    """Write a batch of imported records; returns how many were not already stored as given."""
    if not batch:
        return 0
    for item in batch:
        if item.vector is not None and len(item.vector) != dims:
            raise InvalidInputError(
                f"Record {item.record.id} has a {len(item.vector)}-d vector; this store uses "
                f"{dims}-d. Drop 'vector' to re-embed."
            )
    async with writer.lock:
        stored = {h.id: MemoryRecord.from_payload(h.id, h.payload)
                  for h in await writer.store.retrieve([i.record.id for i in batch])}  # fmt: skip
        todo = [item for item in batch if stored.get(item.record.id) != item.record]
        ops: list[Op] = [UpsertOp(i.record, embed_text_of(i.record.text, i.record.actor_id))
                         for i in todo]  # fmt: skip
        given = {i.record.id: i.vector for i in todo if i.vector is not None}
        missing = [op for op in ops if isinstance(op, UpsertOp) and op.record.id not in given]
        vectors = {**await writer.embed(missing), **given}
        rows = [row for item in todo for row in _rows(item)]
        if writer.graph is not None:  # the relations, once their memories are written
            ops += [item.graph for item in todo if item.graph is not None]
        await writer.commit(ops, rows, vectors=vectors)
    return len(todo)


def _rows(item: Imported) -> list[HistoryRow]:
    if item.history:
        return item.history
    return [history_row(item.record, "ADD", None, item.record.text)]
