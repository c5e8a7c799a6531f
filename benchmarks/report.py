"""Turning a suite's result dict into rich tables (terminal) and markdown + JSON (results/)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.common import RESULTS_DIR, git_revision, machine, write_json

Row = list[str]


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def _mb(section: dict[str, Any] | None, key: str) -> str:
    if not section or key not in section:
        return "–"
    return f"{section[key]:,.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{b / a:,.0f}×" if b / a >= 10 else f"{b / a:.1f}×"


def search_rows(report: dict[str, Any]) -> tuple[Row, list[Row]]:
    head = [
        "system",
        "memories",
        "queries (each mode)",
        "p50 ms, vector given",
        "p95 ms, vector given",
        "CPU ms/query, vector given",
        "p50 ms, embedded",
        "p95 ms, embedded",
        "hit@10",
        "RSS after load MB",
        "RSS at end MB",
        "peak RSS MB",
        "bulk load /s",
    ]
    rows = []
    sizes = sorted({int(s) for sys in report["systems"].values() for s in sys["search"]})
    for size in sizes:
        for name, system in report["systems"].items():
            r = system["search"].get(str(size))
            if r is None:
                continue
            pre, emb = r["search"]["precomputed"], r["search"]["embedded"]
            n = f"{pre['n']}" if pre["n"] == emb["n"] else f"{pre['n']} / {emb['n']}"
            rows.append(
                [
                    name,
                    f"{size:,}",
                    n,
                    _ms(pre["p50_ms"]),
                    _ms(pre["p95_ms"]),
                    _ms(pre.get("cpu_ms_mean")),
                    _ms(emb["p50_ms"]),
                    _ms(emb["p95_ms"]),
                    f"{pre['hit_at_10']:.2f}",
                    _mb(r["memory_after_load_mb"], "rss_mb"),
                    _mb(r["memory_end_mb"], "rss_mb"),
                    _mb(r["memory_end_mb"], "peak_mb"),
                    f"{r['load']['per_s']:,.0f}",
                ]
            )
    return head, rows


def speedup_rows(report: dict[str, Any]) -> tuple[Row, list[Row]]:
    head = ["memories", "p50 vector given", "p50 embedded", "p95 vector given", "p95 embedded"]
    mc, m0 = report["systems"].get("memory-core"), report["systems"].get("mem0")
    rows: list[Row] = []
    if not mc or not m0:
        return head, rows
    for size, a in sorted(mc["search"].items(), key=lambda kv: int(kv[0])):
        b = m0["search"].get(size)
        if b is None:
            continue
        sa, sb = a["search"], b["search"]
        rows.append(
            [f"{int(size):,}"]
            + [
                _ratio(sa[mode][q], sb[mode][q])
                for q in ("p50_ms", "p95_ms")
                for mode in ("precomputed", "embedded")
            ]
        )
    return head, rows


def add_rows(report: dict[str, Any]) -> tuple[Row, list[Row]]:
    head = [
        "system",
        "1 message per add: memories/s",
        "10 messages per add: memories/s",
        "memories added",
        "RSS after MB",
        "peak RSS MB",
    ]
    rows = []
    for name, system in report["systems"].items():
        a = system.get("add")
        if not a:
            continue
        rows.append(
            [
                name,
                f"{a['single']['per_s']:,.1f}",
                f"{a['batch']['per_s']:,.1f}",
                f"{a['single']['memories']:,} + {a['batch']['memories']:,}",
                _mb(a["memory_after_mb"], "rss_mb"),
                _mb(a["memory_after_mb"], "peak_mb"),
            ]
        )
    return head, rows


def coldstart_rows(report: dict[str, Any]) -> tuple[Row, list[Row]]:
    head = [
        "system",
        "memories",
        "process start → first search answered s",
        "of which: open s",
        "of which: first search s",
        "next search ms",
        "RSS at end MB",
    ]
    rows = []
    for name, system in report["systems"].items():
        c = system.get("coldstart")
        if not c:
            continue
        rows.append(
            [
                name,
                f"{c['memories']:,}",
                f"{c['to_first_search_s']:.2f}",
                f"{c['open_s']:.2f}",
                f"{c['first_search_s']:.2f}",
                _ms(c["second_search_ms"]),
                _mb(c["memory_end_mb"], "rss_mb"),
            ]
        )
    return head, rows


def target_rows(report: dict[str, Any]) -> tuple[Row, list[Row]]:
    head = ["target (memory-core)", "limit", "measured", "verdict"]
    rows = []
    for v in report["verdicts"]:
        unit = {"ms": " ms", "speedup": "×"}.get(v["target"].rsplit("_", 1)[-1], " /s")
        cmp = "≤" if v["target"].endswith("_ms") else "≥"
        where = f" at {v['size']:,}" if v.get("size") else ""
        if v["value"] is None:
            rows.append([v["label"] + where, "", "not measured", "–"])
            continue
        verdict = "**met**" if v["met"] else f"**missed** ({v['margin']:.2f}× the limit)"
        rows.append(
            [
                v["label"] + where,
                f"{cmp} {v['limit']:g}{unit}",
                f"{v['value']:g}{unit}",
                verdict,
            ]
        )
    return head, rows


def markdown_table(head: Row, rows: list[Row]) -> str:
    right = [i > 0 and i != len(head) for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |"]
    lines.append("|" + "|".join("---:" if r else "---" for r in right) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def print_tables(report: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console(width=None if Console().is_terminal else 150)
    if "tables" in report:  # a suite that lays out its own tables
        for title, head, rows in report["tables"]:
            print_table(console, title, head, rows)
        return
    for title, (head, rows) in (
        ("Targets", target_rows(report)),
        ("Search latency (filtered by one user, limit 10)", search_rows(report)),
        ("memory-core faster than Mem0 by", speedup_rows(report)),
        ("add(infer=False) throughput, embedding included", add_rows(report)),
        ("Cold start on an existing home", coldstart_rows(report)),
    ):
        if rows:
            print_table(console, title, head, rows)


def print_table(console: Console, title: str, head: Row, rows: list[Row]) -> None:
    table = Table(title=title, title_justify="left")
    for k, h in enumerate(head):
        table.add_column(h, justify="left" if k == 0 else "right")
    for row in rows:
        table.add_row(*(cell.replace("**", "") for cell in row))
    console.print(table)


def write(name: str, report: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    md, js = RESULTS_DIR / f"{name}.md", RESULTS_DIR / f"{name}.json"
    md.write_text(markdown, encoding="utf-8")
    write_json(js, report)
    return md, js


# --- REPORT.md: every suite's results in one page ------------------------------------------

#: results stem -> section title, in report order; other ``results/issue*.md`` files follow
SECTIONS = {
    "issue2_latency": "Search latency, add throughput, RSS, cold start (suite `latency`)",
    "issue6_scale": "The 1M point (suite `scale`, `make bench-scale`)",
    "retrieval_matrix": "Retrieval matrix: ingestion patterns × systems (suite `retrieval_matrix`)",
    "issue6_locomo": "LOCOMO retrieval (suite `locomo`)",
    "issue6_locomo_llm": "LOCOMO with an LLM: inferred ingestion (suite `locomo_llm`)",
    "issue4_graph": "Graph memory: write and graph-boosted search (suite `graph`)",
    "issue5_langgraph_store": "LangGraph store.search, MemoryStore and InMemoryStore",
    "issue3_llm_cost": "LLM calls and tokens per add (`make bench-llm`)",
}
PLOTS = {
    "latency_vs_size.png": "Search latency against store size",
    "locomo_recall_by_category.png": "LOCOMO recall by category",
}


def _read_result(stem: str) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{stem}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def headline_rows() -> tuple[Row, list[Row]]:
    """Every figure the README quotes: each target verdict of every suite with results,
    plus the peer figures the speed-ups are computed from."""
    head = ["figure", "measured", "target", "verdict", "source (suite, date)"]
    rows: list[Row] = []
    for stem in SECTIONS:
        result = _read_result(stem)
        if not result:
            continue
        source = f"`{stem}`, {result.get('date') or result.get('created', '?')}"
        load = result.get("load_average_start") or result.get("load_average")
        if load:  # a loaded machine slows every figure: say so next to it
            source += f", load {load[0]:.1f}"
        if result.get("skipped"):
            rows.append([SECTIONS[stem], "skipped", "", "–", f"{source}: {result['skipped']}"])
            continue
        rows += [[*r, source] for r in _verdict_rows(result.get("verdicts") or [])]
        rows += [[*r, source] for r in _extra_figures(stem, result)]
    return head, rows


def _verdict_rows(verdicts: list[Any]) -> list[list[str]]:
    """[figure, measured, target, verdict] from each verdict shape: numeric (``value``,
    ``limit``, ``margin``: latency, scale), preformatted (``measured``, ``limit``: llm_cost)
    or whole sentences (locomo)."""
    if verdicts and isinstance(verdicts[0], str):  # sentences (locomo): the verdict is inside
        return [[v, "", "", ""] for v in verdicts]
    if verdicts and "value" in verdicts[0]:
        return [[r[0], r[2], r[1], r[3]] for r in target_rows({"verdicts": verdicts})[1]]
    word = {True: "**met**", False: "**missed**", None: "–"}
    return [[v["target"], str(v["measured"]), str(v["limit"]), word[v.get("met")]]
            for v in verdicts]  # fmt: skip


def _extra_figures(stem: str, result: dict[str, Any]) -> list[list[str]]:
    """Figures without a target that the README quotes (no verdict)."""
    out: list[list[str]] = []
    if stem == "issue2_latency":
        for system, data in result.get("systems", {}).items():
            r = data.get("search", {}).get("100000")
            if r:
                for mode, what in (("precomputed", "vector given"), ("embedded", "embedded")):
                    s = r["search"][mode]
                    out.append([f"{system}: search p50 / p95 at 100,000, {what}",
                                f"{_ms(s['p50_ms'])} / {_ms(s['p95_ms'])} ms", "", ""])  # fmt: skip
                out.append([f"{system}: RSS after loading 100,000",
                            f"{_mb(r['memory_after_load_mb'], 'rss_mb')} MB", "", ""])  # fmt: skip
            c = data.get("coldstart")
            if c:
                out.append([f"{system}: cold start to first search, {c['memories']:,} memories",
                            f"{c['to_first_search_s']:.2f} s", "", ""])  # fmt: skip
    if stem == "issue6_scale" and result.get("memory-core"):
        mc, size = result["memory-core"], result["plan"]["size"]
        s = mc["search"]["embedded"]
        out.append([f"memory-core: search p50 at {size:,}, query embedded",
                    f"{_ms(s['p50_ms'])} ms", "", ""])  # fmt: skip
        rss = _mb(mc["memory_end_mb"], "rss_mb")
        out.append([f"memory-core: RSS at end, {size:,}", f"{rss} MB", "", ""])
        out.append([f"memory-core: disk, {size:,}", f"{mc['disk_mb']:,.0f} MB", "", ""])
        build = f"{mc['load']['seconds'] / 60:.0f} + {mc['optimize']['seconds'] / 60:.0f} min"
        out.append([f"memory-core: import + HNSW build, {size:,}", build, "", ""])
        c = result.get("coldstart")
        if c:
            out.append([f"memory-core: cold start to first search, {size:,}",
                        f"{c['to_first_search_s']:.1f} s", "", ""])  # fmt: skip
    return out


def _demote(markdown: str) -> str:
    """A suite's page inside REPORT.md: its headings one level down, its title dropped."""
    lines = markdown.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join("#" + line if line.startswith("#") else line for line in lines)


