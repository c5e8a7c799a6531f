"""The 1M point (``make bench-scale``): memory-core's search at a million memories.

Embedding a million texts takes ~2 h on 2 cores (160 texts/s), so the million is built from
the 100k real, embedded memories of the latency suite: memory *i* (copy 0) as it is, then
copies 1..9, each the real vector plus gaussian noise, renormalised, with another real
memory's text and the user of memory *i* (``mc_driver._synthetic_records``). So every user
holds 10x the memories it holds at 100k, the BM25 postings are 10x longer, and the questions
(about real memories of the 100k set) are the latency suite's. hit@10 here counts only the
real memory: it is a sanity check of a search over noise-padded data, never a recall figure.

The store is loaded through ``Memory.import_records`` (vectors given; BM25 vectors, journal
and history written), searched as loaded (no HNSW: filtered exact search), then HNSW is built
(``QdrantEdgeStore.optimize``), and searched again; then ``hnsw_ef`` is swept with dense recall
against exact search on the same filter. A cold start on the 1M home follows. Mem0 is not run
at 1M: its figures are extrapolated from the latency suite's measured 10k and 100k points.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks import dataset, peers
from benchmarks.common import (
    RESULTS_DIR,
    WORK_DIR,
    git_revision,
    latency_summary,
    load_average,
    log,
    machine,
    proc_status_mb,
)

TARGET_P95_MS = 30.0
SYNTHETIC = {"sigma": 0.02, "text_stride": 7919, "seed": 11}
EF_SWEEP: list[int | None] = [None, 32, 64, 128, 256]
BASE = 100_000  # the real, embedded memories the million is built from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scale (make bench-scale)")
    group.add_argument(
        "--scale-size", type=int, default=None, help="memories at the large point (1,000,000)"
    )


def plan(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    return {
        "size": args.scale_size or (150_000 if quick else 1_000_000),
        "queries": args.queries or (60 if quick else 500),
        "sweep_queries": 50 if quick else 200,
        "warmup": 5 if quick else 20,
        "min_queries": 10 if quick else 20,
        "limit": 10,
        "users": 100,
        "seed": 7,
        "synthetic": SYNTHETIC,
        "ef_sweep": EF_SWEEP,
        "keep": args.keep,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    p = plan(args)
    started = time.perf_counter()
    root, info = dataset.ensure(
        n=BASE, sizes=[BASE], n_queries=p["warmup"] + p["queries"], n_adds=0, seed=p["seed"]
    )
    run_dir = WORK_DIR / f"scale-{time.strftime('%Y%m%d-%H%M%S')}"
    home = run_dir / f"memory-core-{p['size']}"
    job = {
        "phase": "search",
        "dataset": str(root),
        "home": str(home),
        "size": p["size"],
        "queries_size": BASE,
        "dims": 384,
        "limit": p["limit"],
        "queries": p["queries"],
        "warmup": p["warmup"],
        "warm_from": p["queries"],
        "min_queries": p["min_queries"],
        "budget_s": 600.0,
        "synthetic": p["synthetic"],
        "optimize": True,
        "ef_sweep": p["ef_sweep"],
        "sweep_queries": p["sweep_queries"],
    }
    report: dict[str, Any] = {
        "suite": "issue6_scale",
        "command": args.command_line,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "load_average_start": load_average(),
        "revision": git_revision(),
        "plan": p,
        "dataset": {**info, "base": BASE},
        "target_p95_ms": TARGET_P95_MS,
    }
    try:
        log(f"memory-core: load {p['size']:,} (synthetic past {BASE:,}), HNSW, search")
        report["memory-core"] = peers.run_driver("memory-core", job, run_dir, timeout=4 * 3600)
        log("memory-core: cold start on the large home")
        cold = dict(job, phase="coldstart")
        report["coldstart"] = peers.run_driver("memory-core", cold, run_dir, timeout=3600)
    finally:
        if not p["keep"]:
            shutil.rmtree(run_dir, ignore_errors=True)
    report["mem0_extrapolated"] = mem0_extrapolation(p["size"])
    report["load_average_end"] = load_average()
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    return report


# --- inside the memory-core driver's process -------------------------------------------


def optimize_and_sweep(memory: Any, job: dict[str, Any], home: Path) -> dict[str, Any]:
    """Build HNSW (timed), then per ``hnsw_ef``: dense-only ANN latency and recall@10
    against exact search under the same user filter, and the whole search's latency."""
    from benchmarks.mc_driver import disk_mb, measure, read_jsonl
    from memory_core.adapters import EngineHandle

    store = memory.engine.store
    run = EngineHandle.of(memory).run  # the store's coroutines run on the engine's home loop
    disk_before = disk_mb(home)
    start = time.perf_counter()
    run(store.optimize())
    optimize_s = time.perf_counter() - start
    log(f"memory-core optimize (HNSW) {optimize_s:.1f}s")
    out: dict[str, Any] = {
        "optimize": {
            "seconds": round(optimize_s, 1),
            "disk_before_mb": disk_before,
            "disk_after_mb": disk_mb(home),
            "memory_after_mb": proc_status_mb(),
        }
    }
    n = job["sweep_queries"]
    queries = read_jsonl(Path(job["dataset"]) / f"queries-{job['queries_size']}.jsonl", n)
    qvectors = _qvectors(job)[:n]
    exact = [
        _dense(run, store, q, v, {"exact": True})[0] for q, v in zip(queries, qvectors, strict=True)
    ]
    sweep = []
    configured = store.hnsw_ef
    try:
        for ef in job["ef_sweep"]:
            store.hnsw_ef = ef  # what vector_store.hnsw_ef in the config sets
            extra = {} if ef is None else {"hnsw_ef": ef}
            got = [_dense(run, store, q, v, extra) for q, v in zip(queries, qvectors, strict=True)]
            recall = sum(len(set(ids) & set(e)) / max(1, len(e))
                         for (ids, _), e in zip(got, exact, strict=True)) / len(exact)  # fmt: skip
            whole = measure(memory, dict(job, queries=n), f"ef={ef}", ("precomputed",))
            sweep.append(
                {
                    "hnsw_ef": ef,
                    "dense_recall_at_10": round(recall, 4),
                    "dense": latency_summary([s for _, s in got]),
                    "search": whole["precomputed"],
                }
            )
            log(f"ef={ef}: dense recall@10 {recall:.3f}")
    finally:
        store.hnsw_ef = configured
    out["ef_sweep"] = sweep
    return out


