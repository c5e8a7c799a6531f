"""The engine's embedder as a CrewAI embedder (``list[str] -> list[list[float]]``).

CrewAI's default embedder calls OpenAI; ``Memory(embedder=EngineEmbedder(m))`` embeds with
the engine's own model instead (the local one by default: offline, no key).
"""

from __future__ import annotations

from typing import Any

from memory_core.adapters import EngineHandle


class EngineEmbedder:
    """A CrewAI embedding callable over the engine's embedder."""

    def __init__(self, memory: Any = None) -> None:
        self.handle = EngineHandle.of(memory)

    def __call__(self, input: list[str]) -> list[list[float]]:  # CrewAI's keyword: input
        if not input:
            return []
        vectors: list[list[float]] = self.handle.run(self._embed(list(input)))
        return vectors

    async def _embed(self, texts: list[str]) -> list[list[float]]:
        engine = self.handle.engine
        await engine.open()  # the embedder exists once the engine is open
        vectors: list[list[float]] = await engine.embedder.embed_documents(texts)
        return vectors

    def close(self) -> None:
        """Close the engine if this embedder built it."""
        self.handle.close()
