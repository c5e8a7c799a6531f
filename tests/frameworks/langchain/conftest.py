"""Fixtures: engines over the real local embedder, in tmpfs homes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from memory_core import AsyncMemory, MemoryConfig
from memory_core.embeddings import LocalEmbedder


@pytest.fixture
async def async_memory(fast_tmp: Path, embedder: LocalEmbedder) -> AsyncIterator[AsyncMemory]:
    """An AsyncMemory opened on the test's loop (the adapters reach it through EngineHandle)."""
    engine = AsyncMemory(MemoryConfig(home=fast_tmp / "ahome"), embedder=embedder)
    yield engine
    await engine.close()
