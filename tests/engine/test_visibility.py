"""Which records a read may see is decided once, in ``memory_core.scoping``: the filter a
store evaluates (``visible``) and the Python rule (``is_visible``) agree on the same records,
and every count and read follows them (``stats()["current"]`` included)."""

from __future__ import annotations

from memory_core import Memory
from memory_core.adapters import paths
from memory_core.records import RecordWrite, keyed_id, keyed_record
from memory_core.scoping import is_visible, visible
from memory_core.timeutil import now
from memory_core.types import MemoryRecord


def _records(at: float) -> list[MemoryRecord]:
    """Every combination of superseded (``expired_at``) and TTL (``expires_at``) that matters,
    the TTL's boundary (exactly ``at``) included."""
    shapes = {
        "plain": {},
        "ttl-passed": {"expires_at": at - 60},
        "ttl-at-boundary": {"expires_at": at},
        "ttl-ahead": {"expires_at": at + 3600},
        "superseded": {"expired_at": at - 10},
        "superseded-ttl-ahead": {"expired_at": at - 10, "expires_at": at + 3600},
    }
    records = []
    for name, times in shapes.items():
        record = keyed_record(keyed_id("vis", name), f"note {name}", {"shape": name},
                              user_id="vera", created_at=at - 100)  # fmt: skip
        records.append(record.model_copy(update=times))
    return records


def test_the_store_filter_and_the_python_rule_agree(memory: Memory) -> None:
    at = now()
    records = _records(at)
    memory.records.put([RecordWrite(r, r.text) for r in records])
    engine = memory.engine
    page, _ = memory._run(engine.store.scroll(visible(at), 100, None))
    by_filter = {hit.id for hit in page}
    by_rule = {r.id for r in records if is_visible(r, at)}
    assert by_filter == by_rule
    assert {r.metadata["shape"] for r in records if r.id in by_rule} == {"plain", "ttl-ahead"}


def test_stats_current_does_not_count_records_past_their_ttl(memory: Memory) -> None:
    records = _records(now())
    memory.records.put([RecordWrite(r, r.text) for r in records])
    stats = memory.stats()
    assert stats["memories"] == len(records)
    assert stats["current"] == 2  # "plain" and "ttl-ahead": what get_all shows
    assert len(memory.get_all(user_id="vera")["results"]) == 2


def test_a_transcript_is_kept_and_read_by_key_but_never_offered_as_a_memory(
    memory: Memory,
) -> None:
    """An adapter keeps a conversation as ``transcript`` records and forms memories from it: a
    turn is then one memory for every reader. Reads offer the memory; the transcript record
    is found by key and filter (the records API), by asking for the kind, and in an export."""
    said = "Alice moved to Lisbon last spring"
    memory.add(said, user_id="alice", infer=False)  # the memory formed from the turn
    turn = keyed_record(keyed_id("chat", "alice", "0"), said, {"seq": 0}, user_id="alice",
                        path=("chat",), kind="transcript")  # fmt: skip
    memory.records.put([RecordWrite(turn, said, embed=False)])  # BM25 still indexes it

    offered = memory.search("Where did Alice move?", user_id="alice")["results"]
    assert [hit["memory"] for hit in offered] == [said]
    assert offered[0]["kind"] == "message"
    listed = memory.get_all(user_id="alice")["results"]
    assert [(item["memory"], item["kind"]) for item in listed] == [(said, "message")]

    asked = memory.search("Where did Alice move?", user_id="alice", kind="transcript")
    assert [hit["id"] for hit in asked["results"]] == [turn.id]
    assert [i["id"] for i in memory.get_all(user_id="alice", kind="transcript")["results"]] == [
        turn.id
    ]
    assert [r.id for r in memory.records.get([turn.id])] == [turn.id]
    assert [r.id for r in memory.records.scan(paths.exactly(("chat",)), limit=10)] == [turn.id]
    assert turn.id in {r.id for r in memory.export_records(user_id="alice")}
    assert memory.stats()["by_kind"]["transcript"] == 1

    assert (
        memory.delete_all(user_id="alice")["deleted"] == 2
    )  # "forget me" erases the transcript too
    assert memory.records.get([turn.id]) == []
