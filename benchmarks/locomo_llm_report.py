"""The locomo_llm suite's markdown (``results/issue6_locomo_llm.md``)."""

from __future__ import annotations

from typing import Any

from benchmarks.report import markdown_table

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}


def render(report: dict[str, Any]) -> str:
    title = "# LOCOMO with an LLM: inferred ingestion, its cost, retrieval over extracted memories"
    if report.get("skipped"):
        lines = [title, "", f"Skipped on {report['date']}: {report['skipped']}.", ""]
        if report.get("last_run"):
            older = render(report["last_run"]).split("\n", 2)[2]
            lines += [f"The last measured run ({report['last_run']['date']}) follows.", "", older]
        return "\n".join(lines)
    from benchmarks.latency import _load_line

    p, a, m = report["plan"], report["adds"], report["machine"]
    llm = p["llm"]
    lines = [
        title,
        "",
        f"Measured {report['date']} on {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
        f"revision `{report['revision']}`. Endpoint: {p['endpoint']}, model `{llm['model']}`. "
        f"Whole run: {report['wall_seconds'] / 60:.1f} min. Settings from the environment: "
        f"{', '.join(f'`{k}`' for k in p.get('settings_from_env', [])) or 'none recorded'}.",
        "",
        _load_line(report),
        "",
        "```",
        report["command"],
        "```",
        "",
        f"{p['conversations']} conversation(s), "
        f"{_sessions(p['sessions'])}; "
        f"`add(infer=True)` per {p['window']} consecutive turns (each turn a `user` message "
        "named after its speaker, `valid_from` = the session's time, `source` = the turns' "
        "dia_ids, which every memory the add writes keeps).",
        "",
        "## Ingestion cost",
        "",
        markdown_table(
            [
                "adds",
                "LLM calls / add",
                "prompt tokens / add",
                "completion tokens / add",
                "s / add (p50)",
                "events",
                "rejected ops",
                "verbatim fallbacks",
            ],
            [
                [
                    f"{a['adds']:,}",
                    f"{a['llm_calls_per_add']:.2f}",
                    f"{a['prompt_tokens_per_add']:,.0f}",
                    f"{a['completion_tokens_per_add']:,.0f}",
                    f"{a['seconds_per_add_p50']}",
                    ", ".join(f"{k} {v}" for k, v in sorted(a["events"].items())) or "–",
                    str(a["rejected_operations"]),
                    str(a.get("verbatim_fallbacks", 0)),
                ]
            ],
        ),
        "",
        "Memories per conversation (current, after ingestion): "
        + "; ".join(
            f"{sid}: {c['total']} ({', '.join(f'{k} {v}' for k, v in c.items() if k != 'total')})"
            for sid, c in report["memories_per_conversation"].items()
        )
        + ".",
        "",
        "## Retrieval over the extracted memories",
        "",
    ]
    lines += _retrieval(report["retrieval"])
    return "\n".join(lines)


def _sessions(n: int | None) -> str:
    return "all sessions" if not n else f"the first {n} sessions"


def _retrieval(r: dict[str, Any]) -> list[str]:
    lines = [
        f"{r['questions']} questions whose evidence was ingested ({r['questions_not_ingested']} "
        f"others not asked); a hit counts the dia_ids its memory came from; hits without "
        f"source ids: {r['hits_without_source']}.",
        "",
    ]
    s = r.get("scores")
    if not s:
        return [*lines, "No question to score.", ""]
    head = ["category", "questions", "recall@5", "recall@10", "recall@20", "all@10", "MRR"]
    rows = []
    for key, label in [
        *((c, f"{c} {CATEGORIES.get(int(c), '')}") for c in s["by_category"]),
        ("overall_1_4", "1–4 together"),
    ]:
        v = s["by_category"][key] if key in s["by_category"] else s[key]
        if not v.get("n"):
            continue
        rows.append(
            [label, str(v["n"])] + [f"{v[k]:.3f}" for k in head[2:-1]] + [f"{v['mrr']:.3f}"]
        )
    return [*lines, markdown_table(head, rows), ""]