def _qvectors(job: dict[str, Any]) -> Any:
    import numpy as np

    return np.load(Path(job["dataset"]) / f"qvectors-{job['queries_size']}.npy")


def _dense(
    run: Any, store: Any, q: dict[str, Any], vector: Any, extra: dict[str, Any]
) -> tuple[list[str], float]:
    """One dense-only query under the user's filter: its ids and its seconds."""
    from memory_core.stores.vector.base import VectorQuery
    from memory_core.types import Scope

    query = VectorQuery("dense", vector.tolist(), Scope(user_id=q["user_id"]).filter(), 10, extra)
    start = time.perf_counter()
    hits = run(store.query([query]))[0]
    return [h.id for h in hits], time.perf_counter() - start


# --- Mem0 at 1M: extrapolated, not run ---------------------------------------------------


def mem0_extrapolation(size: int) -> dict[str, Any] | None:
    """Mem0's local-mode figures at ``size``, extrapolated linearly from the latency suite's
    measured points (its filtered search scores every point: cost grows with the store)."""
    path = RESULTS_DIR / "issue2_latency.json"
    if not path.exists():
        return None
    latency = json.loads(path.read_text(encoding="utf-8"))
    points = latency.get("systems", {}).get("mem0", {}).get("search", {})
    sizes = sorted(int(s) for s in points)
    if len(sizes) < 2:
        return None
    lo, hi = points[str(sizes[0])], points[str(sizes[-1])]

    def line(a: float, b: float) -> float:
        slope = (b - a) / (sizes[-1] - sizes[0])
        return a + slope * (size - sizes[0])

    out: dict[str, Any] = {"from_sizes": [sizes[0], sizes[-1]], "measured_on": latency["date"]}
    for mode in ("precomputed", "embedded"):
        for q in ("p50_ms", "p95_ms"):
            out[f"{mode}_{q}"] = round(line(lo["search"][mode][q], hi["search"][mode][q]), 0)
    out["rss_after_load_mb"] = round(
        line(lo["memory_after_load_mb"]["rss_mb"], hi["memory_after_load_mb"]["rss_mb"]), 0
    )
    out["load_minutes"] = round(size / hi["load"]["per_s"] / 60, 1)
    cold = latency["systems"]["mem0"].get("coldstart")
    if cold:  # opening reads every point back: proportional to the store
        out["open_minutes"] = round(cold["open_s"] * size / cold["size"] / 60, 1)
    # what this suite's run (warm-up + measured queries, both modes) would take in Mem0
    out["search_run_hours"] = round(2 * 520 * out["embedded_p50_ms"] / 1000 / 3600, 1)
    return out


def render(report: dict[str, Any]) -> str:
    from benchmarks.scale_report import render as _render

    # derived from the latency suite's latest results, so a rerender follows a newer run
    report["mem0_extrapolated"] = mem0_extrapolation(report["plan"]["size"]) or report.get(
        "mem0_extrapolated"
    )

    return _render(report)
