"""memory-core side of the benchmarks, one phase per process (so each phase's RSS is its own).

    python -m benchmarks.mc_driver --job job.json --out result.json

Same phases, same files and same measurements as ``mem0_driver.py``; see there and
``benchmarks/latency.py`` for what each number includes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import latency_summary, log, proc_status_mb, write_json

BLOCKED: list[str] = []
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _guard_network() -> None:
    """Refuse (and record) any connection or name lookup that is not loopback."""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in ("socket.connect", "socket.sendto") and len(args) >= 2:
            address = args[1]
            host = address[0] if isinstance(address, tuple) and address else address
            if isinstance(host, str) and host not in LOOPBACK:
                BLOCKED.append(f"{event} {address!r}")
                raise PermissionError(f"benchmark: network access to {address!r} refused")
        elif event == "socket.getaddrinfo" and args:
            host = args[0].decode() if isinstance(args[0], bytes) else args[0]
            if host is not None and host not in LOOPBACK:
                BLOCKED.append(f"getaddrinfo {host!r}")
                raise PermissionError(f"benchmark: name lookup of {host!r} refused")

    sys.addaudithook(hook)


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(rows) >= limit:
                break
            rows.append(json.loads(line))
    return rows


def open_memory(home: str) -> Any:
    from memory_core import Memory

    return Memory.from_config({"home": home})


def phase_add(job: dict[str, Any]) -> dict[str, Any]:
    """``Memory.add(..., infer=False)`` through the public API, embedding included: one
    message per call, then conversations of ``batch_size`` messages per call."""
    rows = read_jsonl(Path(job["dataset"]) / "adds.jsonl")
    n_single, n_calls, batch = job["adds_single"], job["adds_batch_calls"], job["batch_size"]
    if len(rows) < n_single + n_calls * batch:
        raise RuntimeError("adds.jsonl is too short for this job")
    before = proc_status_mb()
    memory = open_memory(job["home"])
    try:
        memory.add("warm-up message", user_id="warmup-user", infer=False)  # model load, stores
        start = time.perf_counter()
        for k, row in enumerate(rows[:n_single]):
            memory.add(row["text"], user_id=row["user_id"], infer=False, metadata={"k": k})
        single_s = time.perf_counter() - start
        log(f"memory-core add single: {n_single / single_s:.1f} memories/s")
        batch_rows = rows[n_single : n_single + n_calls * batch]
        added = 0
        start = time.perf_counter()
        for c in range(n_calls):
            chunk = batch_rows[c * batch : (c + 1) * batch]
            messages = [{"role": "user", "content": r["text"]} for r in chunk]
            result = memory.add(messages, user_id=chunk[0]["user_id"], infer=False)
            added += sum(e["event"] == "ADD" for e in result["results"])
        batch_s = time.perf_counter() - start
        log(f"memory-core add batch: {added / batch_s:.1f} memories/s")
        stored = memory.stats()["memories"]
        after = proc_status_mb()
    finally:
        memory.close()
    return {
        "single": {
            "memories": n_single,
            "seconds": round(single_s, 3),
            "per_s": round(n_single / single_s, 1),
        },
        "batch": {
            "calls": n_calls,
            "batch_size": batch,
            "memories": added,
            "seconds": round(batch_s, 3),
            "per_s": round(added / batch_s, 1),
        },
        "stored_points": stored,
        "memory_before_mb": before,
        "memory_after_mb": after,
    }


def _records(
    dataset: Path, size: int, synthetic: dict[str, Any] | None
) -> Iterator[dict[str, Any]]:
    """What ``add(text, user_id=u, infer=False, metadata={"i": i})`` stores, with the
    precomputed vector, streamed (the vectors file is memory-mapped, not loaded). Past the
    real memories, ``synthetic`` makes the noisy copies described in ``benchmarks/scale.py``."""
    from memory_core.ids import memory_id, text_hash
    from memory_core.types import Scope

    vectors = np.load(dataset / "vectors.npy", mmap_mode="r")
    base = len(vectors)
    rows = read_jsonl(dataset / "memories.jsonl", limit=min(size, base))
    stamp = time.time()
    try:
        for row in rows:
            text, user = row["text"], row["user_id"]
            yield {
                "id": memory_id(Scope(user_id=user), "message", text, role="user"),
                "text": text,
                "hash": text_hash(text),
                "user_id": user,
                "role": "user",
                "kind": "message",
                "metadata": {"i": row["i"]},
                "created_at": stamp,
                "updated_at": stamp,
                "vector": vectors[row["i"]].tolist(),
            }
        if size > base:
            if synthetic is None:
                raise RuntimeError(f"{size:,} memories asked, the dataset holds {base:,}")
            yield from _synthetic_records(vectors, rows, size, synthetic, stamp)
    finally:
        del vectors


def _synthetic_records(
    vectors: np.ndarray,
    rows: list[dict[str, Any]],
    size: int,
    spec: dict[str, Any],
    stamp: float,
) -> Iterator[dict[str, Any]]:
    """Copy ``c`` >= 1 of real memory ``i``: the user of ``i``; the vector of ``i`` plus
    gaussian noise (``sigma`` per dimension), renormalised; the text of real memory
    ``(i + c * text_stride) mod n``. Ids are uuid5 of (copy, i), so no copy collides with a
    real memory or another copy. Metadata carries ``copy_of``, never ``i``: only real
    memories can count as a query's hit."""
    import uuid

    from memory_core.ids import text_hash

    base, chunk = len(rows), 10_000
    namespace = uuid.UUID(int=spec["seed"])
    for lo in range(base, size, chunk):
        hi = min(lo + chunk, size)
        copy, first = divmod(lo, base)
        idx = np.arange(first, first + (hi - lo)) % base
        rng = np.random.default_rng([spec["seed"], copy, first])
        noisy = vectors[idx] + rng.normal(0.0, spec["sigma"], (hi - lo, vectors.shape[1]))
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        for k, i in enumerate(idx.tolist()):
            c = (lo + k) // base
            text = rows[(i + c * spec["text_stride"]) % base]["text"]
            yield {
                "id": str(uuid.uuid5(namespace, f"{c}-{i}")),
                "text": text,
                "hash": text_hash(text),
                "user_id": rows[i]["user_id"],
                "role": "user",
                "kind": "message",
                "metadata": {"copy_of": i, "copy": c},
                "created_at": stamp,
                "updated_at": stamp,
                "vector": noisy[k].astype(np.float32).tolist(),
            }


