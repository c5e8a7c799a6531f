"""The LLM-cost benchmark's report: targets, tables and the markdown written to
``benchmarks/results/issue3_llm_cost.md`` (see :mod:`benchmarks.llm_cost` for the run).

    python -m benchmarks.llm_cost --rerender   # rewrite the report from its JSON
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.llm_cost import (
    MC_JSON,
    MC_NOREL,
    MC_RUNS,
    MC_SINGLE,
    MC_TWO,
    MEM0,
    TARGET_RATIO,
)
from benchmarks.llm_cost_script import KIND_LABELS, PARTS
from benchmarks.report import markdown_table


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")


def verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    systems = report["systems"]
    single, two, json_mode = systems[MC_SINGLE], systems[MC_TWO], systems[MC_JSON]
    no_relations = systems[MC_NOREL]
    mem0 = systems.get(MEM0)
    out: list[dict[str, Any]] = []
    for label, system, want in (
        ("single-call", single, 1),
        ("two-call", two, 2),
        ("single-call, JSON mode", json_mode, 1),
    ):
        calls = system["llm_calls"]
        out.append(
            {
                "target": f"LLM calls per add, memory-core {label}",
                "limit": f"= {want} for every add",
                "measured": f"{_n(calls['min'])}–{_n(calls['max'])} (mean {_n(calls['mean'])})",
                "met": calls["min"] == want and calls["max"] == want,
            }
        )
    if mem0:
        base = mem0["prompt_tokens"]["total"]
        for label, system, key, target in (
            ("single-call, messages", single, "prompt_tokens", True),
            (
                "single-call, messages + schema (estimate)",
                single,
                "prompt_plus_schema_tokens",
                True,
            ),
            ("single-call, JSON mode (schema in the prompt)", json_mode, "prompt_tokens", True),
            ("single-call, no relations, messages", no_relations, "prompt_tokens", True),
            (
                "single-call, no relations, messages + schema (estimate)",
                no_relations,
                "prompt_plus_schema_tokens",
                True,
            ),
            ("two-call, messages", two, "prompt_tokens", False),
            ("two-call, messages + schema (estimate)", two, "prompt_plus_schema_tokens", False),
        ):
            ratio = system[key]["total"] / base
            out.append(
                {
                    "target": f"prompt tokens vs Mem0 classic, memory-core {label}",
                    "limit": f"≤ {TARGET_RATIO:.0%}" if target else "(no target)",
                    "measured": f"{ratio:.1%}",
                    "ratio": round(ratio, 4),
                    "met": ratio <= TARGET_RATIO if target else None,
                }
            )
    return out


def cost_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        "system",
        "adds",
        "LLM calls / add",
        "prompt tok / add mean",
        "p50",
        "p95",
        "+ schema tok / add",
        "completion tok / add mean",
        "p50",
        "p95",
        "prompt tok total",
        "completion tok total",
        "vs Mem0 prompt",
    ]
    rows = []
    mem0 = report["systems"].get(MEM0)
    for name, s in report["systems"].items():
        p, c, calls = s["prompt_tokens"], s["completion_tokens"], s["llm_calls"]
        ratio = f"{p['total'] / mem0['prompt_tokens']['total']:.1%}" if mem0 else "–"
        spread = "" if calls["min"] == calls["max"] else f" ({calls['min']}–{calls['max']})"
        rows.append(
            [
                name,
                str(s["adds"]),
                _n(calls["mean"]) + spread,
                _n(p["mean"]),
                _n(p["p50"]),
                _n(p["p95"]),
                _n(s["schema_tokens"]["mean"]),
                _n(c["mean"]),
                _n(c["p50"]),
                _n(c["p95"]),
                f"{p['total']:,}",
                f"{c['total']:,}",
                ratio,
            ]
        )
    return head, rows


def parts_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["system", *(f"{p} (tok/add)" for p in PARTS), "total"]
    rows = []
    for name, s in report["systems"].items():
        parts = s["prompt_parts_mean"]
        rows.append([name, *(_n(parts[p]) for p in PARTS), _n(s["prompt_tokens"]["mean"])])
    return head, rows


def kind_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["system", "call", "calls", "prompt tok mean", "schema tok", "completion tok mean"]
    rows = []
    for name, s in report["systems"].items():
        for kind, k in s["per_call_kind"].items():
            rows.append(
                [
                    name,
                    KIND_LABELS.get(kind, kind),
                    str(k["calls"]),
                    _n(k["prompt_mean"]),
                    _n(k["schema_mean"]),
                    _n(k["completion_mean"]),
                ]
            )
    return head, rows


def outcome_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        "system",
        "events returned by add",
        "UPDATEs planned / applied",
        "embedding HTTP requests / add",
        "add wall ms p50",
        "run s",
    ]
    rows = []
    for name, s in report["systems"].items():
        events = ", ".join(f"{k} {v}" for k, v in sorted(s["events"].items())) or "–"
        rows.append(
            [
                name,
                events,
                f"{s['updates_planned']} / {s['updates_applied']}",
                _n(s["embedding_http_requests"]["mean"]),
                _n(s["add_ms"]["p50"]),
                _n(s["seconds"]),
            ]
        )
    return head, rows


def verdict_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["target", "limit", "measured", "verdict"]
    rows = []
    for v in report["verdicts"]:
        verdict = "–" if v["met"] is None else ("**met**" if v["met"] else "**missed**")
        rows.append([v["target"], v["limit"], v["measured"], verdict])
    return head, rows


TABLES = (
    ("Targets", verdict_rows),
    ("LLM cost per add (tiktoken o200k_base, counted from the requests sent)", cost_rows),
    ("What the prompt tokens carry (mean per add)", parts_rows),
    ("Per call", kind_rows),
    ("Outcomes (same scripted facts for every system)", outcome_rows),
)


def render(report: dict[str, Any]) -> str:
    report["verdicts"] = verdicts(report)
    w, s = report["workload"], report["systems"]
    lines = [
        "# Issue 3 — LLM cost per add: memory-core vs Mem0 classic (1.0.11)",
        "",
        f"Measured {report['created']} on {report['machine']['cpu']} "
        f"({report['machine']['cores']} cores), git {report['git']}, "
        f"{report['seconds'] / 60:.1f} min in all.",
        "",
        "```",
        "uv run --locked " + report["command"],
        "```",
        "",
        f"Workload: {w['adds']} adds = every session of LOCOMO conversations "
        f"{', '.join(w['conversations'])}"
        + (
            f" (first {w['sessions_per_conversation_limit']} sessions each)"
            if w["sessions_per_conversation_limit"]
            else ""
        )
        + f", {w['messages']:,} messages (one per turn, with the speaker as `name`), "
        f'`user_id` = the conversation. The scripted LLM "extracts" the same {w["facts"]} '
        "facts for every system. Tokens: "
        f"{report['tokenizer']['library']}, `{report['tokenizer']['encoding']}`.",
    ]
    for title, rows_of in TABLES:
        head, rows = rows_of(report)
        if rows:
            lines += ["", f"## {title}", "", markdown_table(head, rows)]
    checks = {name: x["usage_matches_recorded"] for name, x in s.items() if name in MC_RUNS}
    lines += [
        "",
        "## What the numbers include",
        "",
        "- **LLM calls**: requests to `/v1/chat/completions` made during one `add`, as the "
        "scripted server recorded them. Embedding requests are not LLM calls: memory-core "
        "embeds in-process (the local MiniLM model); Mem0 calls `/v1/embeddings` on the same "
        "server (its per-add count is in the outcomes table).",
        "- **Prompt tokens**: tiktoken over each recorded request's `messages` with OpenAI's "
        "chat formula (3 per message, 1 per name, 3 to prime the reply), summed per add. The "
        "server's own `usage` numbers are not used for the comparison.",
        "- **+ schema**: memory-core asks for structured output (`response_format` "
        "`json_schema`, strict); OpenAI counts that schema as prompt, with a rendering it does "
        "not publish. Estimated as the tokens of the schema's JSON text; Mem0 sends "
        "`json_object` (no schema).",
        "- **Completion tokens**: the scripted replies. Each follows its prompt's contract: "
        "memory-core's lists only the changes; Mem0's update reply lists every memory it was "
        "shown (NONE unless changed) plus the additions, as Mem0's prompt asks.",
        "- **Prompt parts**: the conversation, the facts and the existing memories counted "
        "alone; 'instructions' is the rest (fixed prompt text, JSON examples, chat overhead).",
        f"- **Replies**: per session 1–{w['max_facts']} facts (one per {w['turns_per_fact']} "
        "turns), the longest sentence of each "
        "of its longest turns, prefixed by the speaker; the first fact UPDATEs the same "
        "speaker's latest earlier fact when the system showed it to the LLM, else it is an "
        "ADD; a fact equal to a shown memory is NONE (Mem0 leaves NONE out of its result). "
        "Every request was checked to show the session being added.",
    ]
    if checks:
        agree = all(checks.values())
        lines.append(
            "- Cross-check: the scripted server answers with `usage` = these same tiktoken "
            "counts (messages only), and the `usage` that memory-core's `add()` returns "
            + ("matches the recorded requests exactly in every memory-core run (calls, prompt "
               "and completion tokens)." if agree else
               f"does NOT match the recorded requests: {checks}.")
        )  # fmt: skip
    versions = s.get(MEM0, {}).get("versions", {})
    lines += [
        "",
        "## Setup and caveats",
        "",
        f"- memory-core {report['versions']['memory-core']} in-process (embedded Qdrant, local "
        "MiniLM), default config plus `llm` = the scripted server, model name "
        f"`{w['llm_model_name_sent']}`; two-call mode is `inference.mode = two_call`; JSON mode "
        "is `llm.response_format = json_object` (the schema and a reply instruction are "
        "appended to the system prompt instead of sent as `response_format`).",
        "- Mem0 classic: "
        + (", ".join(f"{k} {v}" for k, v in versions.items()) or "not run")
        + " in `benchmarks/.venv-mem0-classic` (from `requirements-mem0-classic.txt`), its "
        "`openai` LLM and embedder pointed at the same server, Qdrant local mode, "
        "`MEM0_TELEMETRY=False`; `Memory.add(messages, user_id=...)` with defaults.",
        "- Scripted replies measure what each pipeline sends, not memory quality. With a "
        "real model the fact count, and so Mem0's update-call size (5 memories searched per "
        "fact) and both systems' memory stores, would differ; `--turns-per-fact` and "
        "`--max-facts` change how many facts the script extracts (measured once with 3 and 8, "
        "6.3 facts per add instead of 2.1: memory-core single-call at 36.2 % of Mem0's "
        "prompt tokens by messages, 44.0 % with the schema estimate, 43.3 % in JSON mode).",
        "- Mem0's extraction prompt flattens messages to `user: text` (speaker names "
        "dropped); memory-core keeps `user (Name): text`, a few tokens more per message.",
        "- The prompts include today's date; a different date changes a token or two.",
        "- o200k_base's BPE file comes from the PyPI wheel `quicktok-v1` (no download), "
        "rebuilt and verified against tiktoken's official SHA-256.",
    ]
    return "\n".join(lines) + "\n"


def print_tables(report: dict[str, Any], console: Console) -> None:
    for title, rows_of in TABLES:
        head, rows = rows_of(report)
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for k, h in enumerate(head):
            table.add_column(
                h, justify="left" if k < (2 if rows_of is kind_rows else 1) else "right"
            )
        for row in rows:
            table.add_row(*(cell.replace("**", "") for cell in row))
        console.print(table)
