"""Which records a read may see is decided once, in ``memory_core.scoping``: the filter a
store evaluates (``visible``) and the Python rule (``is_visible``) agree on the same records,
and every count and read follows them (``stats()["current"]`` included)."""

from __future__ import annotations

from memory_core import Memory
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
