"""Property: random writes across many users, agents and runs; no read through any API ever
returns a memory outside the scope it asked for."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder

USERS = st.sampled_from(["u1", "u2", "u3", "u4"])
AGENTS = st.one_of(st.none(), st.sampled_from(["a1", "a2"]))
RUNS = st.one_of(st.none(), st.sampled_from(["r1", "r2"]))
WORDS = st.sampled_from(["tea", "coffee", "Paris", "Rome", "dog", "cat", "piano", "chess"])
WRITES = st.lists(
    st.tuples(USERS, AGENTS, RUNS, st.lists(WORDS, min_size=1, max_size=4)),
    min_size=1, max_size=25,
)  # fmt: skip
READ_SCOPES = st.tuples(st.one_of(st.none(), USERS), AGENTS, RUNS).filter(
    lambda s: any(v is not None for v in s)
)


def _matches(item: dict[str, object], scope: tuple[str | None, ...]) -> bool:
    wanted = dict(zip(("user_id", "agent_id", "run_id"), scope, strict=True))
    return all(item.get(name) == value for name, value in wanted.items() if value is not None)


@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(writes=WRITES, reads=st.lists(st.tuples(READ_SCOPES, WORDS), min_size=1, max_size=8))
def test_no_read_crosses_scopes(
    tmp_path_factory: object,
    embedder: LocalEmbedder,
    writes: list[tuple[str, str | None, str | None, list[str]]],
    reads: list[tuple[tuple[str | None, str | None, str | None], str]],
) -> None:
    home = tmp_path_factory.mktemp("home")  # type: ignore[attr-defined]
    with Memory(MemoryConfig(home=Path(home)), embedder=embedder) as memory:
        written: dict[str, tuple[str | None, ...]] = {}
        for user, agent, run, words in writes:
            text = " ".join(words) + f" for {user}/{agent}/{run}"
            for event in memory.add(text, user_id=user, agent_id=agent, run_id=run)["results"]:
                written[event["id"]] = (user, agent, run)
        for scope, query in reads:
            user, agent, run = scope
            kwargs = {"user_id": user, "agent_id": agent, "run_id": run}
            expected = {i for i, s in written.items() if _matches(dict(zip(
                ("user_id", "agent_id", "run_id"), s, strict=True)), scope)}  # fmt: skip
            listed = memory.get_all(**kwargs, limit=1000)["results"]
            assert {r["id"] for r in listed} == expected
            found = memory.search(query, **kwargs, limit=50)["results"]
            assert all(_matches(dict(r), scope) for r in found)
            assert {r["id"] for r in found} <= expected
            exported = memory.export_records(**kwargs)
            assert {r.id for r in exported} == expected
