"""The graph-store conformance suite: every backend (SQLite, FalkorDB over Bolt, and Neo4j
when ``NEO4J_URI`` is set) must behave the same on every test here."""

from __future__ import annotations

import pytest

from memory_core.scoping import TimeView
from memory_core.stores.graph import Edge, Entity, GraphStore

HOSTILE = [
    "O'Brien",
    'say "hi"',
    "back`tick`",
    "}) DETACH DELETE n //",
    "x' OR 1=1 //",
    "line\nbreak\ttab",
    "back\\slash \\' \\n",
    "100% sure %27",
    "東京 Tōkyō Москва القاهرة",
    "n" * 1000,
]


def entity(eid: str, name: str, user: str = "u1", **scope: str) -> Entity:
    return Entity(eid, name, user, scope.get("agent_id"), scope.get("run_id"), created_at=1.0)


def edge(
    eid: str, src: str, rel: str, dst: str, memory: str | None, user: str = "u1", **extra: object
) -> Edge:
    fields: dict[str, object] = {"created_at": 10.0, **extra}
    return Edge(eid, src, rel, dst, memory, user, **fields)  # type: ignore[arg-type]


def triples(edges: list[Edge]) -> list[tuple[str, str, str]]:
    return [(e.source_name, e.relationship, e.destination_name) for e in edges]


async def seed(store: GraphStore) -> None:
    await store.merge(
        [entity("a", "Alice"), entity("r", "Rome"), entity("p", "pasta"), entity("b", "Bob")],
        [
            edge("e1", "a", "lives_in", "r", "m1"),
            edge("e2", "a", "likes", "p", "m2", origin={"thread_id": "t1", "message_ids": [3]}),
            edge("e3", "b", "knows", "a", "m3"),
        ],
    )


async def test_merge_then_read_back_every_field(graph_store: GraphStore) -> None:
    await seed(graph_store)
    edges = await graph_store.edges({"user_id": "u1"}, TimeView())
    assert sorted(triples(edges)) == [
        ("Alice", "likes", "pasta"), ("Alice", "lives_in", "Rome"), ("Bob", "knows", "Alice")
    ]  # fmt: skip
    likes = next(e for e in edges if e.id == "e2")
    assert (likes.source_id, likes.destination_id, likes.memory_id) == ("a", "p", "m2")
    assert likes.origin == {"thread_id": "t1", "message_ids": [3]}
    assert (likes.created_at, likes.expired_at, likes.t_until) == (10.0, None, None)
    assert await graph_store.counts({"user_id": "u1"}) == {"entities": 4, "relations": 3}


async def test_merge_is_idempotent(graph_store: GraphStore) -> None:
    await seed(graph_store)
    await seed(graph_store)
    assert await graph_store.counts() == {"entities": 4, "relations": 3}


async def test_a_replayed_merge_never_reopens_a_closed_edge(graph_store: GraphStore) -> None:
    await seed(graph_store)
    await graph_store.close_edges(["m1"], 50.0, None)
    await seed(graph_store)
    current = await graph_store.edges({"user_id": "u1"}, TimeView())
    assert ("Alice", "lives_in", "Rome") not in triples(current)


async def test_neighbourhood_is_the_edges_touching_the_entities(graph_store: GraphStore) -> None:
    await seed(graph_store)
    around_rome = await graph_store.edges({"user_id": "u1"}, TimeView(), entity_ids=["r"])
    assert triples(around_rome) == [("Alice", "lives_in", "Rome")]
    around_alice = await graph_store.edges({"user_id": "u1"}, TimeView(), entity_ids=["a"])
    assert len(around_alice) == 3
    assert await graph_store.edges({"user_id": "u1"}, TimeView(), entity_ids=["nobody"]) == []


async def test_closed_edges_are_hidden_but_kept_for_as_of(graph_store: GraphStore) -> None:
    await seed(graph_store)
    await graph_store.close_edges(["m1"], 50.0, None)
    await graph_store.close_edges(["m1"], 99.0, None)  # the first closing time stays
    scope = {"user_id": "u1"}
    assert ("Alice", "lives_in", "Rome") not in triples(await graph_store.edges(scope, TimeView()))
    everything = await graph_store.edges(scope, TimeView(include_expired=True))
    closed = next(e for e in everything if e.id == "e1")
    assert (closed.expired_at, closed.t_until) == (50.0, 50.0)
    assert "e1" in [e.id for e in await graph_store.edges(scope, TimeView(as_of=20.0))]
    assert "e1" not in [e.id for e in await graph_store.edges(scope, TimeView(as_of=60.0))]
    assert [e.id for e in await graph_store.edges(scope, TimeView(as_of=5.0))] == []


