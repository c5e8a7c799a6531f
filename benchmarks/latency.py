"""Issue 2's benchmark: search latency, add throughput and RSS, memory-core and Mem0 side by side.

Workload (``benchmarks/data.py``): short first-person memories spread round-robin over 100
users; at each size, questions about one random user's memories, filtered by that user,
``limit`` 10. Every phase of every system runs in its own process.

* **search, query vector given** — memory-core: ``Memory.search(q, user_id=u, limit=10,
  query_vector=v)``, the whole hybrid search (BM25 query vector, dense + sparse candidates,
  fusion, records) except the query embedding. Mem0: ``Memory.search(q, top_k=10,
  filters={"user_id": u})`` with its embedder replaced by a dict lookup of the same
  precomputed vector (Mem0 has no query-vector argument); everything else as shipped.
* **search, query embedded** — the same calls, with each system embedding the query itself:
  memory-core in-process (LocalEmbedder); Mem0 through its ``openai`` embedder, i.e. an HTTP
  request to the local server that runs the same model (the way Mem0 embeds).
* **add throughput** — public ``add(..., infer=False)`` into an empty store, embedding
  included: one message per call, and 10-message conversations per call.
* **load** — to reach 10k/100k quickly, both systems are loaded with the precomputed vectors:
  memory-core through ``Memory.import_records`` (public; computes BM25 vectors, writes the
  journal and history), Mem0 through its vector store's ``insert`` with the payload Mem0's
  ``add(infer=False)`` writes (no history rows). Load rates are shown but are not ``add``.
* **RSS** — from ``/proc/self/status`` of the phase's process: VmRSS after the load, and VmHWM
  (peak) at the end of the phase. memory-core's includes its embedding model (in process);
  Mem0's does not (its embedder is the separate server process).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks import dataset, peers
from benchmarks.common import WORK_DIR, git_revision, load_average, log, machine

TARGETS = {
    "search_p50_precomputed_ms": 5.0,  # at 100k, query vector given
    "search_p50_embedded_ms": 15.0,  # at 100k, query embedded
    "add_per_s": 150.0,  # add(infer=False), local embedding included
}
TARGET_SIZE = 100_000
#: issue 6: search at least this many times faster than Mem0's embedded default at 100k
SPEEDUP_TARGET = 100.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("latency (issue 2)")
    group.add_argument(
        "--sizes", default=None, help="comma-separated store sizes (default 10000,100000)"
    )
    group.add_argument("--queries", type=int, default=None, help="measured queries per mode")
    group.add_argument(
        "--mem0-queries",
        type=int,
        default=None,
        help="Mem0's cap on measured queries per mode (default 200; 40 at >= 50k)",
    )
    group.add_argument(
        "--mem0-budget",
        type=float,
        default=None,
        help="seconds per Mem0 search mode and size, after which it stops (min 20 queries)",
    )
    group.add_argument(
        "--mem0-max-size",
        type=int,
        default=100_000,
        help="largest size Mem0 is loaded to (its local mode is impractical beyond)",
    )
    group.add_argument("--adds", type=int, default=None, help="single-message adds per system")
    group.add_argument("--no-mem0", action="store_true", help="memory-core only")
    group.add_argument("--keep", action="store_true", help="keep the stores under .work/")


def plan(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    if args.sizes:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    elif quick:
        sizes = [2_000]
    else:
        sizes = [10_000, 100_000]  # 1M: the scale suite (make bench-scale)
    queries = args.queries or (60 if quick else 500)
    adds = args.adds or (100 if quick else 1000)
    return {
        "sizes": sizes,
        "queries": queries,
        "warmup": 5 if quick else 20,
        "min_queries": 10 if quick else 20,
        "limit": 10,
        "budget_s": 600.0,
        "mem0_queries": args.mem0_queries,
        "mem0_budget_s": args.mem0_budget or (30.0 if quick else 75.0),
        "mem0_max_size": args.mem0_max_size,
        "adds_single": adds,
        "adds_batch_calls": adds // 10,
        "batch_size": 10,
        "users": 100,
        "seed": 7,
        "mem0": not args.no_mem0,
        "keep": args.keep,
    }


def _mem0_queries(p: dict[str, Any], size: int) -> int:
    if p["mem0_queries"]:
        return min(p["mem0_queries"], p["queries"])
    return min(p["queries"], 200 if size < 50_000 else 40)


def run(args: argparse.Namespace) -> dict[str, Any]:
    p = plan(args)
    started = time.perf_counter()
    report: dict[str, Any] = {
        "suite": "issue2_latency",
        "command": args.command_line,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "load_average_start": load_average(),
        "revision": git_revision(),
        "plan": p,
        "targets": TARGETS,
        "target_size": TARGET_SIZE,
        "systems": {},
        "notes": [],
    }
    t0 = time.perf_counter()
    root, info = dataset.ensure(
        n=max(p["sizes"]),
        sizes=p["sizes"],
        n_queries=p["warmup"] + p["queries"],
        n_adds=p["adds_single"] + p["adds_batch_calls"] * p["batch_size"],
        seed=p["seed"],
        users=p["users"],
    )
    report["dataset"] = {**info, "seconds": round(time.perf_counter() - t0, 1)}

    run_dir = WORK_DIR / f"run-{time.strftime('%Y%m%d-%H%M%S')}"
    jobs = run_dir / "jobs"
    systems: list[str] = ["memory-core"]
    if p["mem0"]:
        report["mem0_env"] = peers.ensure_mem0_venv()
        systems.append("mem0")
    for system in systems:
        report["systems"][system] = {"add": None, "search": {}}

    with contextlib.ExitStack() as stack:
        if not p["keep"]:
            stack.callback(shutil.rmtree, run_dir, ignore_errors=True)
        base = {"dataset": str(root), "dims": 384, "limit": p["limit"], "warm_from": p["queries"]}
        if p["mem0"]:
            server = stack.enter_context(peers.EmbeddingServer())
            base.update(embed_url=server.base_url, embed_model=server.model)

        def home(name: str) -> Path:
            path = run_dir / name
            shutil.rmtree(path, ignore_errors=True)
            return path

        def done(path: Path) -> None:
            if not p["keep"]:
                shutil.rmtree(path, ignore_errors=True)

        for system in systems:
            h = home(f"{system}-add")
            log(f"{system}: add(infer=False) throughput")
            job = dict(
                base,
                warmup=0,
                phase="add",
                home=str(h),
                adds_single=p["adds_single"],
                adds_batch_calls=p["adds_batch_calls"],
                batch_size=p["batch_size"],
            )
            report["systems"][system]["add"] = peers.run_driver(system, job, jobs)
            done(h)
        # cold start: a fresh process on the 100k home (the largest when smaller)
        cold_size = max([x for x in p["sizes"] if x <= TARGET_SIZE] or p["sizes"])
        for size in p["sizes"]:
            for system in systems:
                if system == "mem0" and size > p["mem0_max_size"]:
                    report["notes"].append(
                        f"Mem0 not run at {size:,}: above --mem0-max-size {p['mem0_max_size']:,}."
                    )
                    continue
                h = home(f"{system}-{size}")
                is_mem0 = system == "mem0"
                job = dict(
                    base,
                    phase="search",
                    home=str(h),
                    size=size,
                    queries=_mem0_queries(p, size) if is_mem0 else p["queries"],
                    warmup=min(p["warmup"], 3) if is_mem0 and size >= 50_000 else p["warmup"],
                    budget_s=p["mem0_budget_s"] if is_mem0 else p["budget_s"],
                    min_queries=p["min_queries"],
                )
                log(f"{system}: load {size:,} and search")
                report["systems"][system]["search"][str(size)] = peers.run_driver(system, job, jobs)
                if size == cold_size:
                    log(f"{system}: cold start on the {size:,} home")
                    cold = dict(job, phase="coldstart")
                    report["systems"][system]["coldstart"] = peers.run_driver(system, cold, jobs)
                done(h)
    report["load_average_end"] = load_average()
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["verdicts"] = verdicts(report)
    return report


def verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with memory-core's figure and met / missed (and by how much)."""
    mc = report["systems"].get("memory-core", {})
    size = str(report["target_size"])
    search = mc.get("search", {}).get(size)
    sizes = [int(s) for s in mc.get("search", {})]
    if search is None and sizes:  # a smaller run: judge the largest size, and say so
        size = str(max(sizes))
        search = mc["search"][size]
    out = []

    def verdict(name: str, label: str, value: float | None, target: float, lower: bool) -> None:
        if value is None:
            out.append({"target": name, "label": label, "value": None, "met": None})
            return
        met = value <= target if lower else value >= target
        out.append(
            {
                "target": name,
                "label": label,
                "value": value,
                "limit": target,
                "met": met,
                "size": int(size) if "search" in name else None,
                "margin": round(value / target, 3),
            }
        )

    t = report["targets"]
    pre = search["search"]["precomputed"]["p50_ms"] if search else None
    emb = search["search"]["embedded"]["p50_ms"] if search else None
    verdict("search_p50_precomputed_ms", "search p50, query vector given", pre,
            t["search_p50_precomputed_ms"], True)  # fmt: skip
    verdict("search_p50_embedded_ms", "search p50, query embedded", emb,
            t["search_p50_embedded_ms"], True)  # fmt: skip
    add = mc.get("add")
    verdict("add_per_s", "add(infer=False), one message per call",
            add["single"]["per_s"] if add else None, t["add_per_s"], False)  # fmt: skip
    verdict("add_per_s", "add(infer=False), 10 messages per call",
            add["batch"]["per_s"] if add else None, t["add_per_s"], False)  # fmt: skip
    out += speedup_verdicts(report)
    return out


