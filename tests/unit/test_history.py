"""History and journal: one transaction per write, pending entries survive for replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from memory_core.errors import HomeCorruptError
from memory_core.pipeline.ops import DeleteOp, DeleteScopeOp, PatchOp, UpsertOp, ops_from_json
from memory_core.stores.history import HistoryRow, HistoryStore, Purge
from memory_core.types import MemoryRecord

RECORD = MemoryRecord(
    id="00000000-0000-0000-0000-000000000001", text="t", hash="h", user_id="u",
    created_at=1.0, updated_at=1.0,
)  # fmt: skip


async def test_pending_entries_round_trip_every_op(tmp_path: Path) -> None:
    ops = [UpsertOp(RECORD, "u: t"), PatchOp(("a",), {"expired_at": 2.0}), DeleteOp(("b",)),
           DeleteScopeOp({"user_id": "u"}), DeleteScopeOp(None)]  # fmt: skip
    store = HistoryStore(tmp_path / "h.sqlite3")
    await store.open()
    entry = await store.begin(ops, [HistoryRow(RECORD.id, "ADD", None, "t")])
    await store.close()

    reopened = HistoryStore(tmp_path / "h.sqlite3")
    await reopened.open()
    [(pending_id, text)] = await reopened.pending()
    assert (pending_id, ops_from_json(text)) == (entry, ops)
    await reopened.finish(entry)
    assert await reopened.pending() == []
    counts = await reopened.counts()
    assert counts == {"history_rows": 1, "journal_pending": 0, "journal_quarantined": 0}
    await reopened.close()


async def test_purge_by_ids_and_by_scope(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    await store.open()
    rows = [
        HistoryRow("m1", "ADD", None, "one", scope=("u", None, None)),
        HistoryRow("m2", "ADD", None, "two", scope=("u", "a", None)),
        HistoryRow("m3", "ADD", None, "three", scope=("v", None, None)),
    ]
    await store.begin([], rows)
    await store.begin([], [], [Purge(memory_ids=("m1",))])
    assert (await store.history("m1"))[0]["new_memory"] is None
    assert (await store.history("m2"))[0]["new_memory"] == "two"
    await store.begin([], [], [Purge(scope={"user_id": "u", "agent_id": "a"}, drop_rows=True)])
    assert await store.history("m2") == []
    assert (await store.history("m3"))[0]["new_memory"] == "three"
    await store.close()


async def test_a_file_that_is_not_sqlite_is_reported_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"definitely not a database" * 100)
    store = HistoryStore(path)
    with pytest.raises(HomeCorruptError, match="damaged"):
        await store.open()
    await store.close()
