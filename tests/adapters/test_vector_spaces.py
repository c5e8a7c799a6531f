"""Named vector spaces on keyed records (the caller's own vectors, any dimension), on both
vector backends: vector-only search in a space under a filter, one dimension per space (in
put, a mixed batch, search, after a reopen), drop_space, erasure reaching the space, and the
space write journaled (replayed after a crash between journal and store)."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from memory_core import AsyncMemory, MemoryConfig
from memory_core.adapters import Cond, paths
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import DimensionMismatchError, InvalidInputError
from memory_core.pipeline.ops import Op, SpaceUpsertOp, UpsertOp, op_from_json, op_to_json
from memory_core.records import RecordWrite, keyed_record
from memory_core.types import MemoryRecord, Scope

ALICE, BOB = Scope(user_id="alice"), Scope(user_id="bob")
Opener = Callable[[], AsyncMemory]


def _vector_store(backend: str, home: Path) -> dict[str, Any]:
    if backend == "qdrant_edge":
        return {}
    return {"vector_store": {"provider": "qdrant", "config": {"path": str(home / "qlocal")}}}


@pytest.fixture(params=["qdrant_edge", "qdrant_local"])
def opener(request: pytest.FixtureRequest, home: Path, embedder: LocalEmbedder) -> Opener:
    """Opens an engine on the same home each time (so a test can close and reopen)."""
    extra = _vector_store(request.param, home)

    def make() -> AsyncMemory:
        config = MemoryConfig.model_validate({"home": str(home), **extra})
        return AsyncMemory(config, embedder=embedder)

    return make


@pytest.fixture
async def engine(opener: Opener) -> AsyncIterator[AsyncMemory]:
    async with opener() as memory:
        yield memory


def rid(*parts: str) -> str:
    """A record id of the caller's choosing (keyed records take any UUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, "/".join(parts)))


def unit(*xs: float) -> list[float]:
    norm = math.sqrt(sum(x * x for x in xs))
    return [x / norm for x in xs]


def _write(n: int, vector: list[float], scope: Scope = ALICE, path: tuple[str, ...] = ("crew",),
           space: str = "crewai") -> RecordWrite:  # fmt: skip
    record = keyed_record(rid("r", str(n)), f"record number {n}", {"n": n}, scope=scope,
                          path=path)  # fmt: skip
    return RecordWrite(record, record.text, space=space, space_vector=vector)


async def _space_search(engine: AsyncMemory, vector: list[float], where: Any = None,
                        **kwargs: Any) -> list[int]:  # fmt: skip
    hits = await engine.records.search(None, where, limit=10, query_vector=vector,
                                       space="crewai", **kwargs)  # fmt: skip
    return [h.record.metadata["n"] for h in hits]


async def test_space_search_ranks_by_the_callers_vectors_under_a_filter(
    engine: AsyncMemory,
) -> None:
    await engine.records.put([
        _write(0, unit(1, 0, 0)), _write(1, unit(1, 1, 0)), _write(2, unit(0, 0, 1)),
        _write(3, unit(1, 0.1, 0), scope=BOB), _write(4, unit(1, 0, 0.2), path=("other",)),
    ])  # fmt: skip
    assert await _space_search(engine, unit(1, 0, 0), ALICE.filter()) == [0, 4, 1, 2]
    mine = ALICE.filter()
    under = paths.under(("crew",))
    assert await _space_search(engine, unit(1, 0, 0), under) == [0, 3, 1, 2]
    assert await _space_search(engine, unit(1, 0, 0), mine, min_score=0.9) == [0, 4]
    # The record is also an ordinary engine memory: the engine's own search finds it.
    found = await engine.search("record number 2", user_id="alice")
    assert found["results"][0]["memory"] == "record number 2"
    # A put without a space_vector keeps the record's vector in the space.
    kept = _write(1, unit(1, 1, 0)).record
    await engine.records.put([RecordWrite(kept, "renamed", space="crewai")])
    assert (await _space_search(engine, unit(0, 1, 0), mine))[0] == 1


