"""A home that is unreadable, corrupt, locked, or built for another embedding size fails
clearly at open, with a message that says what to do."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import (
    DimensionMismatchError,
    HomeCorruptError,
    HomeLockedError,
    HomeUnreadableError,
)
from memory_core.stores.vector import QdrantEdgeStore


def test_home_that_is_a_file(tmp_path: Path, embedder: LocalEmbedder) -> None:
    path = tmp_path / "home"
    path.write_text("not a directory")
    with pytest.raises(HomeUnreadableError, match="MEMORY_CORE_HOME"):
        Memory(MemoryConfig(home=path), embedder=embedder)


def test_corrupt_history_database(home: Path, embedder: LocalEmbedder) -> None:
    home.mkdir(parents=True)
    (home / "history.sqlite3").write_bytes(b"\x00garbage" * 512)
    with pytest.raises(HomeCorruptError, match="backup"):
        Memory(MemoryConfig(home=home), embedder=embedder)
    # The failed open released the lock: fixing the file makes the home usable again.
    (home / "history.sqlite3").unlink()
    Memory(MemoryConfig(home=home), embedder=embedder).close()


def test_home_locked_by_another_process(home: Path, embedder: LocalEmbedder) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from memory_core import Memory, MemoryConfig
            m = Memory(MemoryConfig(home={str(home)!r}))
            print("open", flush=True)
            sys.stdin.readline()
            m.close()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(HomeLockedError, match=f"in use by process {holder.pid} ") as caught:
            Memory(MemoryConfig(home=home), embedder=embedder)
        assert caught.value.holder is not None and sys.executable in caught.value.holder
    finally:
        holder.communicate("\n", timeout=60)
    Memory(MemoryConfig(home=home), embedder=embedder).close()  # free again once it exits


def test_home_opened_twice_in_one_process_says_to_share_one_memory(
    home: Path, embedder: LocalEmbedder
) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder):
        with pytest.raises(HomeLockedError, match="open in this same process") as caught:
            Memory(MemoryConfig(home=home), embedder=embedder)
        assert "memory=memory" in str(caught.value)
        assert "one process at a time" not in str(caught.value)
    Memory(MemoryConfig(home=home), embedder=embedder).close()  # free once the first closes


def test_embedding_dimension_differs_from_collection(home: Path, embedder: LocalEmbedder) -> None:
    async def make_two_dimensional_collection() -> None:
        store = QdrantEdgeStore(home / "vectors" / "memories")
        await store.open(dims=2)
        await store.close()

    asyncio.run(make_two_dimensional_collection())
    with pytest.raises(DimensionMismatchError, match="384"):
        Memory(MemoryConfig(home=home), embedder=embedder)
    # The failed open closed what it had opened: no SQLite thread, no home lock.
    assert not [t for t in threading.enumerate() if t.name.startswith("memory-core-sqlite")]
    with pytest.raises(DimensionMismatchError):
        Memory(MemoryConfig(home=home), embedder=embedder)  # not HomeLockedError
