"""Lifecycle: open/close leaks no model, close() twice is safe, and a write that raised
because the engine closed is never applied later."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from memory_core import AsyncMemory, Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.embeddings import local as local_embeddings
from memory_core.errors import ClosedError


def test_close_twice_is_safe_on_memory(home: Path, embedder: LocalEmbedder) -> None:
    memory = Memory(MemoryConfig(home=home), embedder=embedder)
    memory.close()
    memory.close()
    with pytest.raises(ClosedError):
        memory.add("too late", user_id="u")


def test_engines_share_one_loaded_model(fast_tmp: Path) -> None:
    """Each engine builds its own LocalEmbedder; the loaded model is one per process."""
    models = []
    for name in ("a", "b"):
        with Memory(MemoryConfig(home=fast_tmp / name)) as memory:
            memory.add("load the model", user_id="u")
            models.append(memory.engine.embedder._model)
    assert models[0] is not None and models[0] is models[1]
    assert models[0] in local_embeddings._SHARED.values()


def test_a_write_cut_off_by_close_is_never_applied_later(
    home: Path, embedder: LocalEmbedder
) -> None:
    async def race() -> list[object]:
        engine = AsyncMemory(MemoryConfig(home=home), embedder=embedder)
        await engine.open()
        writes = [engine.add(f"note {i}", user_id="u") for i in range(20)]
        outcomes = await asyncio.gather(*writes, engine.close(), return_exceptions=True)
        return list(outcomes[:-1])

    outcomes = asyncio.run(race())
    applied = {o["results"][0]["memory"] for o in outcomes if isinstance(o, dict)}
    raised = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(e, ClosedError) for e in raised), raised
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        stored = {i["memory"] for i in memory.get_all(user_id="u", limit=100)["results"]}
        assert memory.stats()["journal_pending"] == 0
    assert stored == applied  # what returned is there; what raised never appears
