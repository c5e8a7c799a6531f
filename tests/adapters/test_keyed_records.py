"""Keyed records through the kit, on both vector backends: paths and their prefixes, facets,
count, vector-only search, records stored without an engine vector, newest-first scans."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from memory_core import AsyncMemory, MemoryConfig
from memory_core.adapters import Cond, paths
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import DimensionMismatchError, InvalidFilterError, InvalidInputError
from memory_core.filters import and_
from memory_core.records import RecordWrite, keyed_record
from memory_core.types import MemoryRecord, Scope, ScoredRecord

ALICE = Scope(user_id="alice")
BACKENDS = {
    "qdrant_edge": {},
    "qdrant_local": {"vector_store": {"provider": "qdrant", "config": {"location": ":memory:"}}},
}


@pytest.fixture(params=sorted(BACKENDS))
async def engine(
    request: pytest.FixtureRequest, home: Path, embedder: LocalEmbedder
) -> AsyncIterator[AsyncMemory]:
    config: dict[str, Any] = {"home": str(home), **BACKENDS[request.param]}
    async with AsyncMemory(MemoryConfig.model_validate(config), embedder=embedder) as memory:
        yield memory


def rid(*parts: str) -> str:
    """A record id of the caller's choosing (keyed records take any UUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, repr(parts)))


def _record(path: tuple[str, ...], text: str, **kwargs: Any) -> MemoryRecord:
    return keyed_record(rid(*path, text), text, {"text": text}, scope=ALICE, path=path,
                        **kwargs)  # fmt: skip


async def _put(engine: AsyncMemory, *records: MemoryRecord, embed: bool = True) -> None:
    await engine.records.put([RecordWrite(r, r.text, embed=embed) for r in records])


# Labels a naive "/"-joined or prefix-string scheme would confuse.
TRICKY = [("a",), ("a", "b"), ("a", "b", "c"), ("ab",), ("a/b",), ("a\x1eb",), ("a", "c")]


async def test_under_is_path_aware_and_exactly_is_one_path(engine: AsyncMemory) -> None:
    await _put(engine, *(_record(p, f"at {p!r}") for p in TRICKY))

    async def paths_of(where: Any) -> set[tuple[str, ...]]:
        found = await engine.records.scan(and_(ALICE.filter(), where), limit=100)
        return {r.path for r in found}

    assert await paths_of(paths.under(("a",))) == {("a",), ("a", "b"), ("a", "b", "c"), ("a", "c")}
    assert await paths_of(paths.under(("a", "b"))) == {("a", "b"), ("a", "b", "c")}
    assert await paths_of(paths.under(("a/b",))) == {("a/b",)}
    assert await paths_of(paths.exactly(("a", "b"))) == {("a", "b")}
    assert await paths_of(paths.under(())) == set(TRICKY)
    assert await paths_of(paths.exactly(())) == set()  # every record here has a path
    assert await engine.records.count(paths.under(("a",))) == 4


async def test_path_facets_give_children_and_counts_from_the_index(engine: AsyncMemory) -> None:
    await _put(engine, *(_record(p, f"at {p!r}") for p in TRICKY))
    await _put(engine, _record(("a", "b"), "second under a/b", tags=("food", "x")))
    counts = await engine.records.facets("path", and_(ALICE.filter(), paths.under(("a",))))
    assert paths.children(counts, ("a",)) == ["b", "c"]
    assert paths.child_counts(counts, ("a",)) == {"b": 3, "c": 1}
    assert paths.tree(counts)[("a",)] == 5
    everything = await engine.records.facets("path", ALICE.filter())
    assert paths.children(everything, ()) == sorted(["a", "ab", "a/b", "a\x1eb"])
    exact = paths.tree(await engine.records.facets("path_key", None))
    assert exact[("a", "b")] == 2 and exact[("a",)] == 1
    assert await engine.records.facets("tags", None) == {"food": 1, "x": 1}


async def test_facets_and_count_see_only_live_records(engine: AsyncMemory) -> None:
    await _put(engine, _record(("p",), "live", tags=("t",)))
    await _put(engine, _record(("p",), "expired", tags=("t",), expires_at=1.0))
    assert await engine.records.count(paths.under(("p",))) == 1
    assert await engine.records.facets("tags", None) == {"t": 1}


async def test_vector_only_search_ranks_by_the_given_vector(engine: AsyncMemory) -> None:
    texts = ["the cat sleeps on the sofa", "quarterly tax filing deadline", "a kitten naps"]
    await _put(engine, *(_record(("pets",), t) for t in texts))
    vector = await engine.embedder.embed_query("cats sleeping")
    hits = await engine.records.search(None, paths.under(("pets",)), limit=3, query_vector=vector)
    assert all(isinstance(h, ScoredRecord) for h in hits)
    assert [h.record.text for h in hits][-1] == "quarterly tax filing deadline"
    assert hits[0].score >= hits[1].score >= hits[2].score
    between = (hits[1].score + hits[2].score) / 2
    strict = await engine.records.search(
        None, None, limit=3, query_vector=vector, min_score=between
    )
    assert [h.record.id for h in strict] == [h.record.id for h in hits[:2]]
    with pytest.raises(DimensionMismatchError) as wrong:
        await engine.records.search(None, None, limit=3, query_vector=[1.0, 0.0])
    assert (wrong.value.existing, wrong.value.configured) == (engine.embedder.dims, 2)
    with pytest.raises(InvalidInputError, match="query_vector"):
        await engine.records.search(None, None, limit=3)


async def test_records_written_without_an_engine_vector(engine: AsyncMemory) -> None:
    plain = _record(("raw",), "a json blob about zebras")
    await _put(engine, plain, embed=False)
    assert [r.id for r in await engine.records.get([plain.id])] == [plain.id]
    vector = await engine.embedder.embed_query("a json blob about zebras")
    assert await engine.records.search(None, None, limit=5, query_vector=vector) == []
    found = await engine.records.search("zebras", None, limit=5)
    assert [h.record.id for h in found] == [plain.id]  # BM25 still finds it


async def test_scan_newest_first(engine: AsyncMemory) -> None:
    records = [_record(("log",), f"entry {n}", created_at=float(1000 + n)) for n in range(5)]
    await _put(engine, *records)
    newest = await engine.records.scan(None, limit=2, offset=1, newest_first=True)
    assert [r.text for r in newest] == ["entry 3", "entry 2"]


def test_keyed_record_checks_scope_path_and_tags() -> None:
    key = rid("k")
    assert keyed_record(key, "t", {}, scope=ALICE).user_id == "alice"
    with pytest.raises(InvalidInputError, match="not both"):
        keyed_record(key, "t", {}, scope=ALICE, user_id="bob")
    with pytest.raises(InvalidFilterError, match="sequence of labels"):
        keyed_record(key, "t", {}, scope=ALICE, path="a/b")  # type: ignore[arg-type]
    with pytest.raises(InvalidFilterError, match="non-empty"):
        keyed_record(key, "t", {}, scope=ALICE, path=("a", ""))
    with pytest.raises(InvalidInputError, match="tags"):
        keyed_record(key, "t", {}, scope=ALICE, tags="food")


def test_path_text_round_trip() -> None:
    assert paths.parse("/") == () and paths.to_text(()) == "/"
    assert paths.parse("/a/b") == ("a", "b") and paths.to_text(("a", "b")) == "/a/b"
    assert paths.decode(paths.encode(("a/b", "\x1e", '"'))) == ("a/b", "\x1e", '"')
    assert Cond("path_prefixes", "eq", '["a"]') == paths.under(("a",))
