"""Racing writes: identical adds collapse to one memory, different ones all land."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from memory_core import AsyncMemory, Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder


async def test_32_identical_async_adds_make_one_memory(home: Path, embedder: LocalEmbedder) -> None:
    async with AsyncMemory(MemoryConfig(home=home), embedder=embedder) as memory:
        results = await asyncio.gather(
            *(memory.add("I am allergic to shellfish", user_id="u") for _ in range(32))
        )
        events = [r["results"][0]["event"] for r in results]
        assert events.count("ADD") == 1 and events.count("NONE") == 31
        assert len({r["results"][0]["id"] for r in results}) == 1
        assert len((await memory.get_all(user_id="u"))["results"]) == 1
        [only] = (await memory.get_all(user_id="u"))["results"]
        assert len(await memory.history(only["id"])) == 1


async def test_32_different_async_adds_make_32(home: Path, embedder: LocalEmbedder) -> None:
    async with AsyncMemory(MemoryConfig(home=home), embedder=embedder) as memory:
        await asyncio.gather(*(memory.add(f"fact number {i}", user_id="u") for i in range(32)))
        assert len((await memory.get_all(user_id="u"))["results"]) == 32


def test_32_threads_share_one_sync_memory(home: Path, embedder: LocalEmbedder) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        with ThreadPoolExecutor(max_workers=32) as pool:
            same = list(pool.map(lambda _: memory.add("same text", user_id="u"), range(32)))
            list(pool.map(lambda i: memory.add(f"text {i}", user_id="v"), range(32)))
        assert [r["results"][0]["event"] for r in same].count("ADD") == 1
        assert len(memory.get_all(user_id="u")["results"]) == 1
        assert len(memory.get_all(user_id="v")["results"]) == 32
