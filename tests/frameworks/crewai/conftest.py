"""CrewAI tests: offline by construction. Telemetry, tracing and the version check are off
before CrewAI is imported, and while a CrewAI test runs an audit hook refuses (and the test
fails on) any connection or name lookup that is not 127.0.0.1."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_OFFLINE = {
    "CREWAI_DISABLE_TELEMETRY": "true",
    "CREWAI_DISABLE_TRACKING": "true",
    "OTEL_SDK_DISABLED": "true",
    "CREWAI_TRACING_ENABLED": "false",
    "CREWAI_DISABLE_VERSION_CHECK": "true",
    "CREWAI_STORAGE_DIR": tempfile.mkdtemp(prefix="crewai-storage-"),
}
os.environ.update(_OFFLINE)
os.environ.pop("OPENAI_API_KEY", None)  # nothing may fall back to OpenAI

import pytest  # noqa: E402
from memory_core_crewai import MemoryCoreStorage  # noqa: E402

from memory_core import Memory, MemoryConfig  # noqa: E402
from memory_core.embeddings import LocalEmbedder  # noqa: E402

_LOCAL = (None, "127.0.0.1", "::1", "localhost")
_guard = {"on": False, "refused": []}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _guard["on"]:
        return
    if event in ("socket.connect", "socket.sendto") and len(args) >= 2:
        address = args[1]
        host = address[0] if isinstance(address, tuple) and address else address
        if isinstance(host, str) and host not in _LOCAL:
            _guard["refused"].append(f"{event} {address!r}")
            raise PermissionError(f"test: network access to {address!r} refused")
    elif event == "socket.getaddrinfo" and args:
        host = args[0].decode() if isinstance(args[0], bytes) else args[0]
        if host not in _LOCAL:
            _guard["refused"].append(f"getaddrinfo {host!r}")
            raise PermissionError(f"test: name lookup of {host!r} refused")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def offline() -> Iterator[None]:
    """Every CrewAI test fails if anything tried to leave 127.0.0.1 while it ran."""
    before = len(_guard["refused"])
    _guard["on"] = True
    try:
        yield
    finally:
        _guard["on"] = False
    assert _guard["refused"][before:] == []


@pytest.fixture
def engine(fast_tmp: Path, embedder: LocalEmbedder) -> Iterator[Memory]:
    with Memory(MemoryConfig(home=fast_tmp / "home"), embedder=embedder) as memory:
        yield memory


@pytest.fixture
def backend(engine: Memory) -> Iterator[MemoryCoreStorage]:
    """The contract suite's fixture: a fresh, empty store over a shared engine."""
    storage = MemoryCoreStorage(engine, user_id="crew")
    yield storage
    storage.close()
