"""The scale suite's markdown (``results/issue6_scale.md``) and its target verdicts."""

from __future__ import annotations

from typing import Any

from benchmarks.report import markdown_table


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """p95 at the large size against the target, for both query modes."""
    mc = report.get("memory-core") or {}
    target, size = report["target_p95_ms"], report["plan"]["size"]
    out = []
    for mode, what in (("precomputed", "query vector given"), ("embedded", "query embedded")):
        value = mc.get("search", {}).get(mode, {}).get("p95_ms")
        out.append(
            {
                "target": "search_p95_ms",
                "label": f"search p95, {what}",
                "value": value,
                "limit": target,
                "met": None if value is None else value <= target,
                "size": size,
                "margin": None if value is None else round(value / target, 3),
            }
        )
    return out


def render(report: dict[str, Any]) -> str:
    from benchmarks import report as rep
    from benchmarks.latency import _load_line

    report["verdicts"] = verdicts(report)
    mc = report["memory-core"]
    p, m = report["plan"], report["machine"]
    v = mc.get("versions", {})
    syn = p["synthetic"]
    size = p["size"]
    lines = [
        f"# Scale: memory-core at {size:,} memories",
        "",
        f"Measured {report['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
        f"{m['os']}, Python {m['python']}; memory-core {v.get('memory-core', '?')} (revision "
        f"`{report['revision']}`, qdrant-edge-py {v.get('qdrant-edge-py', '?')}). Whole run: "
        f"{report['wall_seconds'] / 60:.1f} min.",
        "",
        _load_line(report),
        "",
        "```",
        report["command"],
        "```",
        "",
        "## Target",
        "",
        markdown_table(*rep.target_rows(report)),
        "",
        "## How the million is made",
        "",
        f"Embedding {size:,} texts would take hours here, so the set is built from the "
        f"{report['dataset']['base']:,} real memories (MiniLM vectors) of the latency suite: "
        f"those as they are, then copies 1–{size // report['dataset']['base'] - 1} of each. "
        f"Copy *c* of memory *i* has the user of *i* (100 users, so "
        f"{size // 100:,} memories per user), the vector of *i* plus gaussian noise "
        f"(σ = {syn['sigma']} per dimension, cosine ≈ 0.93 to the original), renormalised, and "
        f"the text of real memory (*i* + {syn['text_stride']}·*c*) mod "
        f"{report['dataset']['base']:,}, so BM25 postings grow like a real corpus's "
        f"(seed {syn['seed']}). Queries are the latency suite's questions about real memories, "
        "filtered by their user, limit 10. **hit@10 below is a sanity check over noise-padded "
        "data, not a recall figure**; recall is measured on LOCOMO.",
        "",
        "## Load, index, memory and disk",
        "",
        markdown_table(*_load_rows(mc)),
        "",
        "## Search",
        "",
        "Whole `Memory.search` (hybrid: dense + BM25 candidates, fusion, records), as loaded "
        "(every segment plain: filtered exact search) and after `optimize()` built HNSW.",
        "",
        markdown_table(*_search_rows(mc)),
        "",
        "## HNSW search width (`vector_store.hnsw_ef`)",
        "",
        f"Over {p['sweep_queries']} questions: the dense query alone (the user's filter, limit "
        "10) with its recall@10 against exact search under the same filter, and the whole "
        "search, query vector given. *default* is Qdrant's own (no `hnsw_ef` set).",
        "",
        markdown_table(*_sweep_rows(mc)),
        "",
    ]
    cold = report.get("coldstart")
    if cold:
        lines += [
            "## Cold start on the large home",
            "",
            f"A new process on the {size:,} home: {cold['to_first_search_s']:.1f} s from process "
            f"start to the first search answered (open {cold['open_s']:.1f} s, first search "
            f"{cold['first_search_s']:.2f} s with the embedding model's load; the next search "
            f"{cold['second_search_ms']:.1f} ms); RSS {cold['memory_end_mb']['rss_mb']:,.0f} MB.",
            "",
        ]
    lines += _mem0_section(report) + _closing(report)
    return "\n".join(lines)


