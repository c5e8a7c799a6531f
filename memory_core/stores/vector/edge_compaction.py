"""Erasure that erases, for the embedded shard: after deletes, the shard is rewritten on close.

A Qdrant Edge shard marks deleted points as deleted; their payload (the memory's text and
metadata) stays in the segment files and in the write-ahead log until those are overwritten,
which may be never. So a shard that erased anything is rebuilt when it closes: its live points
(vectors and payloads, as stored) are copied into a new shard beside it, which then replaces
it, and the old directory is removed. No byte of an erased memory survives the close.

The cost is one copy of the live points per session that erased something (measured in
``benchmarks/erasure.py``). Crash safety: a marker file (:data:`ERASED`) is written before
the first delete and lives in the shard until the rebuilt shard replaces it, so a crash before
the rebuild only postpones it to the next close; the swap is two renames, and
:func:`recover` finishes or rolls back a swap that a crash interrupted.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import qdrant_edge as qe

#: In a shard directory: something was erased since the shard was last rebuilt.
ERASED = "ERASED"
#: In a rebuilt shard directory: the copy is complete and may replace the original.
COMPLETE = "COMPLETE"
_PAGE = 1000


def _fresh_dir(path: Path) -> Path:
    return path.with_name(path.name + ".compacting")


def _old_dir(path: Path) -> Path:
    return path.with_name(path.name + ".erased")


def mark_erased(path: Path) -> None:
    """Remember (durably) that the shard at ``path`` must be rebuilt before it is left."""
    (path / ERASED).touch()


def needs_rebuild(path: Path) -> bool:
    return (path / ERASED).exists()


def rebuild(shard: Any, path: Path, config: Any) -> None:
    """Copy ``shard``'s live points into a new shard beside ``path`` (marked complete).

    ``shard`` stays open and unchanged; :func:`swap` puts the copy in its place once the
    caller has closed it."""
    fresh_dir = _fresh_dir(path)
    shutil.rmtree(fresh_dir, ignore_errors=True)
    fresh = qe.EdgeShard.create(str(fresh_dir), config)
    try:
        for field, info in shard.info().payload_schema.items():
            fresh.update(qe.UpdateOperation.create_field_index(field, info.data_type))
        offset = None
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=_PAGE, with_payload=True, with_vector=True
            )
            records, offset = shard.scroll(request)
            if records:
                points = [qe.Point(r.id, r.vector, dict(r.payload or {})) for r in records]
                fresh.update(qe.UpdateOperation.upsert_points(points))
            if offset is None:
                break
        fresh.flush()
    finally:
        fresh.close()
    (fresh_dir / COMPLETE).touch()


def leave(shard: Any, path: Path, config: Any) -> None:
    """Close ``shard``; if it erased anything, rebuild it from its live points first (or,
    when none is left, remove its directory: an emptied home keeps no vector files)."""
    if not needs_rebuild(path):
        shard.flush()  # not needed for durability; it spares a WAL replay
        shard.close()
        return
    empty = shard.count(qe.CountRequest(exact=True)) == 0
    if not empty:
        rebuild(shard, path, config)
    shard.close()
    if empty:
        shutil.rmtree(path)
    else:
        swap(path)


def swap(path: Path) -> None:
    """Replace the shard at ``path`` by its rebuilt copy and delete the original."""
    old = _old_dir(path)
    os.rename(path, old)
    os.rename(_fresh_dir(path), path)
    (path / COMPLETE).unlink()
    shutil.rmtree(old)


def recover(path: Path) -> None:
    """Finish (or undo) a rebuild that a crash interrupted; called before the shard loads."""
    fresh, old = _fresh_dir(path), _old_dir(path)
    if not path.exists() and old.exists():
        if (fresh / COMPLETE).exists():
            os.rename(fresh, path)
            (path / COMPLETE).unlink()
        else:
            os.rename(old, path)
    elif path.exists():
        (path / COMPLETE).unlink(missing_ok=True)  # a swap that stopped just before its end
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
