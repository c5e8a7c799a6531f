"""The vector-store protocol, run on every backend.

``qdrant_edge`` (embedded shard in a temp dir) and ``qdrant_local`` (qdrant-client's local
mode on a temp path) always run; ``qdrant_server`` runs when ``QDRANT_URL`` is set
(``QDRANT_API_KEY`` optional), each test in its own collection, dropped afterwards.

Filters above all: the table of cases and the hypothesis property both compare each backend
with :func:`holds`, a small pure-Python evaluator of the filter AST, so "one meaning
everywhere" is pinned by code rather than by prose.
"""

from __future__ import annotations

import math
import operator
import os
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qdrant_edge import Bm25

from memory_core.errors import (
    ClosedError,
    DimensionMismatchError,
    HomeLockedError,
    InvalidFilterError,
    InvalidInputError,
)
from memory_core.filters import And, Cond, FilterNode, IsEmpty, Not, Or, parse_filter
from memory_core.stores.vector import (
    Hit,
    QdrantEdgeStore,
    QdrantServerStore,
    SparseVec,
    VectorPoint,
    VectorQuery,
    VectorStore,
)

# --- backends ----------------------------------------------------------------------------

DIMS = 8

SERVER_URL = os.environ.get("QDRANT_URL")
_NO_SERVER = "set QDRANT_URL (and QDRANT_API_KEY if needed) to also run against a Qdrant server"

BACKENDS = [
    "qdrant_edge",
    "qdrant_local",
    pytest.param("qdrant_server", marks=pytest.mark.skipif(not SERVER_URL, reason=_NO_SERVER)),
]


@dataclass
class Backend:
    """Makes stores that all point at the same place, so a test can close and reopen."""

    name: str
    make: Callable[[], VectorStore]


def _server_store(collection: str) -> QdrantServerStore:
    return QdrantServerStore(
        url=SERVER_URL, api_key=os.environ.get("QDRANT_API_KEY"), collection=collection
    )


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, fast_tmp: Path) -> AsyncIterator[Backend]:
    tmp_path = fast_tmp
    name: str = request.param
    if name == "qdrant_edge":
        yield Backend(name, lambda: QdrantEdgeStore(tmp_path / "shard"))
    elif name == "qdrant_local":
        yield Backend(name, lambda: QdrantServerStore(path=str(tmp_path / "local")))
    else:
        collection = f"mc_test_{uuid.uuid4().hex[:12]}"
        yield Backend(name, lambda: _server_store(collection))
        await _drop_collection(collection)


async def _drop_collection(collection: str) -> None:
    from qdrant_client import AsyncQdrantClient

    client = AsyncQdrantClient(url=SERVER_URL, api_key=os.environ.get("QDRANT_API_KEY"))
    try:
        await client.delete_collection(collection)
    finally:
        await client.close()


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[VectorStore]:
    """An open store of ``DIMS``-dimensional vectors."""
    opened = backend.make()
    await opened.open(DIMS)
    try:
        yield opened
    finally:
        await opened.close()


# --- helpers ---------------------------------------------------------------------------