def speedup_verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 6: search >= 100x faster than Mem0's embedded default at 100k (each mode and
    percentile, Mem0's latency over memory-core's, measured in the same run)."""
    size = str(TARGET_SIZE)
    a = report["systems"].get("memory-core", {}).get("search", {}).get(size)
    b = report["systems"].get("mem0", {}).get("search", {}).get(size)
    out = []
    for mode, what in (("precomputed", "query vector given"), ("embedded", "query embedded")):
        for q in ("p50_ms", "p95_ms"):
            label = f"search {q[:3]} speed-up over Mem0, {what}"
            if not a or not b:
                out.append({"target": "speedup", "label": label, "value": None, "met": None})
                continue
            value = round(b["search"][mode][q] / a["search"][mode][q], 1)
            out.append(
                {
                    "target": "speedup",
                    "label": label,
                    "value": value,
                    "limit": SPEEDUP_TARGET,
                    "met": value >= SPEEDUP_TARGET,
                    "size": TARGET_SIZE,
                    "margin": round(value / SPEEDUP_TARGET, 3),
                }
            )
    return out


def render(report: dict[str, Any]) -> str:
    """The markdown report (``benchmarks/results/issue2_latency.md``)."""
    from benchmarks import report as rep

    report["verdicts"] = verdicts(report)
    m = report["machine"]
    p = report["plan"]
    systems = report["systems"]
    mc_v = _first(systems.get("memory-core", {}), "versions") or {}
    m0_v = _first(systems.get("mem0", {}), "versions") or {}
    lines = [
        "# Search latency, add throughput and RSS: memory-core and Mem0 side by side",
        "",
        f"Measured {report['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
        f"{m['os']}, Python {m['python']}; memory-core {mc_v.get('memory-core', '?')} "
        f"(revision `{report['revision']}`, qdrant-edge-py {mc_v.get('qdrant-edge-py', '?')}, "
        f"fastembed {mc_v.get('fastembed', '?')})"
        + (
            f"; mem0ai {m0_v.get('mem0ai')} (qdrant-client {m0_v.get('qdrant-client')})"
            if m0_v
            else ""
        )
        + f". Whole run: {report['wall_seconds'] / 60:.1f} min.",
        "",
        _load_line(report),
        "",
        "```",
        report["command"],
        "```",
        "",
        "## Targets",
        "",
        rep.markdown_table(*rep.target_rows(report)),
        "",
        "## Search latency",
        "",
        f"{p['users']} users, memories spread evenly; each query is a question about one "
        f"random user's memories, filtered by that user, limit {p['limit']}. "
        f"Warm-up queries before each mode are not counted ({p['warmup']}; 3 for Mem0 at "
        "50k and more). All systems measure the same questions, in the same order; Mem0 "
        "measures the first ones only (caps below).",
        "",
        rep.markdown_table(*rep.search_rows(report)),
        "",
    ]
    same = _same_questions(report)
    if same:
        lines += [same, ""]
    head, rows = rep.speedup_rows(report)
    if rows:
        lines += [
            "memory-core is faster than Mem0 by (Mem0 latency / memory-core latency):",
            "",
            rep.markdown_table(head, rows),
            "",
        ]
    lines += [
        "## add(infer=False) throughput",
        "",
        "Public `add(..., infer=False)` into an empty store, embedding included, one process "
        "per system.",
        "",
        rep.markdown_table(*rep.add_rows(report)),
        "",
    ]
    head, rows = rep.coldstart_rows(report)
    if rows:
        lines += [
            "## Cold start",
            "",
            "A new process on the store the search phase left (same home, closed): from the "
            "runner starting the process (interpreter start and imports included) to the first "
            "search answered, query embedded (so memory-core's embedding model load is in it; "
            "Mem0's model runs in the server process, already warm). *Open* is building the "
            "engine on the home (Mem0's local mode reads every point back into memory).",
            "",
            rep.markdown_table(head, rows),
            "",
        ]
    lines += [
        "## What each number includes",
        "",
        *[f"- {line}" for line in _includes(report)],
        "",
    ]
    if "mem0" in systems:
        lines += ["## Mem0's default embedded setup, as run here", ""]
        lines += [f"- {line}" for line in _mem0_notes(report)]
        lines.append("")
    if report["notes"]:
        lines += ["## Notes", "", *[f"- {n}" for n in report["notes"]], ""]
    return "\n".join(lines)


def _same_questions(report: dict[str, Any]) -> str:
    """hit@10 of both systems over the questions both ran (Mem0 runs a prefix)."""
    mc, m0 = report["systems"].get("memory-core"), report["systems"].get("mem0")
    if not mc or not m0:
        return ""
    parts = []
    for size, b in sorted(m0["search"].items(), key=lambda kv: int(kv[0])):
        a = mc["search"].get(size)
        fa = (a or {}).get("search", {}).get("precomputed", {}).get("hit_flags")
        fb = b["search"]["precomputed"].get("hit_flags")
        if not fa or not fb:
            continue
        n = min(len(fa), len(fb))
        ha, hb = fa[:n].count("1") / n, fb[:n].count("1") / n
        parts.append(f"at {int(size):,}, {n} questions: memory-core {ha:.2f}, Mem0 {hb:.2f}")
    if not parts:
        return ""
    return "hit@10 on the same questions (vector given): " + "; ".join(parts) + "."


def _load_line(report: dict[str, Any]) -> str:
    start, end = report.get("load_average_start") or [], report.get("load_average_end") or []
    if not start or not end:
        return ""
    line = (
        f"Machine load average (1 min) at start {start[0]:.2f}, at end {end[0]:.2f}, on "
        f"{report['machine']['cores']} cores."
    )
    if max(start[0], end[0]) > 0.5 * (report["machine"]["cores"] or 1):
        line += (
            " **Other processes were using the CPU during this run**, so every figure here "
            "is slower and noisier than on an idle machine."
        )
    return line


def _first(system: dict[str, Any], key: str) -> Any:
    if system.get("add") and key in system["add"]:
        return system["add"][key]
    for r in system.get("search", {}).values():
        if key in r:
            return r[key]
    return None


def _includes(report: dict[str, Any]) -> list[str]:
    ds = report["dataset"]["meta"]
    return [
        f"**Data**: {ds['n']:,} synthetic first-person memories (`benchmarks/data.py`, seed "
        f"{ds['seed']}, {ds['unique_texts']:,} distinct texts), memory *i* belongs to user "
        f"*i* mod {ds['users']}; the 10k store is the first 10k of the 100k. Vectors: "
        f"{ds['model']} (int8 ONNX) through memory-core's LocalEmbedder, computed once "
        "and given to both systems (cached under `benchmarks/.work/`).",
        "**Vector given** — memory-core: `Memory.search(q, user_id=u, limit=10, "
        "query_vector=v)`: the whole hybrid search (BM25 query vector, dense and sparse "
        "candidates, fusion, records) without embedding the query. Mem0: `Memory.search(q, "
        'top_k=10, filters={"user_id": u})` with its embedder swapped for a lookup of the same '
        "vector (Mem0 takes no query vector); the rest of its search runs as shipped.",
        "**CPU ms/query** — mean CPU time of the searching process per query (all its "
        "threads), vector given: a figure that a busy machine inflates far less than wall "
        "time.",
        "**Embedded** — the same calls with each system embedding the query: memory-core "
        "in-process; Mem0 through its `openai` embedder, an HTTP request to "
        "`python -m memory_core.testing.openai_server` on 127.0.0.1 serving the same model "
        "(that is how Mem0 gets vectors; a hosted API would add network time). The server sets "
        "TCP_NODELAY: without it each request stalls ~40-50 ms on a delayed ACK, which would "
        "be charged to Mem0.",
        "**hit@10** — share of queries whose source memory is in the top 10: a sanity check "
        "that both systems search the same data under the same filter (every result was also "
        "checked to belong to the queried user). Retrieval quality is measured on LOCOMO, not "
        "here; Mem0 runs dense-only here (see below), memory-core hybrid.",
        "**add throughput** — wall time of the public `add` calls; memory-core embeds "
        "in-process, Mem0 sends one embeddings request per message to the local server. "
        "Both write their history (SQLite) and vector store.",
        "**Bulk load** (to reach 10k/100k fast; not `add`): memory-core "
        "`Memory.import_records` with the precomputed vectors (computes BM25 vectors, writes "
        "journal + history); Mem0 `vector_store.insert` with precomputed vectors and the "
        "payload its `add(infer=False)` writes, 2,000 per call, no history rows.",
        "**RSS** — `/proc/self/status` of the phase's own process (one process per system "
        "and phase): VmRSS right after the load, VmRSS at the end (after both search modes), "
        "and VmHWM, the peak over the phase (loading included). memory-core loads its "
        "embedding model (int8 MiniLM in onnxruntime) on the first embedded query, so only "
        "its end and peak figures include the model; Mem0's never do (its model runs in "
        "the server process).",
    ]


def _mem0_notes(report: dict[str, Any]) -> list[str]:
    p = report["plan"]
    m0 = report["systems"]["mem0"]
    sizes = sorted(int(s) for s in m0["search"])
    caps = ", ".join(
        f"{m0['search'][str(s)]['search']['precomputed']['n']} at {s:,}" for s in sizes
    )
    cos = [m0["search"][str(s)].get("vector_check_min_cosine") for s in sizes]
    blocked = sorted(
        {b for r in [m0.get("add") or {}, *m0["search"].values()] for b in r["blocked_network"]}
    )
    return [
        f"`mem0ai=={_first(m0, 'versions')['mem0ai']}`, its default install (no extras), in "
        "`benchmarks/.venv-mem0` from `benchmarks/requirements-mem0.txt`, driven by "
        "`benchmarks/mem0_driver.py` in a subprocess.",
        "Vector store: provider `qdrant` with only `path` set (a temporary directory), i.e. "
        "qdrant-client's local mode — checked at start (`is_local`, `QdrantLocal`). Mem0's "
        "default path is the shared `/tmp/qdrant`, and its history goes to `~/.mem0/history.db`;"
        " both were pointed at the run's temporary home (`MEM0_DIR` too).",
        "In local mode Mem0 creates no payload indexes, so each filtered search scores every "
        "point in Python; latency grows linearly with the store.",
        "Mem0 2.x's hybrid search (BM25 through fastembed, lemmas and entities through spaCy) "
        "needs `mem0ai[extras]`/`[nlp]` and model downloads; the default install has neither, "
        "so Mem0 searched dense-only (it logs that BM25 is disabled) and over-fetches "
        "max(4×limit, 60) candidates, threshold 0.1.",
        f"Same vectors: lowest cosine between the server's answer to Mem0 and our precomputed "
        f"vectors: {', '.join(f'{c}' for c in cos if c is not None) or '–'}.",
        "Telemetry: `MEM0_TELEMETRY=False` (otherwise Mem0 sends PostHog events, sampled, and "
        "fetches a remote notice configuration for in-app notices). Even with it off, "
        "importing `mem0.memory.main` writes `$MEM0_DIR/config.json` (`~/.mem0` by default) "
        "with an anonymous `user_id`. An audit hook allowed sockets to loopback only; refused "
        f"attempts: {', '.join(blocked) if blocked else 'none'}.",
        f"Query caps (Mem0's local mode is slow at size): measured queries per mode: {caps}; "
        f"each mode also stops after {p['mem0_budget_s']:.0f} s (at least "
        f"{p['min_queries']} queries).",
    ]
