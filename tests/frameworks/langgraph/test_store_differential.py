"""Property: random op sequences give the same answers from InMemoryStore and MemoryStore.

Both stores index the ``text`` field with the same embedding function (the engine's local
model); the engine ranks by the dense vector alone (``dense_weight=1.0``) so a ``query``
orders results as InMemoryStore's cosine does. Scores and timestamps are not compared. Where
LangGraph leaves an order unspecified (a search without ``query`` lists in InMemoryStore's
insertion order, MemoryStore's id order; unindexed items filling a page), the results are
compared as sets whenever neither store had to cut the list.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langgraph.store.base import (
    GetOp,
    IndexConfig,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    SearchOp,
)
from langgraph.store.memory import InMemoryStore
from memory_core_langgraph import EngineEmbeddings, MemoryStore

from memory_core import AsyncMemory, MemoryConfig
from memory_core.embeddings import LocalEmbedder

NAMESPACES = [
    ("docs",), ("docs", "a"), ("memories", "alice"), ("memories", "alice", "prefs"),
    ("agents", "bot"), ("a", "b", "c"),
]  # fmt: skip
MAX_ITEMS = len(NAMESPACES) * 2
SENTENCES = [
    "Alice likes green tea",
    "The meeting is on Friday",
    "Bob plays chess",
    "Rain in Lisbon",
]
FILTERS = [
    None, {"tag": "x"}, {"n": {"$gt": 2}}, {"n": {"$ne": 3}}, {"meta": {"lang": "en"}},
    {"tag": {"$eq": "y"}, "n": {"$lte": 4}}, {"n": {"$gte": 1, "$lt": 4}},
]  # fmt: skip
LABELS = st.sampled_from(["docs", "a", "b", "c", "memories", "alice", "prefs", "*"])


@st.composite
def values(draw: st.DrawFn, namespace: tuple[str, ...], key: str) -> dict[str, Any]:
    value: dict[str, Any] = {
        "text": f"{draw(st.sampled_from(SENTENCES))} #{'/'.join(namespace)}/{key}",
        "n": draw(st.integers(0, 5)),
        "tag": draw(st.sampled_from(["x", "y"])),
    }
    if draw(st.booleans()):
        value["meta"] = {"lang": draw(st.sampled_from(["en", "pt"])), "tags": [1, None]}
    return value


@st.composite
def ops(draw: st.DrawFn) -> Op:
    namespace = draw(st.sampled_from(NAMESPACES))
    key = draw(st.sampled_from(["k1", "k2"]))
    kind = draw(st.sampled_from(["put"] * 3 + ["delete", "get", "search", "search", "list"]))
    if kind == "put":
        index = draw(st.sampled_from([None, None, None, False]))
        return PutOp(namespace, key, draw(values(namespace, key)), index=index)
    if kind == "delete":
        return PutOp(namespace, key, None)
    if kind == "get":
        return GetOp(namespace, key)
    if kind == "search":
        prefix = namespace[: draw(st.integers(0, len(namespace)))]
        query = draw(st.sampled_from([None, *SENTENCES]))
        return SearchOp(
            prefix, draw(st.sampled_from(FILTERS)), draw(st.sampled_from([1, 2, 5, 50])),
            draw(st.sampled_from([0, 0, 1, 3])), query,
        )  # fmt: skip
    conditions = []
    for match_type in ("prefix", "suffix"):
        if draw(st.booleans()):
            path = tuple(draw(st.lists(LABELS, min_size=1, max_size=2)))
            conditions.append(MatchCondition(match_type, path))  # type: ignore[arg-type]
    return ListNamespacesOp(
        tuple(conditions), draw(st.sampled_from([None, 1, 2])),
        draw(st.sampled_from([2, 100])), draw(st.sampled_from([0, 1])),
    )  # fmt: skip


BATCHES = st.lists(st.lists(ops(), min_size=1, max_size=3), min_size=1, max_size=15)
SETTINGS = settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


class Reference(InMemoryStore):
    """InMemoryStore with one bug fixed: ``put(..., index=False)`` left the vectors of the
    item's previous value in place, so a search still ranked the item by its old text."""

    def _apply_put_ops(self, put_ops: dict[tuple[tuple[str, ...], str], PutOp]) -> None:
        for (namespace, key), op in put_ops.items():
            if op.index is False:
                self._vectors[namespace].pop(key, None)
        super()._apply_put_ops(put_ops)


