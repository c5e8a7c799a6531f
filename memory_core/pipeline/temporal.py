"""Supersede and invalidate: the one place where a memory stops being current.

    >>> from memory_core.types import MemoryRecord
    >>> old = MemoryRecord(id="00000000-0000-0000-0000-00000000000a", text="Lives in Paris",
    ...                    hash="h", user_id="u", kind="fact", created_at=1.0, updated_at=1.0)
    >>> patch, new = supersede(old, "Lives in Rome", stamp=5.0, valid_from=None, entities=[])
    >>> patch.values["expired_at"], patch.values["valid_until"], new.supersedes == old.id
    (5.0, 5.0, True)

* **UPDATE** closes the old record — ``expired_at`` (system time) and ``valid_until`` (world
  time: when the new version starts to hold, else now) — and opens a new record in the old
  one's scope that ``supersedes`` it. Both stay stored: ``as_of`` reads see the old one
  before the change, history links both.
* **DELETE decided by the LLM** invalidates: the record is closed the same way, not erased.
  (``Memory.delete`` called by the user really erases; that is not here.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from memory_core.pipeline.ops import PatchOp
from memory_core.pipeline.verbatim import new_record
from memory_core.types import MemoryRecord


def closing_patch(record: MemoryRecord, *, stamp: float, valid_until: float | None) -> PatchOp:
    """The payload change that makes ``record`` stop being current at ``stamp``."""
    closed = record.model_copy(
        update={
            "expired_at": stamp,
            "updated_at": stamp,
            "valid_until": valid_until if valid_until is not None else stamp,
        }
    )
    payload = closed.to_payload()
    keys = ("expired_at", "updated_at", "valid_until", "t_until")
    return PatchOp((record.id,), {key: payload[key] for key in keys})


def supersede(
    old: MemoryRecord,
    text: str,
    *,
    stamp: float,
    valid_from: float | None,
    entities: Sequence[str],
    metadata: Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
) -> tuple[PatchOp, MemoryRecord]:
    """Close ``old`` and draft the record that replaces it (same scope and kind)."""
    patch = closing_patch(old, stamp=stamp, valid_until=valid_from)
    new = new_record(
        old.scope, old.kind, text, stamp=stamp, metadata={**old.metadata, **(metadata or {})},
        valid_from=valid_from, source=source,
    ).model_copy(update={"supersedes": old.id, "entities": list(entities)})  # fmt: skip
    return patch, new


def invalidate(record: MemoryRecord, *, stamp: float, valid_until: float | None) -> PatchOp:
    """Close ``record`` without a successor (a DELETE decided by the LLM)."""
    return closing_patch(record, stamp=stamp, valid_until=valid_until)
