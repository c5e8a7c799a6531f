"""One engine per test, on each backend set — the embedded defaults (qdrant-edge, SQLite graph)
and the server-style backends (qdrant-client, and the Bolt graph store against a real FalkorDB
server) — with CrewAI offline: its telemetry, tracing and version check are off before it is
imported, and a test fails if anything tried to leave 127.0.0.1 while it ran."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.update({
    "CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_DISABLE_TRACKING": "true",
    "OTEL_SDK_DISABLED": "true", "CREWAI_TRACING_ENABLED": "false",
    "CREWAI_DISABLE_VERSION_CHECK": "true",
})  # fmt: skip
os.environ.setdefault("CREWAI_STORAGE_DIR", tempfile.mkdtemp(prefix="crewai-storage-"))
os.environ.pop("OPENAI_API_KEY", None)  # nothing may fall back to OpenAI

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.testing.falkordb import FalkorDBServer

_LOCAL = (None, "127.0.0.1", "::1", "localhost")
_refused: list[str] = []
_guarding = [False]


def _host(event: str, args: tuple[Any, ...]) -> Any:
    """The host a socket event reaches (``None`` for a Unix socket: a path, always local)."""
    if event in ("socket.connect", "socket.sendto") and len(args) >= 2:
        address = args[1]
        return address[0] if isinstance(address, tuple) and address else None
    if event == "socket.getaddrinfo" and args:
        return args[0].decode() if isinstance(args[0], bytes) else args[0]
    return None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _guarding[0] or not event.startswith("socket."):
        return
    host = _host(event, args)
    if isinstance(host, str) and host not in _LOCAL:
        _refused.append(f"{event} {host!r}")
        raise PermissionError(f"test: network access to {host!r} refused")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def offline() -> Iterator[None]:
    """Every cross-framework test fails if anything tried to leave 127.0.0.1 while it ran."""
    before = len(_refused)
    _guarding[0] = True
    try:
        yield
    finally:
        _guarding[0] = False
    assert _refused[before:] == []


@pytest.fixture(params=["embedded", "server"])
def engine(
    request: pytest.FixtureRequest, fast_tmp: Path, embedder: LocalEmbedder
) -> Iterator[Memory]:
    config: dict[str, Any] = {"home": fast_tmp / "home"}
    if request.param == "server":
        falkordb: FalkorDBServer = request.getfixturevalue("falkordb")
        if not falkordb.running:
            falkordb.start()
        config["vector_store"] = {"provider": "qdrant", "path": fast_tmp / "qdrant"}
        config["graph_store"] = {"provider": "neo4j", "url": falkordb.url, "timeout": 5}
    with Memory(MemoryConfig(**config), embedder=embedder) as memory:
        if request.param == "server":
            memory.reset(everything=True)  # the graph server is shared by the tests
        yield memory
