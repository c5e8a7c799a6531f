"""Mem0 side of the benchmarks. Runs INSIDE ``benchmarks/.venv-mem0`` (never our env).

    benchmarks/.venv-mem0/bin/python benchmarks/mem0_driver.py --job job.json --out result.json

The runner (``python -m benchmarks.run``) writes the job, starts this script once per phase
(so each phase's RSS is its own), and reads the result. Only the standard library, numpy and
Mem0's own dependencies are used here. Progress goes to stderr.

Mem0 is built with its default embedded setup, pointed at temporary paths:

* vector store: provider ``qdrant`` with only ``path`` set, i.e. qdrant-client's local mode
  (pure Python, in-process); checked at start-up (``is_local`` and ``QdrantLocal``);
* history: SQLite at ``<home>/history.db``; ``MEM0_DIR`` (``~/.mem0`` otherwise) is ``<home>``;
* embedder: provider ``openai`` with ``openai_base_url`` at the local server that serves
  memory-core's LocalEmbedder vectors (``python -m memory_core.testing.openai_server``);
* LLM: provider ``openai`` with the same local base URL (never called: ``infer=False``);
* telemetry: ``MEM0_TELEMETRY=False`` (set by the runner before this process starts, because
  mem0 reads it at import time). An audit hook refuses any socket connection that is not to
  127.0.0.1 / ::1 and records the attempt.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

# The driver runs as a script from benchmarks/ (in Mem0's venv), so the sibling module is on
# sys.path; common is standard library only.
from common import percentile, proc_status_mb

BLOCKED: list[str] = []


def _guard_network() -> None:
    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in ("socket.connect", "socket.sendto") and len(args) >= 2:
            address = args[1]
            host = address[0] if isinstance(address, tuple) and address else address
            if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost"):
                BLOCKED.append(f"{event} {address!r}")
                raise PermissionError(f"benchmark: network access to {address!r} refused")
        elif event == "socket.getaddrinfo" and args:
            host = args[0]
            if isinstance(host, bytes):
                host = host.decode()
            if host not in (None, "127.0.0.1", "::1", "localhost"):
                BLOCKED.append(f"getaddrinfo {host!r}")
                raise PermissionError(f"benchmark: name lookup of {host!r} refused")

    sys.addaudithook(hook)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] mem0: {message}", file=sys.stderr, flush=True)


def summary(seconds: list[float]) -> dict[str, float | int]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "mean_ms": round(sum(ms) / len(ms), 3) if ms else float("nan"),
        "max_ms": round(max(ms), 3) if ms else float("nan"),
    }


def read_jsonl(path: str, limit: int | None = None) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(rows) >= limit:
                break
            rows.append(json.loads(line))
    return rows


def mem0_config(
    home: str, *, dims: int, embed_model: str, base_url: str, llm_model: str | None = None
) -> dict[str, Any]:
    """Mem0's config for a benchmark: Qdrant local mode and history under ``home``, the
    ``openai`` embedder (and LLM) pointed at the local server at ``base_url``."""
    llm: dict[str, Any] = {"openai_base_url": base_url, "api_key": "local-benchmark"}
    if llm_model is not None:
        llm["model"] = llm_model
    return {
        "vector_store": {
            "provider": "qdrant",
            "config": {
                "collection_name": "mem0",
                "embedding_model_dims": dims,
                "path": os.path.join(home, "qdrant"),
            },
        },
        "embedder": {
            "provider": "openai",
            "config": {
                "model": embed_model,
                "openai_base_url": base_url,
                "api_key": "local-benchmark",
                "embedding_dims": dims,
            },
        },
        "llm": {"provider": "openai", "config": llm},
        "history_db_path": os.path.join(home, "history.db"),
    }


def build_memory(job: dict[str, Any]) -> Any:
    from mem0 import Memory

    home = job["home"]
    os.makedirs(home, exist_ok=True)
    config = mem0_config(
        home, dims=job["dims"], embed_model=job["embed_model"], base_url=job["embed_url"]
    )
    memory = Memory.from_config(config)
    store = memory.vector_store
    local_class = type(getattr(store.client, "_client", None)).__name__
    if not getattr(store, "is_local", False) or local_class != "QdrantLocal":
        raise RuntimeError(
            f"Mem0 is not in Qdrant local mode (is_local={store.is_local}, {local_class})"
        )
    return memory


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("mem0ai", "qdrant-client", "openai", "numpy")}


def check_vectors(memory: Any, texts: list[str], expected: Any) -> float:
    """Lowest cosine between what Mem0's embedder gets from the server and our vectors."""
    import numpy as np

    worst = 1.0
    for text, want in zip(texts, expected, strict=True):
        got = np.asarray(memory.embedding_model.embed(text, "search"), dtype=np.float32)
        cos = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want)))
        worst = min(worst, cos)
    return round(worst, 6)


