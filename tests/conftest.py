"""Shared fixtures: every test gets its own home; the embedding model loads once per session."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

# Nothing in the tests may reach beyond 127.0.0.1: no model hub, no telemetry.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.testing import ScriptedOpenAIServer
from memory_core.testing.falkordb import FalkorDBServer

COOKBOOKS = Path(__file__).resolve().parents[1] / "cookbooks"
MODEL_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL")


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> LocalEmbedder:
    """The real local model, shared: loading it per test would dominate the suite's time.
    Its model files are assembled in a temporary directory, never in ~/.memory-core."""
    return LocalEmbedder(cache_dir=tmp_path_factory.mktemp("models"))


@pytest.fixture
def fast_tmp(tmp_path: Path) -> Iterator[Path]:
    """A temp dir on tmpfs when there is one. A new embedded shard fsyncs each payload index
    it creates (~1.6 s per home on disk) and closing fsyncs again: on disk that would dominate
    the suite without testing anything. Durability on a real disk is the crash tests' job
    (they use ``tmp_path``)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="memory-core-test-", dir=shm))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def home(fast_tmp: Path) -> Path:
    return fast_tmp / "home"


@pytest.fixture
def memory(home: Path, embedder: LocalEmbedder) -> Iterator[Memory]:
    with Memory(MemoryConfig(home=home), embedder=embedder) as mem:
        yield mem


@pytest.fixture(scope="session")
def falkordb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FalkorDBServer]:
    """A real FalkorDB (Bolt) server on 127.0.0.1, one per test session; a test that stops it
    must start it again (``falkordb.start()``)."""
    with FalkorDBServer(tmp_path_factory.mktemp("falkordb")) as server:
        yield server


@pytest.fixture
def cookbook(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """Loads ``cookbooks/<name>.py`` as ``python cookbooks/<name>.py`` sees it (its folder, with
    the shared ``_model.py``, on ``sys.path``). Offline: the machine's ``OPENAI_*`` are cleared
    (the ``model_server`` fixture sets them again)."""
    for name in MODEL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.syspath_prepend(str(COOKBOOKS))

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, COOKBOOKS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)  # pydantic resolves annotations by it
        monkeypatch.delitem(sys.modules, "_model", raising=False)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def model_server(
    cookbook: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ScriptedOpenAIServer]:
    """A scripted OpenAI-compatible server on 127.0.0.1 that a cookbook takes for a real model
    (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` / ``OPENAI_MODEL`` point at it); the test
    scripts its replies. (Set up after ``cookbook``, which clears them.)"""
    with ScriptedOpenAIServer() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "not-a-real-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_MODEL", "scripted-chat")
        yield server