def _load_rows(mc: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    o = mc.get("optimize", {})
    head = ["step", "seconds", "rate /s", "RSS MB", "peak RSS MB", "disk MB"]
    rows = [
        [
            "`import_records` (vectors given)",
            f"{mc['load']['seconds']:,.0f}",
            f"{mc['load']['per_s']:,.0f}",
            f"{mc['memory_after_load_mb']['rss_mb']:,.0f}",
            f"{mc['memory_after_load_mb']['peak_mb']:,.0f}",
            f"{o.get('disk_before_mb', 0):,.0f}",
        ]
    ]
    if o:
        rows.append(
            [
                "`optimize()` (HNSW)",
                f"{o['seconds']:,.0f}",
                "",
                f"{o['memory_after_mb']['rss_mb']:,.0f}",
                f"{o['memory_after_mb']['peak_mb']:,.0f}",
                f"{o['disk_after_mb']:,.0f}",
            ]
        )
    end = mc["memory_end_mb"]
    rows.append(
        [
            "end of run",
            "",
            "",
            f"{end['rss_mb']:,.0f}",
            f"{end['peak_mb']:,.0f}",
            f"{mc['disk_mb']:,.0f}",
        ]
    )
    return head, rows


def _search_rows(mc: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["index", "queries", "p50 ms, vector given", "p95 ms, vector given",
            "CPU ms/query", "p50 ms, embedded", "p95 ms, embedded", "hit@10 (sanity)"]  # fmt: skip
    rows = []
    for label, key in (("none (as loaded)", "before_optimize"), ("HNSW", "search")):
        r = mc.get(key)
        if not r:
            continue
        pre, emb = r["precomputed"], r["embedded"]
        rows.append([label, str(pre["n"]), _ms(pre["p50_ms"]), _ms(pre["p95_ms"]),
                     _ms(pre.get("cpu_ms_mean")), _ms(emb["p50_ms"]), _ms(emb["p95_ms"]),
                     f"{pre['hit_at_10']:.2f}"])  # fmt: skip
    return head, rows


def _sweep_rows(mc: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["hnsw_ef", "dense recall@10 vs exact", "dense p50 ms", "dense p95 ms",
            "search p50 ms", "search p95 ms"]  # fmt: skip
    rows = [
        [
            "default" if s["hnsw_ef"] is None else str(s["hnsw_ef"]),
            f"{s['dense_recall_at_10']:.3f}",
            _ms(s["dense"]["p50_ms"]),
            _ms(s["dense"]["p95_ms"]),
            _ms(s["search"]["p50_ms"]),
            _ms(s["search"]["p95_ms"]),
        ]
        for s in mc.get("ef_sweep", [])
    ]
    return head, rows


def _mem0_section(report: dict[str, Any]) -> list[str]:
    x = report.get("mem0_extrapolated")
    size = report["plan"]["size"]
    if not x:
        return ["## Mem0", "", "Not run at this size; no latency-suite results to extrapolate "
                "from (run `make bench` first).", ""]  # fmt: skip
    a, b = x["from_sizes"]
    return [
        f"## Mem0 at {size:,}: extrapolated, not run",
        "",
        f"Mem0's embedded default (qdrant-client's local mode) keeps every point in Python "
        "memory and, with no payload index in local mode, scores every point of the "
        "collection on each filtered search, so its cost is linear in the store. A straight "
        f"line through its measured {a:,} and {b:,} points (latency suite, "
        f"{x['measured_on']}) gives at {size:,}: search p50 ≈ "
        f"{x['precomputed_p50_ms'] / 1000:.1f} s (vector given) / "
        f"{x['embedded_p50_ms'] / 1000:.1f} s (embedded), p95 ≈ "
        f"{x['embedded_p95_ms'] / 1000:.1f} s; RSS after load ≈ "
        f"{x['rss_after_load_mb'] / 1024:.1f} GiB; a bulk load of ≈ {x['load_minutes']:.0f} "
        f"min; {_open(x)}this suite's queries (2 modes × 520) ≈ {x['search_run_hours']:.1f} h. "
        "That is "
        "where it stops being practical: already at 100k one search takes over a second.",
        "",
    ]


def _open(x: dict[str, Any]) -> str:
    if "open_minutes" not in x:
        return ""
    return f"opening the home (cold start) ≈ {x['open_minutes']:.1f} min; "


def _closing(report: dict[str, Any]) -> list[str]:
    """Where the time goes at the large size, and what would close a missed target."""
    mc = report["memory-core"]
    size, target = report["plan"]["size"], report["target_p95_ms"]
    lines = ["## Closing note", ""]
    for v in report["verdicts"]:
        state = "met" if v["met"] else f"**missed** by {v['margin']:.2f}×"
        lines.append(
            f"- {v['label']} at {size:,}: {v['value']:g} ms, {state} (target ≤ {target:g} ms)."
        )
    sweep = {s["hnsw_ef"]: s for s in mc.get("ef_sweep", [])}
    default, pre, emb = sweep.get(None), mc["search"]["precomputed"], mc["search"]["embedded"]
    if default:
        lines.append(
            "- Where the time goes: the dense HNSW query alone takes "
            f"{default['dense']['p50_ms']:g} ms p50 (recall@10 "
            f"{default['dense_recall_at_10']:.3f} against exact search); the "
            f"whole search with the vector given {pre['p50_ms']:g} ms p50 ({pre['cpu_ms_mean']:g} "
            "ms CPU), so BM25 over 10× longer postings, fusion and reading the records are most "
            f"of it; embedding the query adds {emb['p50_ms'] - pre['p50_ms']:.1f} ms at p50 and "
            f"{emb['p95_ms'] - pre['p95_ms']:.1f} ms at p95."
        )
    recalls = [s["dense_recall_at_10"] for s in sweep.values()]
    if recalls:
        lines.append(
            f"- `hnsw_ef` is not the lever: dense recall is {min(recalls):.3f}–{max(recalls):.3f} "
            "over the sweep, the dense query stays within a few ms (p50) at every width; the "
            "whole search's spread across the sweep follows the machine's load, not ef."
        )
    if any(v["met"] is False for v in report["verdicts"]):
        lines.append(
            "- What would close it: the miss is in the query-embedding tail (in-process ONNX "
            "MiniLM on 2 shared cores) and in BM25; first re-measure on an idle machine (this "
            "run's load average is above), then cap the sparse candidates (`search.candidates`), "
            "give the embedder its own threads (`embedder.threads`), and cache repeated query "
            "embeddings. Quantization (int8 vectors) would shrink RSS and disk, not this tail."
        )
    return [*lines, ""]
