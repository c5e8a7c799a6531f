"""What only the embedded store owes: durability under SIGKILL, and clear errors for a
damaged, locked or misplaced shard directory. The shared protocol is in test_vector_store.py.

The SIGKILL test writes to the real temp disk; the others use ``fast_tmp`` (conftest.py).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import uuid
from pathlib import Path

import pytest
import qdrant_edge

from memory_core.errors import HomeCorruptError, HomeUnreadableError, StoreError
from memory_core.stores.vector import QdrantEdgeStore, SparseVec, VectorPoint
from memory_core.stores.vector.base import FLOAT_INDEXES, KEYWORD_INDEXES

DIMS = 4

# Upserts one point at a time and appends each id to ACKED once upsert() and set_payload()
# have returned, until killed.
WRITER = """
import asyncio, os, sys, uuid
from memory_core.stores.vector import QdrantEdgeStore, SparseVec, VectorPoint

async def main(path, acked):
    store = QdrantEdgeStore(path)
    await store.open(4)
    fd = os.open(acked, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    n = 0
    while True:
        n += 1
        pid = str(uuid.UUID(int=n))
        point = VectorPoint(pid, [1.0, n, 0.0, 0.0], SparseVec((n,), (1.0,)), {"n": n})
        await store.upsert([point])
        await store.set_payload([pid], {"acked": True})
        os.write(fd, f"{pid}\\n".encode())

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _point(n: int, payload: dict[str, object] | None = None) -> VectorPoint:
    return VectorPoint(str(uuid.UUID(int=n)), [1.0, float(n), 0.0, 0.0], SparseVec((), ()),
                       payload or {"n": n})  # fmt: skip


async def _make(path: Path, points: int = 5) -> None:
    store = QdrantEdgeStore(path)
    await store.open(DIMS)
    await store.upsert([_point(n) for n in range(1, points + 1)])
    await store.close()


async def test_returned_writes_survive_sigkill(tmp_path: Path) -> None:
    path, acked = tmp_path / "shard", tmp_path / "acked.txt"
    args = ["-c", WRITER, str(path), str(acked)]
    writer = await asyncio.create_subprocess_exec(sys.executable, *args)
    try:
        deadline = time.monotonic() + 60
        while not (acked.exists() and acked.read_text().count("\n") >= 200):
            assert writer.returncode is None, "the writer died on its own"
            assert time.monotonic() < deadline, "the writer made no progress"
            await asyncio.sleep(0.05)
    finally:
        writer.send_signal(signal.SIGKILL)
        await writer.wait()
    ids = acked.read_text().split()

    store = QdrantEdgeStore(path)
    await store.open(DIMS)
    hits = await store.retrieve(ids)
    await store.close()
    assert [hit.id for hit in hits] == ids  # every acknowledged write is there
    assert all(hit.payload.get("acked") is True for hit in hits)


async def test_payload_indexes_are_created(fast_tmp: Path) -> None:
    await _make(fast_tmp / "shard")
    shard = qdrant_edge.EdgeShard.load(str(fast_tmp / "shard"))
    try:
        schema = shard.info().payload_schema
    finally:
        shard.close()
    assert set(KEYWORD_INDEXES) | set(FLOAT_INDEXES) <= set(schema)
    assert str(schema["user_id"].data_type).endswith("Keyword")
    assert str(schema["t_from"].data_type).endswith("Float")


def _garble(path: Path) -> None:
    path.write_bytes(b"\x00garbage" * 64)


@pytest.mark.parametrize(
    "damage",
    [
        lambda shard: _garble(shard / "edge_config.json"),
        lambda shard: _garble(next((shard / "wal").glob("open-*"))),
        lambda shard: _garble(next(shard.glob("segments/*/segment.json"))),
        lambda shard: (shard / "edge_config.json").unlink(),
    ],
    ids=["config", "wal", "segment", "config-missing"],
)
async def test_damaged_shard_is_a_clear_error(fast_tmp: Path, damage: object) -> None:
    shard = fast_tmp / "shard"
    await _make(shard)
    damage(shard)  # type: ignore[operator]
    with pytest.raises(HomeCorruptError) as info:
        await QdrantEdgeStore(shard).open(DIMS)
    message = str(info.value)
    assert message.startswith(f"Memory home {str(shard)!r} is damaged")
    assert "backup" in message  # says what to do
    assert "panicked" not in message


async def test_path_that_is_a_file_is_unusable(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("not a directory")
    with pytest.raises(HomeUnreadableError, match="not a directory"):
        await QdrantEdgeStore(target).open(DIMS)


async def test_foreign_shard_is_refused(fast_tmp: Path) -> None:
    config = qdrant_edge.EdgeConfig(
        vectors={"other": qdrant_edge.EdgeVectorParams(size=3, distance=qdrant_edge.Distance.Dot)}
    )
    qdrant_edge.EdgeShard.create(str(fast_tmp / "shard"), config).close()
    with pytest.raises(StoreError, match=r"did\s+not create it"):
        await QdrantEdgeStore(fast_tmp / "shard").open(DIMS)


async def test_calls_from_many_tasks_at_once(fast_tmp: Path) -> None:
    """The store's thread pool runs calls in parallel; results stay right."""
    store = QdrantEdgeStore(fast_tmp / "shard")
    await store.open(DIMS)
    await asyncio.gather(*(store.upsert([_point(n)]) for n in range(1, 101)))
    counts = await asyncio.gather(*(store.count(None) for _ in range(20)))
    await store.close()
    assert counts == [100] * 20
