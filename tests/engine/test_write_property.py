"""Property: hostile writes (arbitrary JSON-ish metadata, arbitrary scope ids) and interleaved
deletes. Every call succeeds or raises a MemoryCoreError, and after each close the home
reopens with its vector store, history and journal agreeing."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import MemoryCoreError

SCALARS = (
    st.none() | st.booleans() | st.floats() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.text(max_size=8) | st.sampled_from(["caf\udce9", "\ud800", "a\x00b", "|=\x1f\x1e"])
)  # fmt: skip
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                               max_size=3),
    max_leaves=12,
)  # fmt: skip
DEEP = st.integers(min_value=30, max_value=200).map(lambda n: _nest(n))
METADATA = st.none() | st.dictionaries(st.text(max_size=5), JSONISH | DEEP, max_size=3)
IDS = st.sampled_from(["u", "a|agent_id=b", "b", "\x01ctl", "é東", "x\x1fy", "caf\udce9", " pad"])
SCOPES = st.tuples(IDS, st.none() | IDS, st.none() | IDS)
TEXTS = st.sampled_from(["I like tea", "I like tea", "Paris", "caf\udce9", "", "x" * 50])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), SCOPES, TEXTS, METADATA),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("delete_all"), SCOPES),
        st.tuples(st.just("reopen")),
    ),
    min_size=1, max_size=14,
)  # fmt: skip


def _nest(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"d": value}
    return value


@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(steps=STEPS)
def test_hostile_writes_never_break_the_home(
    tmp_path_factory: Any, embedder: LocalEmbedder, steps: list[tuple[Any, ...]]
) -> None:
    shm = Path("/dev/shm")  # a new shard fsyncs its indexes: tmpfs keeps examples fast
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tmp_path_factory.mktemp("h"))
    home = Path(tempfile.mkdtemp(prefix="memory-core-prop-", dir=base)) / "home"
    config = MemoryConfig(home=home)
    memory = Memory(config, embedder=embedder)
    ids: list[str] = []
    try:
        for step in steps:
            if step[0] == "reopen":
                memory.close()
                _assert_agreeing(home, embedder)
                memory = Memory(config, embedder=embedder)
                continue
            with contextlib.suppress(MemoryCoreError):  # refused, typed: fine; else it fails
                ids.extend(_apply(memory, step, ids))
    finally:
        memory.close()
    _assert_agreeing(home, embedder)
    with Memory(config, embedder=embedder) as reopened:
        assert reopened.stats()["journal_pending"] == 0
    shutil.rmtree(home.parent)


def _apply(memory: Memory, step: tuple[Any, ...], ids: list[str]) -> list[str]:
    kind = step[0]
    if kind == "add":
        (user, agent, run), text, metadata = step[1], step[2], step[3]
        result = memory.add(text, user_id=user, agent_id=agent, run_id=run, metadata=metadata)
        return [e["id"] for e in result["results"]]
    if kind == "delete" and ids:
        memory.delete(ids[step[1] % len(ids)])
    elif kind == "delete_all":
        user, agent, run = step[1]
        memory.delete_all(user_id=user, agent_id=agent, run_id=run)
    return []


def _assert_agreeing(home: Path, embedder: LocalEmbedder) -> None:
    """Closed home: no pending journal entry, and the memories history lists as live are
    exactly those in the vector store."""
    if not (home / "history.sqlite3").exists():
        return
    with sqlite3.connect(home / "history.sqlite3") as db:
        pending = db.execute("SELECT COUNT(*) FROM journal WHERE done_at IS NULL").fetchone()[0]
        live = {r[0] for r in db.execute("SELECT memory_id FROM history WHERE is_deleted = 0")}
    assert pending == 0
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        stored = {r.id for r in memory.export_records()}
    assert stored == live
