"""``import_records``: whole records written as they are (the lossless half of export/import).

    >>> # Used by AsyncMemory.import_records:
    >>> #   batch = [parse_record(raw, max_text_length) for raw in records]
    >>> #   written = await write_batch(writer, dims, batch)

Ids, times and validity are kept; a ``"vector"`` key is used instead of embedding. Records
already stored exactly as given are skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from memory_core.checks import is_uuid
from memory_core.errors import InvalidInputError
from memory_core.pipeline.normalize import normalize_messages
from memory_core.pipeline.ops import UpsertOp
from memory_core.pipeline.planner import history_row
from memory_core.pipeline.verbatim import embed_text_of
from memory_core.pipeline.writer import Writer
from memory_core.types import MemoryRecord
from memory_core.validation import check_record, check_vector

Imported = tuple[MemoryRecord, Sequence[float] | None]


def parse_record(raw: Mapping[str, Any] | MemoryRecord, max_text_length: int) -> Imported:
    """A record to import and its vector (if given), or a clear error."""
    data = raw.model_dump() if isinstance(raw, MemoryRecord) else dict(raw)
    vector = data.pop("vector", None)
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
    return record, vector


async def write_batch(writer: Writer, dims: int, batch: list[Imported]) -> int:
    """Write a batch of imported records; returns how many were not already stored as given."""
    if not batch:
        return 0
    for record, vec in batch:
        if vec is not None and len(vec) != dims:
            raise InvalidInputError(
                f"Record {record.id} has a {len(vec)}-d vector; this store uses {dims}-d. "
                "Drop 'vector' to re-embed."
            )
    async with writer.lock:
        stored = {h.id: MemoryRecord.from_payload(h.id, h.payload)
                  for h in await writer.store.retrieve([rec.id for rec, _ in batch])}  # fmt: skip
        todo = [(rec, vec) for rec, vec in batch if stored.get(rec.id) != rec]
        ops = [UpsertOp(rec, embed_text_of(rec.text, rec.actor_id)) for rec, _ in todo]
        given = {rec.id: vec for rec, vec in todo if vec is not None}
        missing = [op for op in ops if op.record.id not in given]
        vectors = {**await writer.embed(missing), **given}
        rows = [history_row(op.record, "ADD", None, op.record.text) for op in ops]
        await writer.commit(list(ops), rows, vectors=vectors)
    return len(ops)