def phase_add(job: dict[str, Any]) -> dict[str, Any]:
    """``Memory.add(..., infer=False)`` through the public API: one message per call, then
    conversations of ``batch_size`` messages per call. Embedding is included (HTTP to the
    local server, one request per message: that is how Mem0 embeds infer=False messages)."""
    rows = read_jsonl(os.path.join(job["dataset"], "adds.jsonl"))
    n_single, n_calls, batch = job["adds_single"], job["adds_batch_calls"], job["batch_size"]
    if len(rows) < n_single + n_calls * batch:
        raise RuntimeError("adds.jsonl is too short for this job")
    before = proc_status_mb()
    memory = build_memory(job)
    memory.add("warm-up message", user_id="warmup-user", infer=False)  # lazy inits, connection
    single_rows = rows[:n_single]
    start = time.perf_counter()
    for k, row in enumerate(single_rows):
        memory.add(row["text"], user_id=row["user_id"], infer=False, metadata={"k": k})
    single_s = time.perf_counter() - start
    log(f"add single: {n_single / single_s:.1f} memories/s")
    batch_rows = rows[n_single : n_single + n_calls * batch]
    start = time.perf_counter()
    added = 0
    for c in range(n_calls):
        chunk = batch_rows[c * batch : (c + 1) * batch]
        messages = [{"role": "user", "content": r["text"]} for r in chunk]
        result = memory.add(messages, user_id=chunk[0]["user_id"], infer=False)
        added += len(result["results"])
    batch_s = time.perf_counter() - start
    log(f"add batch: {added / batch_s:.1f} memories/s")
    stored = memory.vector_store.client.count(memory.vector_store.collection_name).count
    after = proc_status_mb()
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


