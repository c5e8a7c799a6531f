"""Keyed record access (memory_core.records): exact values, TTL expiry, sweep, erase by filter."""

from __future__ import annotations

from memory_core import Memory
from memory_core.filters import Cond
from memory_core.records import RecordWrite, keyed_id, keyed_record
from memory_core.timeutil import now


def _write(memory: Memory, key: str, value: dict[str, object], **kwargs: object) -> str:
    rid = keyed_id("ns", key)
    record = keyed_record(rid, f"text of {key}", value, user_id="alice", **kwargs)  # type: ignore[arg-type]
    memory.records.put([RecordWrite(record, record.text)])
    return rid


def test_put_get_keeps_the_value_exactly_and_updates_in_place(memory: Memory) -> None:
    value = {"a": 1, "b": 1.0, "nested": {"x": None, "y": [1, "two"]}, "empty": {}}
    rid = _write(memory, "k", value)
    [got] = memory.records.get([rid])
    assert got.metadata == value and type(got.metadata["b"]) is float
    _write(memory, "k", {"a": 2})
    assert [r.metadata for r in memory.records.get([rid])] == [{"a": 2}]
    assert [e["event"] for e in memory.history(rid)] == ["ADD", "UPDATE"]
    assert memory.search("text of k", user_id="alice")["results"][0]["id"] == rid


def test_expired_records_are_never_read_and_a_sweep_erases_them(memory: Memory) -> None:
    gone = _write(memory, "old", {"v": 1}, expires_at=now() - 1)
    kept = _write(memory, "new", {"v": 2}, expires_at=now() + 3600)
    assert [r.id for r in memory.records.get([gone, kept])] == [kept]
    assert [h["id"] for h in memory.get_all(user_id="alice")["results"]] == [kept]
    assert [h["id"] for h in memory.search("text", user_id="alice")["results"]] == [kept]
    assert memory.records.sweep() == 1
    assert memory.get_all(user_id="alice", include_expired=True)["results"][0]["id"] == kept
    memory.records.touch({kept: now() - 1})
    assert memory.records.get([kept]) == []


def test_scan_search_and_delete_where_take_filter_asts(memory: Memory) -> None:
    ids = [_write(memory, f"k{i}", {"i": i}, source={"thread_id": f"t{i % 2}"}) for i in range(4)]
    odd = Cond("source.thread_id", "eq", "t1")
    assert {r.id for r in memory.records.scan(odd, limit=10)} == {ids[1], ids[3]}
    assert len(memory.records.scan(None, limit=2, offset=1)) == 2
    assert {s.record.id for s in memory.records.search("text", odd, limit=10)} == {ids[1], ids[3]}
    assert memory.records.delete_where(odd) == 2
    assert {r.id for r in memory.records.scan(None, limit=10)} == {ids[0], ids[2]}
    memory.records.put([], delete=[ids[0]])
    assert memory.history(ids[0])[-1]["event"] == "DELETE"