def pid(n: int) -> str:
    """A stable, random-looking UUID per small integer (so id order is not insert order)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"point-{n}"))


def axis(i: int, weight: float = 1.0, spill: int | None = None) -> list[float]:
    """``weight`` on axis ``i``, the rest of a unit vector on axis ``spill``: cosine = weight."""
    vec = [0.0] * DIMS
    vec[i] = weight
    if spill is not None:
        vec[spill] = math.sqrt(max(0.0, 1.0 - weight * weight))
    return vec


def point(
    n: int,
    payload: Mapping[str, Any] | None = None,
    dense: Sequence[float] | None = None,
    sparse: SparseVec | None = None,
) -> VectorPoint:
    return VectorPoint(
        pid(n),
        dense if dense is not None else axis(n % DIMS),
        sparse if sparse is not None else SparseVec((n % 7,), (1.0,)),
        dict(payload or {}),
    )


def ids(hits: Sequence[Hit]) -> list[str]:
    return [hit.id for hit in hits]


async def scroll_all(store: VectorStore, flt: FilterNode | None, page: int = 1000) -> list[Hit]:
    hits, cursor = await store.scroll(flt, page)
    while cursor is not None:
        more, cursor = await store.scroll(flt, page, cursor)
        hits += more
    return hits


# --- the reference meaning of a filter ------------------------------------------------

_MISSING = object()
_RANGE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def _resolve(payload: Mapping[str, Any], field: str) -> Any:
    value: Any = payload
    for part in field.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _same(x: Any, v: Any) -> bool:
    """Equality as filters mean it: strings, booleans and numbers never equal each other."""
    if isinstance(v, bool) or isinstance(x, bool):
        return isinstance(x, bool) and isinstance(v, bool) and x == v
    if isinstance(v, str):
        return isinstance(x, str) and x == v
    return _is_number(x) and x == v


def holds(node: FilterNode, payload: Mapping[str, Any]) -> bool:
    """Does ``node`` match ``payload``? The meaning in memory_core.filters, as code.

    Its domain is payloads of scalars, lists of scalars and nested objects, the shapes
    metadata takes; lists of lists or of objects are left out (Qdrant flattens them).
    """
    if isinstance(node, And):
        return all(holds(item, payload) for item in node.items)
    if isinstance(node, Or):
        return any(holds(item, payload) for item in node.items)
    if isinstance(node, Not):
        return not any(holds(item, payload) for item in node.items)
    raw = _resolve(payload, node.field)
    if isinstance(node, IsEmpty):
        return raw is _MISSING or raw is None or raw == []
    values = raw if isinstance(raw, list) else [] if raw in (_MISSING, None) else [raw]
    op, v = node.op, node.value
    if op in ("eq", "ne"):
        return any(_same(x, v) for x in values) == (op == "eq")
    if op in ("in", "nin"):
        return any(_same(x, w) for x in values for w in v) == (op == "in")
    if op in _RANGE:
        return any(_is_number(x) and _RANGE[op](x, v) for x in values)
    # contains: a string holding the substring, or a list holding the value
    if isinstance(raw, list):
        return any(_same(x, v) for x in raw)
    return isinstance(v, str) and isinstance(raw, str) and v in raw


# --- open, dims, close ------------------------------------------------------------------


async def test_open_reopen_checks_dims(backend: Backend) -> None:
    store = backend.make()
    await store.open(DIMS)
    await store.open(DIMS)  # idempotent
    with pytest.raises(DimensionMismatchError, match="8-dimensional"):
        await store.open(DIMS + 1)
    await store.upsert([point(1, {"a": 1})])
    await store.close()

    again = backend.make()
    with pytest.raises(DimensionMismatchError) as info:
        await again.open(DIMS * 2)
    assert "new name" in str(info.value)  # the message says what to do
    await again.open(DIMS)
    assert ids(await again.retrieve([pid(1)])) == [pid(1)]
    await again.close()


async def test_close_twice_and_use_after_close(backend: Backend) -> None:
    store = backend.make()
    await store.open(DIMS)
    await store.close()
    await store.close()
    with pytest.raises(ClosedError):
        await store.count(None)


async def test_persists_across_close_and_reopen(backend: Backend) -> None:
    store = backend.make()
    await store.open(DIMS)
    await store.upsert([point(n, {"user_id": "u", "n": n}) for n in range(20)])
    await store.set_payload([pid(3)], {"seen": True})
    await store.delete([pid(4)])
    await store.close()

    store = backend.make()
    await store.open(DIMS)
    assert await store.count(None) == 19
    [hit] = await store.retrieve([pid(3)])
    assert hit.payload == {"user_id": "u", "n": 3, "seen": True}
    assert await store.retrieve([pid(4)]) == []
    await store.close()


async def test_second_store_on_embedded_location_is_locked_out(backend: Backend) -> None:
    if backend.name == "qdrant_server":
        pytest.skip("a server takes any number of clients")
    first = backend.make()
    await first.open(DIMS)
    try:
        with pytest.raises(HomeLockedError, match="in use by another process"):
            await backend.make().open(DIMS)
    finally:
        await first.close()


# --- writes -----------------------------------------------------------------------------


async def test_upsert_retrieve_overwrite(store: VectorStore) -> None:
    await store.upsert([point(n, {"n": n, "tags": ("a", "b")}) for n in range(5)])
    wanted = [pid(3), pid(99), pid(0), pid(3).upper()]
    hits = await store.retrieve(wanted)
    assert ids(hits) == [pid(3), pid(0)]  # order asked, missing skipped, ids canonical
    assert hits[0].payload == {"n": 3, "tags": ["a", "b"]}
    assert all(isinstance(hit.id, str) for hit in hits)

    await store.upsert([point(3, {"replaced": True})])
    [hit] = await store.retrieve([pid(3)])
    assert hit.payload == {"replaced": True}  # a whole point is replaced, not merged
    assert await store.count(None) == 5
    assert await store.retrieve([]) == []


async def test_set_payload_merges_and_ignores_missing(store: VectorStore) -> None:
    await store.upsert([point(1, {"a": 1, "b": {"x": 1}}), point(2, {"a": 2})])
    await store.set_payload([pid(1), pid(77)], {"b": {"y": 2, "z": None}, "c": 3})
    one, two = await store.retrieve([pid(1), pid(2)])
    assert one.payload == {"a": 1, "b": {"y": 2, "z": None}, "c": 3}  # top-level keys merge
    assert two.payload == {"a": 2}
    await store.set_payload([pid(1)], {"a": None, "nothing": None})  # None removes a key
    [one] = await store.retrieve([pid(1)])
    assert one.payload == {"b": {"y": 2, "z": None}, "c": 3}
    assert await store.retrieve([pid(77)]) == []  # no point was made for the missing id


async def test_delete_by_ids_ignores_missing(store: VectorStore) -> None:
    await store.upsert([point(n) for n in range(4)])
    await store.delete([pid(1), pid(2), pid(50)])
    await store.delete([])
    assert sorted(ids(await scroll_all(store, None))) == sorted([pid(0), pid(3)])


async def test_delete_where_is_scoped(store: VectorStore) -> None:
    await store.upsert(
        [point(n, {"user_id": "alice" if n % 2 else "bob", "agent_id": "x"}) for n in range(10)]
    )
    await store.delete_where(parse_filter({"user_id": "alice"}))
    left = await scroll_all(store, None)
    assert len(left) == 5 and {hit.payload["user_id"] for hit in left} == {"bob"}
    await store.delete_where(parse_filter({"user_id": "nobody"}))
    assert await store.count(None) == 5
    await store.delete_where(None)
    assert await store.count(None) == 0


async def test_bad_input_is_a_typed_error(store: VectorStore) -> None:
    with pytest.raises(InvalidInputError, match="UUID"):
        await store.upsert([VectorPoint("not-a-uuid", axis(0), SparseVec((), ()), {})])
    with pytest.raises(InvalidInputError, match="3-dimensional"):
        await store.upsert([VectorPoint(pid(1), [1.0, 0.0, 0.0], SparseVec((), ()), {})])
    with pytest.raises(InvalidInputError, match="JSON"):
        await store.upsert([point(1, {"when": object()})])
    with pytest.raises(InvalidInputError, match="extra"):
        await store.query([VectorQuery("dense", axis(0), None, 3, {"ef": 5})])
    with pytest.raises(InvalidInputError, match="cursor"):
        await store.scroll(None, 5, "page-2")
    with pytest.raises(InvalidFilterError):
        await store.count(Cond('metadata.a"b', "eq", 1))
    assert await store.count(None) == 0


# --- queries ----------------------------------------------------------------------------

FOOD, TRAVEL, CODE = 0, 1, 2


async def test_dense_query_ranks_by_cosine(store: VectorStore) -> None:
    weights = {1: 0.95, 2: 0.8, 3: 0.6, 4: 0.3}  # how much of each doc is about food
    docs = [point(n, {"user_id": "bob" if n == 3 else "alice"}, axis(FOOD, w, 3 + n))
            for n, w in weights.items()]  # fmt: skip
    docs += [point(10, {"user_id": "alice"}, axis(TRAVEL)), point(11, {}, axis(CODE, 0.9, 7))]
    await store.upsert(docs)

    [hits] = await store.query([VectorQuery("dense", axis(FOOD), None, 4)])
    assert ids(hits) == [pid(1), pid(2), pid(3), pid(4)]
    assert [round(hit.score, 3) for hit in hits] == [0.95, 0.8, 0.6, 0.3]  # cosine
    assert hits[0].payload == {"user_id": "alice"}

    flt = parse_filter({"user_id": "alice"})
    [hits] = await store.query([VectorQuery("dense", [2 * x for x in axis(FOOD)], flt, 10)])
    assert ids(hits) == [pid(1), pid(2), pid(4), pid(10)]  # scale-free; bob's doc filtered out

    [hits] = await store.query([VectorQuery("dense", axis(FOOD), None, 10, {"exact": True})])
    assert ids(hits)[:4] == [pid(1), pid(2), pid(3), pid(4)]
    [hits] = await store.query(
        [VectorQuery("dense", axis(FOOD), None, 10, {"score_threshold": 0.7, "hnsw_ef": 64})]
    )
    assert ids(hits) == [pid(1), pid(2)]


DOCS = {
    1: "apple apple apple apple apple apple apple apple pie",
    2: "a banana bread recipe",
    3: "apple orchards in autumn",
    4: "the apple cider press",
    5: "apple tart and apple crumble",
}


def _bm25_doc(bm25: Bm25, text: str) -> SparseVec:
    vec = bm25.embed_document(text)
    return SparseVec(tuple(vec.indices), tuple(vec.values))


async def test_sparse_bm25_query_uses_idf(store: VectorStore) -> None:
    bm25 = Bm25()
    docs = {n: _bm25_doc(bm25, text) for n, text in DOCS.items()}
    await store.upsert(
        [point(n, {"metadata": {"body": DOCS[n]}}, sparse=vec) for n, vec in docs.items()]
    )
    q = bm25.embed_query("apple banana")
    query = SparseVec(tuple(q.indices), tuple(q.values))

    def raw_dot(doc: SparseVec) -> float:
        weights = dict(zip(doc.indices, doc.values, strict=True))
        pairs = zip(query.indices, query.values, strict=True)
        return sum(weights.get(i, 0.0) * v for i, v in pairs)

    # Without IDF, eight apples would win; "apple" is in four docs of five, so IDF makes the
    # one doc with the rare "banana" win instead. This pins that the store applies IDF.
    assert max(docs, key=lambda n: raw_dot(docs[n])) == 1
    [hits] = await store.query([VectorQuery("sparse", query, None, 5)])
    assert ids(hits)[0] == pid(2)
    assert hits[0].score > 2 * hits[1].score
    assert set(ids(hits)) == {pid(n) for n in DOCS}  # each has apple or banana

    tart = parse_filter({"body": {"contains": "tart"}})
    [hits] = await store.query([VectorQuery("sparse", query, tart, 5)])
    assert ids(hits) == [pid(5)]


async def test_batched_queries_equal_single_ones(store: VectorStore) -> None:
    bm25 = Bm25()
    await store.upsert(
        [point(n, {"metadata": {"n": n}}, axis(n % 3, 0.5 + n / 40, 4), _bm25_doc(bm25, t))
         for n, t in DOCS.items()]
    )  # fmt: skip
    q = bm25.embed_query("apple tart")
    queries = [
        VectorQuery("dense", axis(FOOD), None, 3),
        VectorQuery("sparse", SparseVec(tuple(q.indices), tuple(q.values)), None, 3),
        VectorQuery("dense", axis(TRAVEL), parse_filter({"n": {"gte": 2}}), 2),
    ]
    batched = await store.query(queries)
    singles = [(await store.query([q]))[0] for q in queries]
    assert [ids(hits) for hits in batched] == [ids(hits) for hits in singles]
    assert [len(hits) for hits in batched] == [3, 3, 2]
    assert await store.query([]) == []


# --- filters: a table of cases ----------------------------------------------------------

ROWS: dict[int, dict[str, Any]] = {
    1: {"user_id": "alice", "kind": "fact", "created_at": 100.0, "entities": ["Paris", "Ann"],
        "metadata": {"topic": "food", "score": 3, "tags": ["red", "green"], "rating": 4.5,
                     "flag": True, "note": "Hello World", "place": {"city": "Paris"},
                     "nums": [1, 2], "my key": "x"}},
    2: {"user_id": "alice", "kind": "message", "created_at": 200.0, "entities": ["Rome"],
        "metadata": {"topic": "travel", "score": 7, "tags": ["blue"], "rating": 3.0,
                     "flag": False, "note": "hello there", "nums": 2, "thème": "été"}},
    3: {"user_id": "bob", "kind": "fact", "created_at": 300.0, "expired_at": 350.0,
        "metadata": {"topic": "food", "score": 3.0, "tags": [], "note": None,
                     "place": {"city": "Rome"}}},
    4: {"user_id": "bob", "kind": "procedure", "created_at": 400.0,
        "metadata": {"score": -1, "tags": "red", "rating": 4, "flag": 1}},
    5: {"agent_id": "helper", "kind": "message", "created_at": 500.0, "metadata": {}},
}  # fmt: skip

CASES: list[tuple[Mapping[str, Any] | FilterNode, set[int]]] = [
    ({"topic": "food"}, {1, 3}),
    ({"metadata.topic": {"eq": "food"}}, {1, 3}),
    ({"topic": {"ne": "food"}}, {2, 4, 5}),  # ne matches records lacking the field
    ({"tags": "red"}, {1, 4}),  # eq on a list: the list holds it
    ({"tags": {"ne": "red"}}, {2, 3, 5}),
    ({"score": 3}, {1, 3}),  # numbers compare as numbers: 3 == 3.0
    ({"score": 3.0}, {1, 3}),
    ({"rating": 4.5}, {1}),
    ({"rating": 4}, {4}),
    ({"flag": True}, {1}),  # booleans are not numbers: flag=1 does not match
    ({"flag": False}, {2}),
    ({"flag": 1}, {4}),
    ({"score": {"gt": 3}}, {2}),
    ({"score": {"gte": 3}}, {1, 2, 3}),
    ({"score": {"lt": 3}}, {4}),
    ({"score": {"lte": 3}}, {1, 3, 4}),
    ({"score": {"gte": 0, "lt": 5}}, {1, 3}),
    ({"rating": {"gt": 3.5}}, {1, 4}),
    ({"topic": {"in": ["food", "sports"]}}, {1, 3}),
    ({"tags": {"in": ["blue", "red"]}}, {1, 2, 4}),
    ({"score": {"in": [7, -1]}}, {2, 4}),
    ({"flag": {"in": [True, "x"]}}, {1}),
    ({"topic": {"nin": ["food"]}}, {2, 4, 5}),
    ({"tags": {"nin": ["red", "blue"]}}, {3, 5}),
    ({"note": {"contains": "ello"}}, {1, 2}),
    ({"note": {"contains": "hello"}}, {2}),  # case-sensitive
    ({"tags": {"contains": "red"}}, {1, 4}),  # list holds it / string holds it
    ({"tags": {"contains": "re"}}, {4}),  # a list element must equal it, not contain it
    ({"entities": {"contains": "Paris"}}, {1}),
    ({"nums": {"contains": 2}}, {1}),  # an integer: a list holding it
    ({"place.city": "Paris"}, {1}),
    ({"metadata.place.city": {"ne": "Paris"}}, {2, 3, 4, 5}),
    ({"my key": "x"}, {1}),
    ({"my key": {"contains": "x"}}, {1}),
    ({"thème": "été"}, {2}),
    ({"nothing": "x"}, set()),
    ({"nothing": {"ne": "x"}}, {1, 2, 3, 4, 5}),
    ({"user_id": "alice"}, {1, 2}),
    ({"user_id": {"ne": "alice"}}, {3, 4, 5}),
    ({"user_id": {"in": ["alice", "bob"]}}, {1, 2, 3, 4}),
    ({"kind": {"nin": ["fact"]}}, {2, 4, 5}),
    ({"created_at": {"gte": 200, "lt": 400}}, {2, 3}),
    ({"created_at": {"gte": "1970-01-01T00:05:00Z"}}, {3, 4, 5}),  # times as ISO-8601
    ({"created_at": 300}, {3}),
    ({"user_id": "alice", "score": {"gt": 1}}, {1, 2}),  # several keys are ANDed
    ({"AND": [{"user_id": "alice"}, {"topic": "food"}]}, {1}),
    ({"OR": [{"topic": "travel"}, {"user_id": "bob"}]}, {2, 3, 4}),
    ({"NOT": [{"topic": "food"}, {"user_id": "bob"}]}, {2, 5}),  # none of them holds
    ({"OR": [{"AND": [{"user_id": "bob"}, {"score": {"lt": 0}}]},
             {"NOT": [{"kind": {"in": ["fact", "procedure"]}}]}]}, {2, 4, 5}),
    (IsEmpty("expired_at"), {1, 2, 4, 5}),
    (IsEmpty("metadata.note"), {3, 4, 5}),  # null or missing
    (IsEmpty("metadata.tags"), {3, 5}),  # [] or missing
    (Not((IsEmpty("metadata.place.city"),)), {1, 3}),
]  # fmt: skip


def _node(spec: Mapping[str, Any] | FilterNode) -> FilterNode:
    if isinstance(spec, Mapping):
        node = parse_filter(spec)
        assert node is not None
        return node
    return spec


@pytest.mark.parametrize("case", range(len(CASES)))
def test_reference_evaluator_agrees_with_the_table(case: int) -> None:
    spec, expected = CASES[case]
    node = _node(spec)
    assert {n for n, row in ROWS.items() if holds(node, row)} == expected


async def test_filters_mean_the_same_everywhere(store: VectorStore) -> None:
    await store.upsert([point(n, row, axis(FOOD, 1.0 - n / 10, 5)) for n, row in ROWS.items()])
    failures = []
    for spec, expected in CASES:
        node = _node(spec)
        want = {pid(n) for n in expected}
        got_scroll = set(ids(await scroll_all(store, node)))
        [hits] = await store.query([VectorQuery("dense", axis(FOOD), node, 10)])
        got_count = await store.count(node)
        if not (got_scroll == set(ids(hits)) == want and got_count == len(want)):
            failures.append((spec, sorted(expected), got_count))
    assert not failures


# --- filters: a property ----------------------------------------------------------------

# Small domains on purpose: collisions (1 vs 1.0 vs True, "a" in "ab" vs ["ab"]) are where
# backends could differ, so the data is made to hit them often.
_words = st.sampled_from(["a", "ab", "ba", "b", ""])
_ints = st.sampled_from([-1, 0, 1, 2])
_numbers = st.one_of(_ints, st.sampled_from([1.0, 2.0, 2.5]))
_scalars = st.one_of(_words, _numbers, st.booleans(), st.none())
_elements = st.one_of(_words, _numbers, st.booleans(), st.none())
_lists = st.lists(_elements, min_size=1, max_size=3) | st.just([])
_values = st.one_of(_scalars, _lists, _lists)
_META_KEYS = ["topic", "score", "tags", "my key"]
_metadata = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(_META_KEYS, _values),
        "nested": st.one_of(_values, st.fixed_dictionaries({}, optional={"x": _values})),
    },
)
_payloads = st.fixed_dictionaries(
    {},
    optional={
        "user_id": st.sampled_from(["alice", "bob", "al"]),
        "kind": st.sampled_from(["fact", "message"]),
        "created_at": st.sampled_from([100.0, 200.0, 250.5]),
        "entities": st.lists(st.sampled_from(["Paris", "Rome", "Pa"]), max_size=2),
        "metadata": _metadata,
    },
)


def _atoms_by_path(payloads: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """For each field the payloads hold, the scalars found there plus near misses (prefixes
    and suffixes of strings, each number as int and as float). Filters that pair a field
    with its own near-miss values hit the edge cases far more often than blind draws."""
    atoms: dict[str, list[Any]] = {"metadata.missing": [], "metadata.nested.x": []}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else key)
            return
        found = atoms.setdefault(path, [])
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found += [item, item[:1], item[1:]]
            elif _is_number(item):
                found += [item, int(item), float(item)]
            elif item is not None:
                found.append(item)

    for payload in payloads:
        walk(payload, "")
    return {path: [*found, "a", 1, True] for path, found in atoms.items()}


@st.composite
def _conds(draw: st.DrawFn, atoms: dict[str, list[Any]]) -> FilterNode:
    field = draw(st.sampled_from(sorted(atoms)))
    op = draw(st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains",
                               "empty"]))  # fmt: skip
    if op == "empty":
        return IsEmpty(field)
    pool = atoms[field]
    # The values filters.parse_filter accepts per operator.
    if op in ("eq", "ne"):
        value = draw(st.sampled_from(pool))
    elif op in ("in", "nin"):
        allowed = [a for a in pool if not isinstance(a, float)]
        value = tuple(draw(st.lists(st.sampled_from(allowed), min_size=1, max_size=3)))
    elif op == "contains":
        value = draw(st.sampled_from([a for a in pool if isinstance(a, str | int)]))
    else:
        value = draw(st.sampled_from([a for a in pool if _is_number(a)] + [150, 250.5]))
    return Cond(field, op, value)


def _filters(atoms: dict[str, list[Any]]) -> st.SearchStrategy[FilterNode]:
    return st.recursive(
        _conds(atoms),
        lambda inner: st.one_of(
            *(st.lists(inner, min_size=1, max_size=3).map(lambda xs, g=g: g(tuple(xs)))
              for g in (And, Or, Not))
        ),
        max_leaves=6,
    )  # fmt: skip


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payloads=st.lists(_payloads, min_size=3, max_size=16), data=st.data())
async def test_random_filters_match_the_reference(
    store: VectorStore, payloads: list[dict[str, Any]], data: st.DataObject
) -> None:
    await store.delete_where(None)
    await store.upsert([point(n, p) for n, p in enumerate(payloads)])
    atoms = _atoms_by_path(payloads)
    filters = data.draw(st.lists(_conds(atoms) | _filters(atoms), min_size=5, max_size=12))
    for node in filters:
        want = {pid(n) for n, p in enumerate(payloads) if holds(node, p)}
        assert set(ids(await scroll_all(store, node))) == want, node
        assert await store.count(node) == len(want), node


# --- scroll and count -------------------------------------------------------------------


@pytest.mark.parametrize("page", [1, 7, 25, 100])
async def test_scroll_pages_cover_every_point_once_in_id_order(
    store: VectorStore, page: int
) -> None:
    await store.upsert([point(n, {"metadata": {"even": n % 2 == 0}}) for n in range(25)])
    pages: list[list[Hit]] = []
    cursor: str | None = None
    while True:
        hits, cursor = await store.scroll(None, page, cursor)
        pages.append(hits)
        if cursor is None:
            break
    seen = [hit.id for hits in pages for hit in hits]
    assert seen == sorted(pid(n) for n in range(25))
    assert all(len(hits) == page for hits in pages[:-1]) and 0 < len(pages[-1]) <= page

    evens = await scroll_all(store, parse_filter({"even": True}), page)
    assert ids(evens) == sorted(pid(n) for n in range(0, 25, 2))
    assert all(hit.payload == {"metadata": {"even": True}} and hit.score == 0.0 for hit in evens)


async def test_scroll_of_nothing_and_count(store: VectorStore) -> None:
    assert await store.scroll(None, 10) == ([], None)
    await store.upsert([point(n, {"user_id": "u" if n < 3 else "v"}) for n in range(5)])
    assert await store.count(None) == 5
    assert await store.count(parse_filter({"user_id": "u"})) == 3
    with pytest.raises(InvalidInputError):
        await store.scroll(None, 0)


def test_every_backend_implements_the_protocol(backend: Backend) -> None:
    assert isinstance(backend.make(), VectorStore)


async def test_filters_on_the_point_id(store: VectorStore) -> None:
    await store.upsert([point(n, {"user_id": "u", "n": n}) for n in range(6)])
    chosen = parse_filter({"id": {"in": [pid(1), pid(4)]}})
    assert sorted(ids(await scroll_all(store, chosen))) == sorted([pid(1), pid(4)])
    one_of_u = And((Cond("user_id", "eq", "u"), Cond("id", "eq", pid(2))))
    [hits] = await store.query([VectorQuery("dense", axis(0), one_of_u, 10)])
    assert ids(hits) == [pid(2)]
    others = parse_filter({"id": {"nin": [pid(0), pid(1)]}})
    assert await store.count(others) == 4
    with pytest.raises(InvalidFilterError, match="'id' supports"):
        await store.count(Cond("id", "gt", 3))


async def test_facet_counts_values_of_an_indexed_field(store: VectorStore) -> None:
    """Counts per value, list fields counting each element, under a filter, most frequent
    first, cut to ``limit``; and equal to counting the points by hand (the reference)."""
    tags = [["a", "b"], ["a"], ["a", "c"], ["b"], [], ["a", "b", "c"]]
    payloads = [{"user_id": "u" if n < 4 else "v", "tags": t} for n, t in enumerate(tags)]
    await store.upsert([point(n, payload) for n, payload in enumerate(payloads)])
    assert await store.facet("tags", None, 10) == {"a": 4, "b": 3, "c": 2}
    only_u = Cond("user_id", "eq", "u")
    by_hand = {"a": 0, "b": 0, "c": 0}
    for payload in payloads:
        if holds(only_u, payload):
            for tag in payload["tags"]:
                by_hand[tag] += 1
    assert await store.facet("tags", only_u, 10) == {k: v for k, v in by_hand.items() if v}
    assert await store.facet("tags", None, 1) == {"a": 4}
    assert await store.facet("user_id", None, 10) == {"u": 4, "v": 2}
    assert await store.facet("tags", parse_filter({"user_id": "nobody"}), 10) == {}


async def test_facet_refuses_unindexed_fields_and_bad_limits(store: VectorStore) -> None:
    with pytest.raises(InvalidInputError, match="keyword-indexed"):
        await store.facet("metadata.topic", None, 10)
    with pytest.raises(InvalidInputError, match="limit"):
        await store.facet("tags", None, 0)


async def test_scroll_newest_first_orders_by_created_at(store: VectorStore) -> None:
    stamps = [5.0, 1.0, 9.0, 3.0, 7.0]
    await store.upsert([point(n, {"created_at": t, "user_id": "u"}) for n, t in enumerate(stamps)])
    page, cursor = await store.scroll(None, 3, newest_first=True)
    assert [hit.payload["created_at"] for hit in page] == [9.0, 7.0, 5.0]
    assert cursor is None
    page, _ = await store.scroll(Cond("created_at", "lt", 6.0), 10, newest_first=True)
    assert [hit.payload["created_at"] for hit in page] == [5.0, 3.0, 1.0]
    with pytest.raises(InvalidInputError, match="no cursor"):
        await store.scroll(None, 3, pid(0), newest_first=True)
