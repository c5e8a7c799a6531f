"""Every bad input gets a typed error naming the argument, and leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import InvalidFilterError, InvalidInputError, MemoryCoreError
from memory_core.records import RecordWrite, keyed_id, keyed_record


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels):
        value = {"x": value}
    return value


def _nest_and(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"x": 1}
    for _ in range(levels):
        node = {"AND": [node]}
    return node


BAD_METADATA = [
    ({"x": float("nan")}, "nan"),
    ({"x": [1, float("inf")]}, "inf"),
    ({"x": -float("inf")}, "inf"),
    (_deep(120), "deeper than"),
    (_deep(100_000), "deeper than"),  # no RecursionError on the way
    ({"x": "caf\udce9"}, "surrogate"),
    ({"caf\ud800": 1}, "surrogate"),
    ({"x": 2**70}, "64 bits"),
    ({"x": dt.date(2024, 1, 1)}, "not JSON"),
    ({"x": "y" * 1_100_000}, "bytes as JSON"),
    ({1: "non-string key"}, "string key"),
]


@pytest.mark.parametrize(("metadata", "says"), BAD_METADATA)
def test_bad_metadata_is_refused_before_anything_is_written(
    memory: Memory, metadata: dict[str, Any], says: str
) -> None:
    with pytest.raises(InvalidInputError, match=says) as caught:
        memory.add("hello there", user_id="u", metadata=metadata)
    assert "metadata" in str(caught.value)
    _assert_untouched(memory)


@pytest.mark.parametrize(("metadata", "says"), BAD_METADATA[:4])
def test_the_same_validator_guards_update_keyed_puts_and_import(
    memory: Memory, metadata: dict[str, Any], says: str
) -> None:
    [event] = memory.add("fine text", user_id="u")["results"]
    with pytest.raises(InvalidInputError, match=says):
        memory.update(event["id"], "new text", metadata=metadata)
    with pytest.raises(InvalidInputError, match=says):
        record = keyed_record(keyed_id("ns", "k"), "value", metadata, user_id="u")
        memory.records.put([RecordWrite(record, "value")])
    exported = memory.export_records(user_id="u")[0].model_dump()
    with pytest.raises(InvalidInputError, match=says):
        memory.import_records([{**exported, "id": keyed_id("other"), "metadata": metadata}])
    assert [r.text for r in memory.export_records(user_id="u")] == ["fine text"]
    assert memory.stats()["journal_pending"] == 0


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda m: m.add("caf\udce9", user_id="u"), "content"),
        (lambda m: m.add("ok", user_id="caf\udce9"), "user_id"),
        (lambda m: m.add("ok", user_id="u", source={"app": float("nan")}), "source"),
        (lambda m: m.add("ok", user_id="u", valid_from=[2024]), "valid_from"),
        (lambda m: m.add("ok", user_id="u", valid_from=float("nan")), "valid_from"),
        (lambda m: m.add("ok", user_id="u", valid_from=1e300), "valid_from"),
        (lambda m: m.add("ok", user_id="u", valid_from="not a date"), "valid_from"),
        (lambda m: m.add("ok", user_id="u", valid_from=10**400), "valid_from"),
        (lambda m: m.search("q", user_id="u", as_of=object()), "as_of"),
        (lambda m: m.search("q", user_id="u", as_of=float("inf")), "as_of"),
        (lambda m: m.get_all(user_id="u", as_of=dt.date(2024, 1, 1)), "as_of"),
        (lambda m: m.search("q", user_id="u", threshold="0.5"), "threshold"),
        (lambda m: m.search("q", user_id="u", threshold=float("nan")), "threshold"),
        (lambda m: m.search("q", user_id="u", query_vector=[float("nan")] * 384), "query_vector"),
        (lambda m: m.search("q", user_id="u", query_vector=[0.1] * 3), "query_vector"),
        (lambda m: m.search("caf\udce9", user_id="u"), "query"),
    ],
)
def test_bad_arguments_get_a_typed_error_naming_them(
    memory: Memory, call: Any, argument: str
) -> None:
    with pytest.raises(InvalidInputError, match=argument):
        call(memory)
    _assert_untouched(memory)


@pytest.mark.parametrize(
    "filters",
    [
        {"x": float("nan")},
        {"x": {"gt": float("inf")}},
        {"x": {"in": [1, float("nan")]}},
        {"x": "caf\udce9"},
        _nest_and(40),
    ],
)
def test_bad_filters_are_typed_errors(memory: Memory, filters: dict[str, Any]) -> None:
    with pytest.raises(InvalidFilterError):
        memory.search("q", user_id="u", filters=filters)
    with pytest.raises(InvalidFilterError):
        memory.get_all(user_id="u", filters=filters)


def test_a_very_deep_filter_is_no_recursion_error(memory: Memory) -> None:
    with pytest.raises(InvalidFilterError, match="deeper than"):
        memory.search("q", user_id="u", filters=_nest_and(50_000))


def test_keyed_ttl_must_be_finite(memory: Memory) -> None:
    rid = keyed_id("ns", "k")
    bad = keyed_record(rid, "v", {}, user_id="u", expires_at=float("nan"))
    with pytest.raises(InvalidInputError, match="expires_at"):
        memory.records.put([RecordWrite(bad, "v")])
    good = keyed_record(rid, "v", {}, user_id="u")
    memory.records.put([RecordWrite(good, "v")])
    with pytest.raises(InvalidInputError, match="expires_at"):
        memory.records.touch({rid: float("inf")})
    with pytest.raises(InvalidInputError, match="vector"):
        memory.records.put([RecordWrite(good, "v", vector=[float("nan")] * 384)])


def test_bad_input_never_bricks_the_home(home: Path, embedder: LocalEmbedder) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        for metadata, _ in BAD_METADATA:
            with pytest.raises(MemoryCoreError):
                memory.add("poison", user_id="u", metadata=metadata)
        memory.add("healthy", user_id="u")
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        assert [i["memory"] for i in memory.get_all(user_id="u")["results"]] == ["healthy"]
        assert memory.stats()["journal_pending"] == 0


def _assert_untouched(memory: Memory) -> None:
    """Nothing was written: no memory, no history row, no journal entry."""
    stats = memory.stats()
    assert (stats["memories"], stats["history_rows"], stats["journal_pending"]) == (0, 0, 0)
