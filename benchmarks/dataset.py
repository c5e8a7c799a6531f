"""The on-disk workload both systems read: texts, users, precomputed vectors, questions.

Built once per (size, seed, generator version) under ``benchmarks/.work/`` and reused, because
embedding 100k texts on 2 cores takes minutes. Vectors come from memory-core's own
:class:`~memory_core.embeddings.LocalEmbedder` (all-MiniLM-L6-v2 int8), the model the local
OpenAI-compatible server also serves to Mem0, so both systems hold the same vectors.

Layout of a dataset directory (read by both drivers, numpy + json only)::

    meta.json               counts, seed, model, how long embedding took
    memories.jsonl          {"i", "user_id", "text"} per memory, memory i of user i % users
    vectors.npy             float32 [n, 384], row i = memory i
    queries-<size>.jsonl    {"user_id", "text", "target"}; target = index of the source memory
    qvectors-<size>.npy     float32 [q, 384]
    adds.jsonl              {"user_id", "text"} for the add() throughput run
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import data
from benchmarks.common import WORK_DIR, log, write_json

EMBED_CHUNK = 4096


class Embedder:
    """memory-core's LocalEmbedder, loaded once, its files cached under ``.work``."""

    def __init__(self) -> None:
        from memory_core.embeddings.local import CACHE_SUBDIR, LocalEmbedder

        self._embedder = LocalEmbedder(cache_dir=WORK_DIR / CACHE_SUBDIR)
        self.model_name = self._embedder.model_name

    def embed(self, texts: Sequence[str], label: str) -> np.ndarray:
        unique = sorted(set(texts))
        index = {t: k for k, t in enumerate(unique)}
        out = np.zeros((len(unique), 384), dtype=np.float32)
        start = time.perf_counter()
        for lo in range(0, len(unique), EMBED_CHUNK):
            chunk = unique[lo : lo + EMBED_CHUNK]
            out[lo : lo + len(chunk)] = np.asarray(self._embedder.embed_sync(chunk), np.float32)
            done = lo + len(chunk)
            rate = done / (time.perf_counter() - start)
            log(f"embedding {label}: {done}/{len(unique)} unique texts ({rate:.0f}/s)")
        return out[[index[t] for t in texts]]


def dataset_dir(n: int, seed: int, users: int) -> Path:
    return WORK_DIR / f"dataset-v{data.GENERATOR_VERSION}-n{n}-u{users}-s{seed}"


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def _save_npy(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.stem + ".tmp.npy")
    np.save(tmp, array)
    tmp.replace(path)


def ensure(
    *,
    n: int,
    sizes: Sequence[int],
    n_queries: int,
    n_adds: int,
    seed: int = 7,
    users: int = 100,
) -> tuple[Path, dict[str, Any]]:
    """Make (or reuse) the dataset directory; return it and what was done."""
    root = dataset_dir(n, seed, users)
    root.mkdir(parents=True, exist_ok=True)
    meta_path = root / "meta.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    embedder: Embedder | None = None
    info: dict[str, Any] = {"dir": str(root), "embedded_now": [], "cached": []}

    def get_embedder() -> Embedder:
        nonlocal embedder
        if embedder is None:
            embedder = Embedder()
        return embedder

    mems: list[data.Memory] | None = None
    if not (root / "vectors.npy").exists() or meta.get("n") != n:
        mems = data.memories(n, users=users, seed=seed)
        _write_jsonl(
            root / "memories.jsonl",
            [{"i": m.i, "user_id": m.user_id, "text": m.text} for m in mems],
        )
        start = time.perf_counter()
        vectors = get_embedder().embed([m.text for m in mems], f"{n} memories")
        meta.update(
            n=n,
            users=users,
            seed=seed,
            unique_texts=len({m.text for m in mems}),
            embed_seconds=round(time.perf_counter() - start, 1),
            model=get_embedder().model_name,
            generator_version=data.GENERATOR_VERSION,
        )
        _save_npy(root / "vectors.npy", vectors)
        write_json(meta_path, meta)
        info["embedded_now"].append("memories")
    else:
        info["cached"].append("memories")

    for size in sizes:
        qpath, vpath = root / f"queries-{size}.jsonl", root / f"qvectors-{size}.npy"
        have = meta.get("queries", {}).get(str(size), 0)
        if vpath.exists() and have >= n_queries:
            continue
        if mems is None:
            mems = data.memories(n, users=users, seed=seed)
        qs = data.queries(mems, n_queries, size=size, seed=seed)
        _write_jsonl(
            qpath, [{"user_id": q.user_id, "text": q.text, "target": q.target} for q in qs]
        )
        _save_npy(vpath, get_embedder().embed([q.text for q in qs], f"{len(qs)} queries @ {size}"))
        meta.setdefault("queries", {})[str(size)] = n_queries
        write_json(meta_path, meta)
        info["embedded_now"].append(f"queries@{size}")

    if meta.get("adds", 0) < n_adds or not (root / "adds.jsonl").exists():
        adds = data.add_texts(n_adds, users=users, seed=seed)
        _write_jsonl(root / "adds.jsonl", [{"user_id": u, "text": t} for u, t in adds])
        meta["adds"] = n_adds
        write_json(meta_path, meta)
    info["meta"] = meta
    return root, info