def _loads(values: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in values) or "unknown"


def write_report(run: dict[str, Any]) -> Path:
    """``results/REPORT.md`` from every results file present (each section says when it was
    measured), the plots, and this run's facts (``run``: command, seconds, load, suites)."""
    from benchmarks import plots

    drawn = {p.name for p in plots.make_all()}
    m = machine()
    lines = [
        "# memory-core benchmarks",
        "",
        f"Written by `{run['command']}` on {time.strftime('%Y-%m-%d %H:%M %Z')}: suites run "
        f"now: {', '.join(run['suites']) or 'none'}; this run took "
        f"{run['seconds'] / 60:.1f} min. Machine: {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gib']} GiB, {m['os']}, Python {m['python']}, revision `{git_revision()}`; "
        f"load average (1/5/15 min) at start {_loads(run['load_start'])}. Each section below "
        "is the suite's own report and gives its own date, command and versions; sections not run "
        "now are from their last run.",
        "",
        "## Headline figures",
        "",
        "Every figure the README quotes, with its source. A target missed says by how much "
        "(measured / limit).",
        "",
        markdown_table(*headline_rows()),
        "",
    ]
    for name, title in PLOTS.items():
        if name in drawn or (RESULTS_DIR / name).exists():
            lines += [f"![{title}]({name})", ""]
    stems = list(SECTIONS) + sorted(
        p.stem for p in RESULTS_DIR.glob("issue*.md") if p.stem not in SECTIONS
    )
    for stem in stems:
        md = RESULTS_DIR / f"{stem}.md"
        if md.exists():
            title = SECTIONS.get(stem, stem)
            lines += [f"## {title}", "", _demote(md.read_text(encoding="utf-8")), ""]
        elif stem in SECTIONS:
            lines += [f"## {SECTIONS[stem]}", "", "No results yet.", ""]
    path = RESULTS_DIR / "REPORT.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
