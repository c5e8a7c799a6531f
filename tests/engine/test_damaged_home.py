"""A damaged home is reported, never opened as empty: a history file or vector directory that
went missing or was emptied in a home that had memories is a HomeCorruptError naming it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import HomeCorruptError


def _written(home: Path, embedder: LocalEmbedder) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        memory.add("I live in Lisbon", user_id="alice")
        memory.add("I play the cello", user_id="alice")


def _empty_vectors(home: Path, embedder: LocalEmbedder) -> None:
    """Replace the shard by a fresh empty one (a restore of the wrong backup, say)."""
    shutil.rmtree(home / "vectors" / "memories")
    with Memory(MemoryConfig(home=home / "elsewhere"), embedder=embedder) as _:
        pass
    shutil.move(home / "elsewhere" / "vectors" / "memories", home / "vectors" / "memories")


DAMAGE: dict[str, tuple[Callable[[Path, LocalEmbedder], object], str]] = {
    "history deleted": (lambda h, _: (h / "history.sqlite3").unlink(), "history file"),
    "history emptied": (lambda h, _: (h / "history.sqlite3").write_bytes(b""), "history file"),
    "vectors deleted": (lambda h, _: shutil.rmtree(h / "vectors/memories"), "vector directory"),
    "vectors emptied": (_empty_vectors, "vector directory"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_missing_or_emptied_part_is_reported(
    home: Path, embedder: LocalEmbedder, damage: str
) -> None:
    _written(home, embedder)
    harm, part = DAMAGE[damage]
    harm(home, embedder)
    with pytest.raises(HomeCorruptError, match=part) as caught:
        Memory(MemoryConfig(home=home), embedder=embedder)
    assert "backup" in str(caught.value) or "export" in str(caught.value)
    with pytest.raises(HomeCorruptError):  # every open says so: it never "heals" as empty
        Memory(MemoryConfig(home=home), embedder=embedder)


def test_an_erased_home_is_no_damaged_home(home: Path, embedder: LocalEmbedder) -> None:
    _written(home, embedder)
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        memory.delete_all(user_id="alice")
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        memory.reset(everything=True)
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        assert memory.stats()["memories"] == 0
