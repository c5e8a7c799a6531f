"""CLI fixtures: the real app in-process, each test in its own home, one shared model load.

Homes live on tmpfs when the machine has it (the root conftest's ``home``): every CLI command
opens and closes the embedded stores, and closing fsyncs (about 0.4 s a command on disk).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from memory_core import AsyncMemory, MemoryConfig
from memory_core.cli import _app
from memory_core.embeddings import LocalEmbedder

Invoke = Callable[..., Result]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, embedder: LocalEmbedder, home: Path) -> Invoke:
    """``cli("search", "tea", "--user", "a")`` runs the real app against this test's home.

    Only the embedder is shared (the engine is built exactly as the CLI builds it otherwise),
    so the suite loads the model once instead of once per command.
    """

    def make_engine(config: MemoryConfig) -> AsyncMemory:
        return AsyncMemory(config, embedder=embedder)

    monkeypatch.setattr(_app, "make_engine", make_engine)
    monkeypatch.delenv("MEMORY_CORE_HOME", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, home_dir: Path | None = home) -> Result:
        argv = [*(["--home", str(home_dir)] if home_dir is not None else []), *args]
        return runner.invoke(_app.app, argv, input=input, catch_exceptions=False)

    return invoke