def bulk_load(memory: Any, dataset: str, size: int, batch: int = 2000) -> float:
    """Insert ``size`` memories with precomputed vectors straight into Mem0's vector store,
    with the payload ``Memory._create_memory`` writes for ``add(text, user_id=u, infer=False,
    metadata={"i": i})`` (spaCy absent, so ``text_lemmatized`` is the text itself, exactly
    what ``lemmatize_for_bm25`` returns then). No history rows: search never reads them.

    qdrant-client's local mode commits (fsyncs) its SQLite file once per point: 1-2.5 ms
    each here, minutes at 100k. For the load only, that file runs with ``synchronous=OFF``
    (same rows, no fsync); the default is restored before searching."""
    import numpy as np

    vectors = np.load(os.path.join(dataset, "vectors.npy"), mmap_mode="r")
    rows = read_jsonl(os.path.join(dataset, "memories.jsonl"), limit=size)
    store = memory.vector_store
    sqlite = store.client._client.collections[store.collection_name].storage.storage
    sync_mode = sqlite.execute("PRAGMA synchronous").fetchone()[0]
    sqlite.execute("PRAGMA synchronous=OFF")
    start = time.perf_counter()
    for lo in range(0, size, batch):
        chunk = rows[lo : lo + batch]
        now = datetime.now(UTC).isoformat()
        payloads = [
            {
                "i": r["i"],
                "user_id": r["user_id"],
                "role": "user",
                "data": r["text"],
                "hash": hashlib.md5(r["text"].encode()).hexdigest(),
                "created_at": now,
                "updated_at": now,
                "text_lemmatized": r["text"],
            }
            for r in chunk
        ]
        store.insert(
            vectors=np.asarray(vectors[lo : lo + len(chunk)]).tolist(),
            payloads=payloads,
            ids=[str(uuid.uuid4()) for _ in chunk],
        )
        if (lo // batch) % 10 == 9:
            log(f"bulk load {lo + len(chunk)}/{size}")
    seconds = time.perf_counter() - start
    sqlite.execute(f"PRAGMA synchronous={int(sync_mode)}")
    del vectors
    return seconds


def run_queries(
    memory: Any,
    queries: list[dict[str, Any]],
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
        start, cpu_start = time.perf_counter(), time.process_time()
        result = memory.search(q["text"], top_k=limit, filters={"user_id": q["user_id"]})
        times.append(time.perf_counter() - start)
        cpu += time.process_time() - cpu_start
        items = result["results"]
        empty += not items
        foreign += sum(item.get("user_id") != q["user_id"] for item in items)
        hit = any((item.get("metadata") or {}).get("i") == q["target"] for item in items)
        hits += hit
        flags.append("1" if hit else "0")
    quality = {"hits": hits, "foreign": foreign, "empty": empty, "hit_flags": "".join(flags)}
    return times, {**quality, "cpu_ms_mean": round(cpu * 1000 / max(1, len(times)), 3)}


def phase_search(job: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    size, dataset = job["size"], job["dataset"]
    before = proc_status_mb()
    memory = build_memory(job)
    load_s = bulk_load(memory, dataset, size)
    count = memory.vector_store.client.count(memory.vector_store.collection_name).count
    if count != size:
        raise RuntimeError(f"loaded {count} points, expected {size}")
    after_load = proc_status_mb()
    log(f"loaded {size} in {load_s:.1f}s; rss {after_load['rss_mb']} MB")

    # Measured: the first `queries` of the file; warm-up: `warmup` from `warm_from` on
    # (past every system's measured prefix), so all systems measure the same questions.
    lo, hi = job["warm_from"], job["warm_from"] + job["warmup"]
    queries = read_jsonl(os.path.join(dataset, f"queries-{size}.jsonl"), limit=hi)
    qvectors = np.load(os.path.join(dataset, f"qvectors-{size}.npy"))[:hi]
    warm, measured = queries[lo:hi], queries[: job["queries"]]
    by_text = {q["text"]: qvectors[k].tolist() for k, q in enumerate(queries)}
    min_cos = check_vectors(memory, [q["text"] for q in queries[:5]], qvectors[:5])

    results: dict[str, Any] = {}
    embed = memory.embedding_model.embed
    # 1) query embedding precomputed: Mem0 has no query-vector argument, so its embedder
    #    returns the stored vector of the query text (a dict lookup); the rest of
    #    Memory.search() runs as shipped.
    memory.embedding_model.embed = lambda text, memory_action=None: by_text[text]
    for mode in ("precomputed", "embedded"):
        if mode == "embedded":
            memory.embedding_model.embed = embed
        run_queries(memory, warm, limit=job["limit"], budget_s=1e9, min_n=0)
        times, quality = run_queries(
            memory, measured, limit=job["limit"], budget_s=job["budget_s"], min_n=job["min_queries"]
        )
        stats = summary(times)
        stats.update(quality, hit_at_10=round(quality["hits"] / max(1, len(times)), 3))
        results[mode] = stats
        log(
            f"search {mode} @ {size}: p50 {stats['p50_ms']} ms, "
            f"p95 {stats['p95_ms']} ms, n={len(times)}"
        )
    end = proc_status_mb()
    return {
        "size": size,
        "load": {
            "path": "vector_store.insert, precomputed vectors, Mem0's payload, 2000 per call",
            "seconds": round(load_s, 2),
            "per_s": round(size / load_s, 1),
        },
        "search": results,
        "vector_check_min_cosine": min_cos,
        "memory_before_mb": before,
        "memory_after_load_mb": after_load,
        "memory_end_mb": end,
    }


def phase_coldstart(job: dict[str, Any]) -> dict[str, Any]:
    """A fresh process on an existing home: process start (the runner's clock, in the job)
    -> Mem0 built on it (qdrant-client's local mode reads every point back) -> first search
    answered (query embedded by the local server), then one more search for comparison."""
    opened = time.time()
    memory = build_memory(job)
    open_s = time.time() - opened
    qsize = job.get("queries_size", job["size"])
    q = read_jsonl(os.path.join(job["dataset"], f"queries-{qsize}.jsonl"), 2)
    t = time.time()
    result = memory.search(q[0]["text"], top_k=job["limit"], filters={"user_id": q[0]["user_id"]})
    first_s = time.time() - t
    answered = time.time()
    t = time.perf_counter()
    memory.search(q[1]["text"], top_k=job["limit"], filters={"user_id": q[1]["user_id"]})
    second_s = time.perf_counter() - t
    count = memory.vector_store.client.count(memory.vector_store.collection_name).count
    if not result["results"]:
        raise RuntimeError("the first search after a cold start found nothing")
    return {
        "size": job["size"],
        "memories": count,
        "to_first_search_s": round(answered - job["spawned_at"], 3),
        "open_s": round(open_s, 3),
        "first_search_s": round(first_s, 3),
        "second_search_ms": round(second_s * 1000, 2),
        "memory_end_mb": proc_status_mb(),
    }


def read_job(description: str) -> tuple[dict[str, Any], str]:
    """The job a driver was given (``--job``) and where its result goes (``--out``), after
    refusing to run with telemetry on and installing the loopback-only network guard."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--job", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.job, encoding="utf-8") as handle:
        job = json.load(handle)
    if os.environ.get("MEM0_TELEMETRY", "").lower() not in ("false", "0", "no"):
        raise SystemExit("MEM0_TELEMETRY must be False for the benchmark")
    _guard_network()
    return job, args.out


def write_result(result: dict[str, Any], out: str) -> int:
    """Write the result JSON atomically (the runner never reads a half-written file)."""
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    os.replace(tmp, out)
    return 0


def main() -> int:
    job, out = read_job(__doc__.splitlines()[0])
    started = time.perf_counter()
    import mem0  # noqa: F401  (import time counted separately from the phase)

    import_s = time.perf_counter() - started
    phase = {"add": phase_add, "search": phase_search, "coldstart": phase_coldstart}[job["phase"]]
    result = phase(job)
    result.update(
        system="mem0",
        versions=versions(),
        import_seconds=round(import_s, 2),
        blocked_network=BLOCKED,
        telemetry_env=os.environ.get("MEM0_TELEMETRY"),
        mem0_dir=os.environ.get("MEM0_DIR"),
    )
    return write_result(result, out)


if __name__ == "__main__":
    sys.exit(main())
