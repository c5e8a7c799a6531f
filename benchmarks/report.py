"""Turning a suite's result dict into rich tables (terminal) and markdown + JSON (results/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.common import RESULTS_DIR, write_json

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


def target_rows(report: dict[str, Any]) -> tuple[Row, list[Row]]:
    head = ["target (memory-core)", "limit", "measured", "verdict"]
    rows = []
    for v in report["verdicts"]:
        unit = " ms" if v["target"].endswith("_ms") else " /s"
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