async def test_closing_with_a_validity_end(graph_store: GraphStore) -> None:
    await seed(graph_store)
    await graph_store.close_edges(["m2"], 50.0, 30.0)
    [closed] = [
        e for e in await graph_store.edges({"user_id": "u1"}, TimeView(include_expired=True))
        if e.id == "e2"
    ]  # fmt: skip
    assert (closed.valid_until, closed.expired_at, closed.t_until) == (30.0, 50.0, 30.0)
    as_of = await graph_store.edges({"user_id": "u1"}, TimeView(as_of=40.0))
    assert "e2" not in [e.id for e in as_of]


async def test_valid_from_sets_when_an_edge_starts(graph_store: GraphStore) -> None:
    await graph_store.merge(
        [entity("a", "Alice"), entity("r", "Rome")],
        [edge("e1", "a", "lives_in", "r", "m1", valid_from=100.0)],
    )
    scope = {"user_id": "u1"}
    assert await graph_store.edges(scope, TimeView(as_of=50.0)) == []
    assert len(await graph_store.edges(scope, TimeView(as_of=150.0))) == 1


async def test_reads_and_deletes_are_scoped(graph_store: GraphStore) -> None:
    await seed(graph_store)  # user u1
    await graph_store.merge(
        [entity("a2", "Alice", "u2"), entity("r2", "Rome", "u2"),
         entity("a3", "Alice", "u1", agent_id="chef")],
        [edge("x1", "a2", "lives_in", "r2", "n1", user="u2"),
         Edge("x2", "a3", "cooks_in", "r", "n2", "u1", "chef", created_at=10.0)],
    )  # fmt: skip
    u2 = await graph_store.edges({"user_id": "u2"}, TimeView())
    assert [e.id for e in u2] == ["x1"]
    assert {e.id for e in await graph_store.edges({"user_id": "u1"}, TimeView())} == {
        "e1", "e2", "e3", "x2"}  # a user-level read sees the agent's relations  # fmt: skip
    chef = await graph_store.edges({"user_id": "u1", "agent_id": "chef"}, TimeView())
    assert [e.id for e in chef] == ["x2"]
    await graph_store.delete_scope({"user_id": "u1", "agent_id": "chef"})
    assert await graph_store.counts({"user_id": "u1"}) == {"entities": 4, "relations": 3}
    await graph_store.delete_scope({"user_id": "u1"})
    assert await graph_store.counts({"user_id": "u1"}) == {"entities": 0, "relations": 0}
    assert await graph_store.counts({"user_id": "u2"}) == {"entities": 2, "relations": 1}
    await graph_store.delete_scope(None)
    assert await graph_store.counts() == {"entities": 0, "relations": 0}


async def test_forget_erases_a_memorys_edges_and_orphaned_entities(
    graph_store: GraphStore,
) -> None:
    await seed(graph_store)
    erased = await graph_store.forget(["m2"])
    assert erased == ["p"]  # pasta had no other edge; Alice still has two
    assert await graph_store.counts() == {"entities": 3, "relations": 2}
    assert sorted(await graph_store.forget(["m1", "m3"])) == ["a", "b", "r"]
    assert await graph_store.counts() == {"entities": 0, "relations": 0}
    assert await graph_store.forget(["m1"]) == []  # idempotent


async def test_limit_and_order(graph_store: GraphStore) -> None:
    await graph_store.merge(
        [entity("a", "A"), entity("b", "B")],
        [edge(f"e{i}", "a", f"rel_{i}", "b", f"m{i}", created_at=float(i)) for i in range(5)],
    )
    edges = await graph_store.edges({"user_id": "u1"}, TimeView(), limit=3)
    assert [e.relationship for e in edges] == ["rel_0", "rel_1", "rel_2"]


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_names_are_stored_literally_and_harmlessly(
    graph_store: GraphStore, name: str
) -> None:
    await seed(graph_store)
    await graph_store.merge(
        [entity("h", name), entity("o", name + " other")],
        [edge("eh", "h", name, "o", name)],  # as relationship and memory id, too
    )
    [found] = await graph_store.edges({"user_id": "u1"}, TimeView(), entity_ids=["h"])
    assert (found.source_name, found.relationship, found.destination_name, found.memory_id) == (
        name, name, name + " other", name)  # fmt: skip
    assert await graph_store.counts() == {"entities": 6, "relations": 4}  # nothing else hurt
    await graph_store.close_edges([name], 50.0, None)
    assert await graph_store.edges({"user_id": "u1"}, TimeView(), entity_ids=["h"]) == []
    assert sorted(await graph_store.forget([name])) == ["h", "o"]


async def test_hostile_scope_ids_are_parameters(graph_store: GraphStore) -> None:
    user = "u' OR 1=1 //"
    await seed(graph_store)
    await graph_store.merge([entity("z", "Zed", user)], [])
    assert await graph_store.counts({"user_id": user}) == {"entities": 1, "relations": 0}
    await graph_store.delete_scope({"user_id": user})
    assert await graph_store.counts() == {"entities": 4, "relations": 3}
