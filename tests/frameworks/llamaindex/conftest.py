"""Fixtures: one real engine (real local embedder) in a tmpfs home, offline (no LLM)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder


@pytest.fixture
def engine_memory(fast_tmp: Path, embedder: LocalEmbedder) -> Iterator[Memory]:
    with Memory(MemoryConfig(home=fast_tmp / "home"), embedder=embedder) as memory:
        yield memory