def run_queries(
    memory: Any,
    queries: list[dict[str, Any]],
    vectors: np.ndarray | None,
    *,
    limit: int,
    budget_s: float,
    min_n: int,
) -> tuple[list[float], dict[str, int]]:
    times: list[float] = []
    cpu = 0.0  # this process's CPU time (all threads): less sensitive to a busy machine
    hits = foreign = empty = 0
    flags: list[str] = []  # per query, in order: was the source memory in the results
    deadline = time.perf_counter() + budget_s
    for k, q in enumerate(queries):
        if k >= min_n and time.perf_counter() > deadline:
            break
        kwargs: dict[str, Any] = {"user_id": q["user_id"], "limit": limit}
        if vectors is not None:
            kwargs["query_vector"] = vectors[k].tolist()
        start, cpu_start = time.perf_counter(), time.process_time()
        result = memory.search(q["text"], **kwargs)
        times.append(time.perf_counter() - start)
        cpu += time.process_time() - cpu_start
        items = result["results"]
        empty += not items
        foreign += sum(item.get("user_id") != q["user_id"] for item in items)
        hit = any(item.get("metadata", {}).get("i") == q["target"] for item in items)
        hits += hit
        flags.append("1" if hit else "0")
    quality = {"hits": hits, "foreign": foreign, "empty": empty, "hit_flags": "".join(flags)}
    return times, {**quality, "cpu_ms_mean": round(cpu * 1000 / max(1, len(times)), 3)}