async def test_a_missing_space_finds_nothing_and_bad_calls_say_why(engine: AsyncMemory) -> None:
    assert await _space_search(engine, unit(1, 0)) == []
    with pytest.raises(InvalidInputError, match="by vector only"):
        await engine.records.search("text", None, limit=3, query_vector=[1.0], space="crewai")
    record = _write(0, unit(1, 0, 0)).record
    with pytest.raises(InvalidInputError, match="no space"):
        await engine.records.put([RecordWrite(record, "t", space_vector=[1.0, 0.0])])
    for bad in ([], [1.0, math.nan], [math.inf, 0.0]):
        with pytest.raises(InvalidInputError, match="finite"):
            await engine.records.put([RecordWrite(record, "t", space="s", space_vector=bad)])
    assert await engine.records.get([record.id]) == []


async def test_one_dimension_per_space_in_put_batch_search_and_after_reopen(
    opener: Opener,
) -> None:
    async with opener() as engine:
        await engine.records.put([_write(0, unit(1, 0, 0))])
        with pytest.raises(DimensionMismatchError) as wrong:
            await engine.records.put([_write(1, unit(1, 0))])
        assert (wrong.value.existing, wrong.value.configured) == (3, 2)
        with pytest.raises(DimensionMismatchError, match="one dimension"):
            await engine.records.put([_write(5, unit(1, 0, 0, 0), space="new"),
                                      _write(6, unit(1, 0), space="new")])  # fmt: skip
        assert await engine.records.get([rid("r", "5")]) == []  # nothing half-written
        with pytest.raises(DimensionMismatchError):
            await _space_search(engine, unit(1, 0))
    async with opener() as engine:
        with pytest.raises(DimensionMismatchError):
            await engine.records.put([_write(1, unit(1, 0))])
        await engine.records.drop_space("crewai")
        await engine.records.drop_space("crewai")  # twice is fine
        assert await _space_search(engine, unit(1, 0)) == []
        await engine.records.put([_write(1, unit(1, 0))])
        assert await _space_search(engine, unit(1, 0)) == [1]
        # drop_space keeps the records themselves
        assert len(await engine.records.get([rid("r", "0"), rid("r", "1")])) == 2


async def test_erasing_a_record_erases_its_space_vector(engine: AsyncMemory) -> None:
    await engine.records.put([_write(n, unit(1, n, 0)) for n in range(3)])
    await engine.records.put([], delete=[rid("r", "0")])
    await engine.records.delete_where(Cond("id", "eq", rid("r", "1")))
    spaces = engine.writer.spaces
    assert spaces is not None
    left = await spaces.search("crewai", unit(1, 0, 0), 10, None)
    assert [h.id for h in left] == [rid("r", "2")]
    await engine.reset(user_id="alice")
    assert await spaces.search("crewai", unit(1, 0, 0), 10, None) == []


async def test_a_space_emptied_by_an_erase_opens_again(opener: Opener) -> None:
    async with opener() as engine:
        await engine.records.put([_write(0, unit(1, 0, 0))])
        await engine.reset(user_id="alice")
    async with opener() as engine:  # an emptied embedded shard leaves no directory behind
        assert await _space_search(engine, unit(1, 0, 0)) == []
        await engine.records.put([_write(1, unit(0, 1, 0))])
        assert await _space_search(engine, unit(1, 0, 0)) == [1]


def test_the_space_write_is_journaled_with_its_vectors() -> None:
    op = SpaceUpsertOp("crewai", ("a",), ((0.5, 0.25),), ({"user_id": "alice"},))
    assert op_from_json(op_to_json(op)) == op


async def test_a_journaled_space_write_is_replayed_on_open(opener: Opener) -> None:
    """The journal entry is written, the stores are not (a crash right after the journal):
    opening the engine again applies it, space vector included."""
    write = _write(7, unit(0, 1, 0))
    async with opener() as engine:
        await engine.records.put([_write(0, unit(1, 0, 0))])  # the space exists
        await engine.history_store.begin(await _planned(engine, write), [])  # never applied
    async with opener() as engine:
        assert await _space_search(engine, unit(0, 1, 0)) == [7, 0]


async def _planned(engine: AsyncMemory, write: RecordWrite) -> list[Op]:
    """The ops ``records.put([write])`` journals."""
    record: MemoryRecord = write.record
    return [UpsertOp(record, write.embed_text), *await engine.records._space_ops([write])]
