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


def _records(dataset: Path, size: int) -> Iterator[dict[str, Any]]:
    """What ``add(text, user_id=u, infer=False, metadata={"i": i})`` stores, with the
    precomputed vector, streamed (the vectors file is memory-mapped, not loaded)."""
    from memory_core.ids import memory_id, text_hash
    from memory_core.types import Scope

    vectors = np.load(dataset / "vectors.npy", mmap_mode="r")
    stamp = time.time()
    try:
        for row in read_jsonl(dataset / "memories.jsonl", limit=size):
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
    finally:
        del vectors


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


def phase_search(job: dict[str, Any]) -> dict[str, Any]:
    size, dataset = job["size"], Path(job["dataset"])
    before = proc_status_mb()
    memory = open_memory(job["home"])
    try:
        start = time.perf_counter()
        loaded = memory.import_records(_records(dataset, size))
        load_s = time.perf_counter() - start
        count = memory.stats()["memories"]
        if loaded != size or count != size:
            raise RuntimeError(f"imported {loaded}, store holds {count}, expected {size}")
        after_load = proc_status_mb()
        log(f"memory-core loaded {size} in {load_s:.1f}s; rss {after_load['rss_mb']} MB")

        # Measured: the first `queries` of the file; warm-up: `warmup` from `warm_from` on
        # (past every system's measured prefix), so all systems measure the same questions.
        lo, hi = job["warm_from"], job["warm_from"] + job["warmup"]
        queries = read_jsonl(dataset / f"queries-{size}.jsonl", limit=hi)
        qvectors = np.load(dataset / f"qvectors-{size}.npy")
        warm, measured = queries[lo:hi], queries[: job["queries"]]
        results: dict[str, Any] = {}
        for mode in ("precomputed", "embedded"):
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
            log(f"memory-core search {mode} @ {size}: p50 {stats['p50_ms']} ms, n={len(times)}")
        end = proc_status_mb()
    finally:
        memory.close()
    return {
        "size": size,
        "load": {
            "path": "Memory.import_records (precomputed vectors; BM25 vectors computed), "
            "256 per batch",
            "seconds": round(load_s, 2),
            "per_s": round(size / load_s, 1),
        },
        "search": results,
        "memory_before_mb": before,
        "memory_after_load_mb": after_load,
        "memory_end_mb": end,
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
    result = {"add": phase_add, "search": phase_search}[job["phase"]](job)
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