def measure(
    memory: Any, job: dict[str, Any], tag: str, modes: tuple[str, ...] = ("precomputed", "embedded")
) -> dict[str, Any]:
    """Both query modes over the job's questions: warm-up, then the measured prefix.

    Measured: the first ``queries`` of the file; warm-up: ``warmup`` from ``warm_from`` on
    (past every system's measured prefix), so all systems measure the same questions."""
    dataset, qsize = Path(job["dataset"]), job.get("queries_size", job["size"])
    lo, hi = job["warm_from"], job["warm_from"] + job["warmup"]
    queries = read_jsonl(dataset / f"queries-{qsize}.jsonl", limit=hi)
    qvectors = np.load(dataset / f"qvectors-{qsize}.npy")
    warm, measured = queries[lo:hi], queries[: job["queries"]]
    results: dict[str, Any] = {}
    for mode in modes:
        vecs = qvectors[lo:hi] if mode == "precomputed" else None
        run_queries(memory, warm, vecs, limit=job["limit"], budget_s=1e9, min_n=0)
        mvecs = qvectors if mode == "precomputed" else None
        times, quality = run_queries(
            memory,
            measured,
            mvecs,
            limit=job["limit"],
            budget_s=job["budget_s"],
            min_n=job["min_queries"],
        )
        stats: dict[str, Any] = dict(latency_summary(times))
        stats.update(quality, hit_at_10=round(quality["hits"] / max(1, len(times)), 3))
        results[mode] = stats
        log(f"memory-core search {mode} @ {job['size']} ({tag}): p50 {stats['p50_ms']} ms, "
            f"p95 {stats['p95_ms']} ms, n={len(times)}")  # fmt: skip
    return results


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def phase_search(job: dict[str, Any]) -> dict[str, Any]:
    size, dataset = job["size"], Path(job["dataset"])
    before = proc_status_mb()
    memory = open_memory(job["home"])
    out: dict[str, Any] = {"size": size, "memory_before_mb": before}
    try:
        start = time.perf_counter()
        loaded = memory.import_records(_records(dataset, size, job.get("synthetic")))
        load_s = time.perf_counter() - start
        count = memory.stats()["memories"]
        if loaded != size or count != size:
            raise RuntimeError(f"imported {loaded}, store holds {count}, expected {size}")
        out["memory_after_load_mb"] = after_load = proc_status_mb()
        out["load"] = {
            "path": "Memory.import_records (precomputed vectors; BM25 vectors computed), "
            "256 per batch",
            "seconds": round(load_s, 2),
            "per_s": round(size / load_s, 1),
        }
        log(f"memory-core loaded {size} in {load_s:.1f}s; rss {after_load['rss_mb']} MB")
        if job.get("optimize"):
            from benchmarks.scale import optimize_and_sweep

            out["before_optimize"] = measure(memory, job, "no HNSW")
            out.update(optimize_and_sweep(memory, job, Path(job["home"])))
        out["search"] = measure(memory, job, "HNSW" if job.get("optimize") else "as loaded")
        out["disk_mb"] = disk_mb(Path(job["home"]))
        out["memory_end_mb"] = proc_status_mb()
    finally:
        memory.close()
    return out


def phase_coldstart(job: dict[str, Any]) -> dict[str, Any]:
    """A fresh process on an existing home: process start (the runner's clock, handed over
    in the job) -> engine open -> first search answered (query embedded, so the embedding
    model's load is included), then one more search for comparison."""
    opened = time.time()
    memory = open_memory(job["home"])
    open_s = time.time() - opened
    q = read_jsonl(
        Path(job["dataset"]) / f"queries-{job.get('queries_size', job['size'])}.jsonl", 2
    )
    try:
        t = time.time()
        result = memory.search(q[0]["text"], user_id=q[0]["user_id"], limit=job["limit"])
        first_s = time.time() - t
        answered = time.time()
        t = time.perf_counter()
        memory.search(q[1]["text"], user_id=q[1]["user_id"], limit=job["limit"])
        second_s = time.perf_counter() - t
        memories = memory.stats()["memories"]
    finally:
        memory.close()
    if not result["results"]:
        raise RuntimeError("the first search after a cold start found nothing")
    return {
        "size": job["size"],
        "memories": memories,
        "to_first_search_s": round(answered - job["spawned_at"], 3),
        "open_s": round(open_s, 3),
        "first_search_s": round(first_s, 3),
        "second_search_ms": round(second_s * 1000, 2),
        "memory_end_mb": proc_status_mb(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    job = json.loads(Path(args.job).read_text(encoding="utf-8"))
    _guard_network()
    start = time.perf_counter()
    import memory_core  # noqa: F401

    import_s = time.perf_counter() - start
    phases = {"add": phase_add, "search": phase_search, "coldstart": phase_coldstart}
    result = phases[job["phase"]](job)
    result.update(
        system="memory-core",
        versions={
            name: version(name)
            for name in ("memory-core", "qdrant-edge-py", "fastembed", "onnxruntime", "numpy")
        },
        import_seconds=round(import_s, 2),
        blocked_network=BLOCKED,
    )
    write_json(Path(args.out), result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
