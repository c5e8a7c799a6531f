"""memory-core on LOCOMO: ingest through the public API, ask every question, keep the hits.

One store per indexing variant (what is embedded / BM25-encoded); every search variant
(BM25 alone, dense alone, hybrid, speaker list on or off, weights) runs over that same
store by reopening it with another ``SearchConfig``. Vectors come from memory-core's
LocalEmbedder through a cache under ``.work/locomo/`` keyed by the exact text, so a re-run
embeds nothing it has embedded before, and every variant and Mem0 share the same model.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import WORK_DIR, latency_summary, log
from benchmarks.locomo_metrics import Question
from memory_core import AsyncMemory
from memory_core.config import MemoryConfig
from memory_core.embeddings.local import CACHE_SUBDIR, LocalEmbedder
from memory_core.io.locomo import LocomoSession

CACHE_DIR = WORK_DIR / "locomo"


class CachedEmbedder:
    """LocalEmbedder behind a text -> vector cache persisted as ``.npy`` + a key list."""

    def __init__(self, cache_dir: Path = CACHE_DIR) -> None:
        self._inner = LocalEmbedder(cache_dir=WORK_DIR / CACHE_SUBDIR)
        self._dir = cache_dir
        self._vectors: dict[str, list[float]] = {}
        self.misses = 0
        keys, matrix = cache_dir / "keys.json", cache_dir / "vectors.npy"
        if keys.exists() and matrix.exists():
            names = json.loads(keys.read_text())
            rows = np.load(matrix)
            self._vectors = {k: rows[i].tolist() for i, k in enumerate(names)}
        self._saved = len(self._vectors)

    @property
    def dims(self) -> int:
        return self._inner.dims

    @property
    def model_name(self) -> str:
        return self._inner.model_name

    async def ensure_dims(self) -> int:
        return await self._inner.ensure_dims()

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if _key(t) not in self._vectors))
        if missing:
            self.misses += len(missing)
            fresh = await self._inner.embed_documents(missing)
            self._vectors.update({_key(t): v for t, v in zip(missing, fresh, strict=True)})
        return [self._vectors[_key(t)] for t in texts]

    async def embed_query(self, text: str) -> list[float]:
        return await self._inner.embed_query(text)

    async def close(self) -> None:
        self.save()

    def save(self) -> None:
        if len(self._vectors) == self._saved:
            return
        self._dir.mkdir(parents=True, exist_ok=True)
        names = list(self._vectors)
        np.save(self._dir / "vectors.npy", np.asarray([self._vectors[k] for k in names], "f4"))
        (self._dir / "keys.json").write_text(json.dumps(names))
        self._saved = len(names)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def message(turn: Any, sample_id: str, session_no: int) -> dict[str, Any]:
    """A turn as an ``add()`` message: speaker as the name, dia_id in its metadata."""
    return {**turn.message(), "metadata": turn.metadata(sample_id, session_no)}


async def ingest(memory: AsyncMemory, sessions: Sequence[LocomoSession]) -> dict[str, Any]:
    """One ``add(infer=False)`` per session: its turns as messages, the session date as
    ``valid_from``, the conversation's sample_id as ``user_id`` and as ``run_id`` (a run is
    a conversation: its messages are indexed with their neighbours across sessions)."""
    start = time.perf_counter()
    stored = repeats = 0
    for session in sessions:
        result = await memory.add(
            [message(t, session.sample_id, session.session_no) for t in session.turns],
            user_id=session.sample_id,
            run_id=session.sample_id,
            infer=False,
            valid_from=session.session_datetime,
        )
        events = [e["event"] for e in result["results"]]
        stored += events.count("ADD")
        repeats += events.count("NONE")
    return {"seconds": round(time.perf_counter() - start, 2), "stored": stored, "repeats": repeats}


async def ask(
    memory: AsyncMemory,
    questions: Sequence[Question],
    qvectors: Mapping[str, list[float]] | None,
    limit: int,
) -> tuple[list[list[list[str]]], list[list[str]], dict[str, Any]]:
    """Every question, searched in its conversation; ranked dia_ids, memory texts, latency.
    With ``qvectors`` the query vector is given (the cached one), else the query is embedded."""
    retrieved: list[list[list[str]]] = []
    texts: list[list[str]] = []
    seconds: list[float] = []
    for q in questions:
        vector = qvectors[q.question] if qvectors is not None else None
        start = time.perf_counter()
        result = await memory.search(
            q.question, user_id=q.sample_id, limit=limit, query_vector=vector
        )
        seconds.append(time.perf_counter() - start)
        items = result["results"]
        retrieved.append([[str((i.get("metadata") or {}).get("dia_id"))] for i in items])
        texts.append([i["memory"] for i in items])
    return retrieved, texts, latency_summary(seconds)


def run_variants(
    index_variants: Mapping[str, Mapping[str, Any]],
    search_variants: Mapping[str, Sequence[tuple[str, Mapping[str, Any]]]],
    sessions: Sequence[LocomoSession],
    questions: Sequence[Question],
    *,
    embedded: set[str],
    limit: int = 20,
) -> dict[str, Any]:
    """For each indexing variant: ingest once, then run its search variants (name, search
    config). Runs named in ``embedded`` embed each query; the others pass its vector."""
    embedder = CachedEmbedder()
    qtexts = list(dict.fromkeys(q.question for q in questions))
    qvectors = dict(zip(qtexts, asyncio.run(embedder.embed_documents(qtexts)), strict=True))
    out: dict[str, Any] = {}
    try:
        for index_name, index in index_variants.items():
            home = WORK_DIR / "locomo-store" / index_name
            shutil.rmtree(home, ignore_errors=True)
            config = {"home": str(home), "index": dict(index)}
            misses = embedder.misses
            ingested = asyncio.run(_ingest(config, embedder, sessions))
            ingested["embedded_texts"] = embedder.misses - misses
            log(f"locomo: {index_name}: ingested {ingested}")
            embedder.save()
            for run_name, search in search_variants[index_name]:
                vectors = None if run_name in embedded else qvectors
                retrieved, texts, latency = asyncio.run(
                    _ask({**config, "search": dict(search)}, embedder, questions, vectors, limit)
                )
                out[run_name] = {
                    "index": dict(index), "index_variant": index_name, "search": dict(search),
                    "ingest": ingested, "latency": latency,
                    "query_vector": "embedded" if vectors is None else "given",
                    "retrieved": retrieved, "texts": texts,
                }  # fmt: skip
            shutil.rmtree(home, ignore_errors=True)
    finally:
        embedder.save()
    return out


async def _ingest(
    config: dict[str, Any], embedder: CachedEmbedder, sessions: Sequence[LocomoSession]
) -> dict[str, Any]:
    async with AsyncMemory(MemoryConfig(**config), embedder=embedder) as memory:
        return await ingest(memory, sessions)


async def _ask(
    config: dict[str, Any],
    embedder: CachedEmbedder,
    questions: Sequence[Question],
    qvectors: Mapping[str, list[float]] | None,
    limit: int,
) -> tuple[list[list[list[str]]], list[list[str]], dict[str, Any]]:
    async with AsyncMemory(MemoryConfig(**config), embedder=embedder) as memory:
        if qvectors is None:  # load the model before timing
            await memory.search("warm-up", user_id="nobody")
        return await ask(memory, questions, qvectors, limit)