def _stores(home: Path, embedder: LocalEmbedder) -> tuple[InMemoryStore, MemoryStore]:
    embeddings = EngineEmbeddings(embedder)
    index: IndexConfig = {"dims": 384, "embed": embeddings, "fields": ["text"]}
    config = MemoryConfig(home=home, search={"dense_weight": 1.0, "candidates": 100})
    engine = AsyncMemory(config, embedder=embedder)
    return Reference(index=index), MemoryStore(engine, index=index)


def _drop_empty_namespaces(store: InMemoryStore) -> None:
    # InMemoryStore keeps a namespace listed after its last item is deleted, and even after a
    # get of a namespace never written (a defaultdict entry): an artefact, not semantics.
    for namespace in [ns for ns, items in store._data.items() if not items]:
        del store._data[namespace]


def _shape(item: Item | None) -> tuple[Any, ...] | None:
    return None if item is None else (item.namespace, item.key, item.value)


def _compare(op: Op, expected: Any, actual: Any) -> None:
    if isinstance(op, GetOp):
        assert _shape(actual) == _shape(expected), op
    elif isinstance(op, ListNamespacesOp):
        assert actual == expected, op
    elif isinstance(op, SearchOp):
        _compare_search(op, expected, actual)


def _compare_search(op: SearchOp, expected: list[Any], actual: list[Any]) -> None:
    assert len(actual) == len(expected), (op, expected, actual)
    uncut = op.offset == 0 and op.limit >= MAX_ITEMS
    if op.query is None:
        if uncut:
            assert sorted(map(_shape, actual)) == sorted(map(_shape, expected)), op  # type: ignore[type-var]
        return
    ranked = [_shape(i) for i in expected if i.score is not None]
    assert [_shape(i) for i in actual if i.score is not None] == ranked, op
    if uncut:
        tail = sorted(_shape(i) for i in expected if i.score is None)  # type: ignore[type-var]
        assert sorted(_shape(i) for i in actual if i.score is None) == tail, op  # type: ignore[type-var]


def _chunks(batches: list[list[Op]]) -> list[list[Op]]:
    """The batches, with each list_namespaces op in a batch of its own: a get in the same batch
    would make InMemoryStore list the namespace it looked in (see _drop_empty_namespaces)."""
    chunks: list[list[Op]] = []
    for batch in batches:
        current: list[Op] = []
        for op in batch:
            if isinstance(op, ListNamespacesOp):
                chunks += [current, [op]] if current else [[op]]
                current = []
            else:
                current.append(op)
        if current:
            chunks.append(current)
    return chunks


@SETTINGS
@given(batches=BATCHES)
def test_sync_ops_answer_like_in_memory_store(
    fast_tmp: Path, embedder: LocalEmbedder, batches: list[list[Op]]
) -> None:
    reference, store = _stores(fast_tmp / f"h{id(batches)}", embedder)
    try:
        for batch in _chunks(batches):
            _drop_empty_namespaces(reference)
            expected = reference.batch(batch)
            actual = store.batch(batch)
            for op, want, got in zip(batch, expected, actual, strict=True):
                _compare(op, want, got)
    finally:
        store.call(store.engine.reset(everything=True))
        store.close()


@SETTINGS
@given(batches=BATCHES)
def test_async_ops_answer_like_in_memory_store(
    fast_tmp: Path, embedder: LocalEmbedder, batches: list[list[Op]]
) -> None:
    async def run() -> None:
        reference, store = _stores(fast_tmp / f"a{id(batches)}", embedder)
        try:
            for batch in _chunks(batches):
                _drop_empty_namespaces(reference)
                expected = await reference.abatch(batch)
                actual = await store.abatch(batch)
                for op, want, got in zip(batch, expected, actual, strict=True):
                    _compare(op, want, got)
        finally:
            await store.aclose()

    asyncio.run(run())
