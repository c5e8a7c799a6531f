"""Markdown for the retrieval matrix: the headline table, the variants the default was
chosen among, LOCOMO per category, and the targets (met, or missed by how much)."""

from __future__ import annotations

from typing import Any

from benchmarks.locomo_metrics import CATEGORY_NAMES
from benchmarks.report import markdown_table

EXPERIMENT = "locomo/session, "  # the experiments' cells: other indexing, not the default
MAIN_SYSTEMS = ("bm25", "dense", "default", "mem0")
LABELS = {"bm25": "BM25 alone", "dense": "dense alone", "default": "default", "mem0": "Mem0"}


def main_figure(cell: str, run: dict[str, Any]) -> float | None:
    """The cell's headline figure: LOCOMO recall@10 of categories 1-4, else top-1."""
    if cell.startswith("locomo/"):
        value = run.get("overall_1_4", {}).get("recall@10")
    else:
        value = run.get("top1")
    return None if value is None else float(value)


def mrr(cell: str, run: dict[str, Any]) -> float | None:
    value = run.get("overall_1_4", {}).get("mrr") if cell.startswith("locomo/") else run.get("mrr")
    return None if value is None else float(value)


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def headline(result: dict[str, Any]) -> str:
    head = ["cell", "figure", *[LABELS[s] for s in MAIN_SYSTEMS], "default MRR", "best variant"]
    rows = []
    for cell, runs in result["cells"].items():
        figure = "r@10 cat 1-4" if cell.startswith("locomo/") else "top-1"
        best = max((n for n in runs if n != "mem0"), key=lambda n: main_figure(cell, runs[n]) or 0)
        values = [_fmt(main_figure(cell, runs[s])) if s in runs else "—" for s in MAIN_SYSTEMS]
        best_text = f"{best} {_fmt(main_figure(cell, runs[best]))}"
        rows.append([cell, figure, *values, _fmt(mrr(cell, runs["default"])), best_text])
    return markdown_table(head, rows)


def variants_table(result: dict[str, Any]) -> str:
    names = list(result["variants"])
    head = ["cell", *names]
    rows = [
        [cell, *[_fmt(main_figure(cell, runs[n])) if n in runs else "—" for n in names]]
        for cell, runs in result["cells"].items()
    ]
    return markdown_table(head, rows)


def categories_table(result: dict[str, Any]) -> str:
    head = ["cell", "system", *[f"cat {c} ({CATEGORY_NAMES[c][0]})" for c in (1, 2, 3, 4)], "cat 5"]
    rows = []
    for cell, runs in result["cells"].items():
        if not cell.startswith("locomo/"):
            continue
        for system in MAIN_SYSTEMS:
            if system not in runs:
                continue
            by = runs[system]["by_category"]
            values = [_fmt(by.get(str(c), {}).get("recall@10")) for c in (1, 2, 3, 4, 5)]
            rows.append([cell, LABELS[system], *values])
    return markdown_table(head, rows)


def recall_table(result: dict[str, Any]) -> str:
    head = ["cell", "system", "r@5", "r@10", "r@20", "all@10", "MRR"]
    rows = []
    for cell, runs in result["cells"].items():
        if not cell.startswith("locomo/"):
            continue
        for system in MAIN_SYSTEMS:
            if system in runs:
                m = runs[system]["overall_1_4"]
                keys = ("recall@5", "recall@10", "recall@20", "all@10", "mrr")
                rows.append([cell, LABELS[system], *[_fmt(m.get(k)) for k in keys]])
    return markdown_table(head, rows)


def verdicts(result: dict[str, Any]) -> list[str]:
    """Each target, met or missed by how much; and every cell where the default is more
    than 0.01 below the best memory-core variant (a regression)."""
    lines = []
    cells = result["cells"]
    for cell, runs in cells.items():
        if EXPERIMENT in cell:  # query-time context on a store indexed without it
            continue
        default = main_figure(cell, runs["default"]) or 0.0
        best = max(main_figure(cell, r) or 0.0 for n, r in runs.items() if n != "mem0")
        if best - default > 0.01:
            lines.append(f"- **regressed**: {cell}: default {default:.3f}, best {best:.3f}")
        for rival in ("bm25", "mem0"):
            if rival in runs and (main_figure(cell, runs[rival]) or 0.0) >= default:
                lines.append(f"- **not above {LABELS[rival]}**: {cell} ({default:.3f})")
        if cell.startswith("locomo/") and default < 0.80:
            short = 0.80 - default
            lines.append(f"- missed: {cell} r@10 cat 1-4 {default:.3f} < 0.80 (by {short:.3f})")
        if cell.startswith("facts/") and default < 0.98:
            short = 0.98 - default
            lines.append(f"- missed: {cell} top-1 {default:.3f} < 0.98 (by {short:.3f})")
    return lines or ["- every target met; the default is within 0.01 of the best everywhere"]


def _mem0_line(mem0: dict[str, Any]) -> str:
    if mem0.get("run") == "cached":
        return (
            f"Mem0 columns: from its run of {mem0['measured_at']} on the same data and "
            "vectors (they do not depend on memory-core; `--matrix-mem0-fresh` re-runs it)."
        )
    if mem0.get("run") == "fresh":
        return f"Mem0 columns: measured in this run ({mem0['measured_at']})."
    return "Mem0: not run (`--matrix-no-mem0`)."


def render(result: dict[str, Any]) -> str:
    data = result["data"]
    parts = [
        "# Retrieval matrix (suite `retrieval_matrix`)",
        "",
        f"LOCOMO: {data['conversations']} conversations ({data['questions']} questions), "
        f"dev half {', '.join(data['dev_conversations'])}; the rest is the test half. "
        f"Facts: {data['fact_users']} users, {data['facts']} facts (ten each, no run), one "
        "question per fact, asked directly and in paraphrase (no shared content word). "
        "Same cached MiniLM vectors for every system; every memory-core variant is a "
        "per-call `search(config=...)` over one store per cell; queries passed as vectors. "
        "Mem0 stores every message of an `infer=False` add alone, so one Mem0 run serves "
        "the three LOCOMO patterns and one the two fact patterns.",
        "",
        "## Headline",
        "",
        headline(result),
        "",
        "## Targets and regressions",
        "",
        *verdicts(result),
        "",
        "## Every variant (headline figure)",
        "",
        variants_table(result),
        "",
        "## LOCOMO recall, categories 1-4",
        "",
        recall_table(result),
        "",
        "## LOCOMO recall@10 per category",
        "",
        categories_table(result),
        "",
        _mem0_line(result.get("mem0", {})),
        "",
        f"Command: `{result['command']}`; revision {result['revision']}; "
        f"{result['seconds']} s; load at start {result['load_average']}.",
        "",
    ]
    return "\n".join(parts)
