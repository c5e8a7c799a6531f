"""The LOCOMO suite's report: markdown tables, verdicts, and the recall-by-category plot."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.common import RESULTS_DIR
from benchmarks.locomo_metrics import CATEGORY_NAMES
from benchmarks.report import Row, markdown_table

PLOT = RESULTS_DIR / "locomo_recall_by_category.png"
TARGET = 0.80
SYSTEMS = ("bm25", "dense", "hybrid", "mem0")
LABELS = {
    "bm25": "memory-core BM25 only",
    "dense": "memory-core dense only",
    "hybrid": "memory-core hybrid (default)",
    "mem0": "Mem0 (infer=False, default search)",
}


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _present(result: dict[str, Any]) -> list[str]:
    return [s for s in SYSTEMS if s in result["runs"]]


def _categories(result: dict[str, Any]) -> list[str]:
    return sorted(result["runs"]["hybrid"]["metrics"]["by_category"], key=int)


def system_rows(result: dict[str, Any]) -> tuple[Row, list[Row]]:
    head = ["system", "recall@5", "recall@10", "recall@20", "all-evidence@10", "MRR",
            "cat 5 recall@10", "search p50 ms", "search p95 ms", "top-10 tokens",
            "top-10 / conversation"]  # fmt: skip
    rows = []
    for name in _present(result):
        run = result["runs"][name]
        m, c, lat = run["metrics"]["overall_1_4"], run["context"], run["latency"]
        rows.append([
            LABELS[name], _f(m["recall@5"]), f"**{m['recall@10']:.3f}**", _f(m["recall@20"]),
            _f(m["all@10"]), _f(m["mrr"]), _f(run["metrics"]["category_5"].get("recall@10")),
            f"{lat['p50_ms']:.2f}", f"{lat['p95_ms']:.2f}", f"{c['top10_tokens_mean']:.0f}",
            f"{100 * c['top10_share_of_conversation']:.2f}%",
        ])  # fmt: skip
    return head, rows


def category_rows(result: dict[str, Any]) -> tuple[Row, list[Row]]:
    systems = _present(result)
    head = ["category", "LOCOMO label", "Mem0-paper label", "questions"]
    head += [f"{s} r@10" for s in systems] + ["hybrid all@10", "hybrid MRR"]
    rows = []
    for cat in _categories(result):
        by = {s: result["runs"][s]["metrics"]["by_category"].get(cat, {}) for s in systems}
        locomo, mem0 = CATEGORY_NAMES.get(int(cat), ("?", "?"))
        rows.append([cat, locomo, mem0, str(by["hybrid"]["n"])]
                    + [_f(by[s].get("recall@10")) for s in systems]
                    + [_f(by["hybrid"]["all@10"]), _f(by["hybrid"]["mrr"])])  # fmt: skip
    return head, rows


def ablation_rows(result: dict[str, Any]) -> tuple[Row, list[Row]]:
    cats = [c for c in _categories(result) if c != "5"]
    head = ["run", "indexed text", "search", "r@10 cat 1–4", "r@5", "r@20", "MRR"]
    head += [f"r@10 cat {c}" for c in cats]
    rows = []
    for name, run in result["runs"].items():
        if name == "mem0":
            continue
        m = run["metrics"]
        index = ", ".join(f"{k}={v}" for k, v in run["index"].items()) or "engine default"
        search = ", ".join(f"{k}={v}" for k, v in run["search"].items()) or "engine default"
        o = m["overall_1_4"]
        rows.append([name, index, search, f"**{o['recall@10']:.3f}**", _f(o["recall@5"]),
                     _f(o["recall@20"]), _f(o["mrr"])]
                    + [_f(m["by_category"][c]["recall@10"]) for c in cats])  # fmt: skip
    return head, rows


def verdicts(result: dict[str, Any]) -> list[str]:
    runs = result["runs"]
    hybrid = runs["hybrid"]["metrics"]
    value = hybrid["overall_1_4"]["recall@10"]
    met = "**met**" if value >= TARGET else f"**missed by {TARGET - value:.3f}**"
    out = [
        f"recall@10, categories 1–4, engine default: {value:.3f} against the target "
        f"{TARGET:.2f}: {met}"
    ]
    for peer in ("bm25", "message only: BM25", "mem0"):
        if peer not in runs:
            out.append(f"higher than {peer} in every category: not measured")
            continue
        behind = [
            f"cat {c} ({hybrid['by_category'][c]['recall@10']:.3f} vs {m['recall@10']:.3f})"
            for c, m in runs[peer]["metrics"]["by_category"].items()
            if hybrid["by_category"][c]["recall@10"] <= m["recall@10"]
        ]
        out.append(
            f"higher than {LABELS.get(peer, peer)} in every category (recall@10): "
            + ("**yes**" if not behind else "**no**: " + ", ".join(behind))
        )
    return out


def render(result: dict[str, Any]) -> str:
    result["verdicts"] = verdicts(result)
    data, runs = result["data"], result["runs"]
    plot(result)
    hybrid = runs["hybrid"]
    mem0 = runs.get("mem0", {})
    parts = [
        "# LOCOMO retrieval (issue 6)",
        f"`{result['command']}` — revision {result['revision']}, {result['seconds'] / 60:.1f} min, "
        f"{result['machine']['cores']} cores, load {result['load_average']}.",
        f"{data['conversations']} conversations, {data['turns']} turns (one memory each), "
        f"{data['questions']} questions with evidence; {data['evidence_ids_skipped']} evidence "
        f"ids point to no turn and were skipped ({data['questions_dropped']} questions left "
        "with none). Recall is over each question's evidence turns; categories 1–4 together, "
        "5 (adversarial) apart. Same embedding model and vectors everywhere (MiniLM int8, "
        "cached); Mem0 gets them over a local OpenAI-compatible endpoint.",
        "## Targets",
        "\n".join(f"- {v}" for v in result["verdicts"]),
        "## Systems, categories 1–4",
        markdown_table(*system_rows(result)),
        "Search latency: the hybrid row embeds each query (as Mem0 does); BM25 / dense and the "
        "ablation pass the cached query vector. Tokens: o200k_base, the top-10 memories' text "
        "against the whole conversation's turns.",
        "## Recall@10 by category",
        markdown_table(*category_rows(result)),
        f"![recall@10 by category]({PLOT.name})",
        "## Ablation (memory-core, categories 1–4)",
        markdown_table(*ablation_rows(result)),
        f"memory-core ingest (default index): {hybrid['ingest']}.",
    ]
    if mem0:
        parts.append(
            f"Mem0 {mem0['versions'].get('mem0ai')}: ingest {mem0['ingest']['seconds']} s "
            f"(one add per turn), process {mem0['process_seconds']} s; blocked network "
            f"attempts: {len(mem0['blocked_network'])}. Mem0 as installed by "
            "`requirements-mem0.txt` (`mem0ai` without the `nlp` / `extras` extras) logs that "
            "its BM25 keyword search and spaCy lemmatiser are off, so its search here is dense "
            "over the turn text alone (no speaker), with its default threshold 0.1; its BM25 "
            "model would be fetched from a model hub, which this offline run cannot do."
        )
    parts.append(
        "What would close the gap to 0.80: categories 1 (multi-hop) and 3 (open-domain) stay "
        "below 0.47 — their evidence is spread over sessions; entity links (the graph's 1-hop "
        "list), a stronger embedding model than MiniLM (dense alone 0.46), or a reranker "
        "would be next. Latency figures are from a shared 2-core machine under load."
    )
    return "\n\n".join(parts) + "\n"


def plot(result: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems, cats = _present(result), _categories(result)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(systems)
    for k, name in enumerate(systems):
        by = result["runs"][name]["metrics"]["by_category"]
        xs = [i + (k - (len(systems) - 1) / 2) * width for i in range(len(cats))]
        ax.bar(xs, [by[c]["recall@10"] for c in cats], width, label=LABELS[name])
    names = [f"{c}: {CATEGORY_NAMES.get(int(c), ('?', '?'))[0]}" for c in cats]
    ax.set_xticks(range(len(cats)), names)
    ax.axhline(TARGET, color="grey", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("recall@10")
    ax.set_title(f"LOCOMO recall@10 by category ({result['data']['conversations']} conversations)")
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)
    plt.close(fig)


def print_tables(result: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    for title, (head, rows) in (
        ("LOCOMO, categories 1–4", system_rows(result)),
        ("LOCOMO recall@10 by category", category_rows(result)),
        ("LOCOMO ablation", ablation_rows(result)),
    ):
        table = Table(title=title, title_justify="left")
        for k, h in enumerate(head):
            table.add_column(h, justify="left" if k == 0 else "right")
        for row in rows:
            table.add_row(*(cell.replace("**", "") for cell in row))
        console.print(table)
    for line in result.get("verdicts", []):
        console.print(line.replace("**", ""))
