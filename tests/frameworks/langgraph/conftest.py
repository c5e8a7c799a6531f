"""Fixtures: a MemoryStore over a real engine (real local embedder) in a tmpfs home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph.store.base import IndexConfig
from memory_core_langgraph import EngineEmbeddings, MemoryStore

from memory_core import AsyncMemory, Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder


@pytest.fixture
def lc_embeddings(embedder: LocalEmbedder) -> EngineEmbeddings:
    """The engine's local model as LangChain Embeddings: the same function for both stores."""
    return EngineEmbeddings(embedder)


@pytest.fixture
def index(lc_embeddings: EngineEmbeddings) -> IndexConfig:
    return {"dims": 384, "embed": lc_embeddings, "fields": ["text"]}


@pytest.fixture
def engine_memory(fast_tmp: Path, embedder: LocalEmbedder) -> Iterator[Memory]:
    with Memory(MemoryConfig(home=fast_tmp / "home"), embedder=embedder) as memory:
        yield memory


@pytest.fixture
def store(engine_memory: Memory) -> Iterator[MemoryStore]:
    """A store over a shared sync engine: what other adapters see is ``engine_memory``."""
    with MemoryStore(engine_memory) as store:
        yield store


@pytest.fixture
def async_engine(fast_tmp: Path, embedder: LocalEmbedder) -> AsyncMemory:
    return AsyncMemory(MemoryConfig(home=fast_tmp / "ahome"), embedder=embedder)
