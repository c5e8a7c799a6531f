"""Shared fixtures: every test gets its own home; the embedding model loads once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Nothing in the tests may reach beyond 127.0.0.1: no model hub, no telemetry.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> LocalEmbedder:
    """The real local model, shared: loading it per test would dominate the suite's time.
    Its model files are assembled in a temporary directory, never in ~/.memory-core."""
    return LocalEmbedder(cache_dir=tmp_path_factory.mktemp("models"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def memory(home: Path, embedder: LocalEmbedder) -> Iterator[Memory]:
    with Memory(MemoryConfig(home=home), embedder=embedder) as mem:
        yield mem
