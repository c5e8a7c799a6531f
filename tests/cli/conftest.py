"""CLI fixtures: the real app in-process, each test in its own home, one shared model load.

Homes live on tmpfs (``/dev/shm``) when the machine has it: every CLI command opens and
closes the embedded stores, and closing fsyncs (about 0.4 s a command on this disk), which
would make these tests slow without testing anything about the CLI. Durability on a real
disk is the engine tests' job.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from memory_core import AsyncMemory, MemoryConfig
from memory_core.cli import _app
from memory_core.embeddings import LocalEmbedder

Invoke = Callable[..., Result]
_TMPFS = Path("/dev/shm")


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A fresh directory for homes: on tmpfs if available, else the test's tmp_path."""
    if not (_TMPFS.is_dir() and _writable(_TMPFS)):
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="memory-core-cli-test-", dir=_TMPFS))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def home(scratch: Path) -> Path:
    """This test's memory home (overrides the suite-wide fixture to live in ``scratch``)."""
    return scratch / "home"


def _writable(path: Path) -> bool:
    try:
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


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
