"""LOCOMO with an LLM (issue 6, item 4): inferred ingestion, its cost, and retrieval over it.

Runs only when ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` is set (any OpenAI-compatible
endpoint: OpenAI, vLLM, Ollama, llama.cpp's server); otherwise the report says it was skipped.
The model is ``MEMORY_CORE_LLM__MODEL`` (or ``OPENAI_MODEL``; the engine's default
otherwise); any other ``MEMORY_CORE_LLM__*`` / ``MEMORY_CORE_INFERENCE__*`` setting applies.

* **Ingestion**: every session of the chosen conversations, in order, through
  ``Memory.add(window, user_id=<sample_id>, infer=True, valid_from=<session time>,
  source={"dia_ids": [...], "session": n})``, ``window`` consecutive turns per add, each turn a
  ``user`` message named after its speaker. The engine stores the add's ``source`` on every
  memory it writes, so each extracted memory keeps the turn ids it came from (an UPDATE keeps
  the ids of the turns that updated it).
* **Cost**: per add, the result's ``usage`` (LLM calls, prompt and completion tokens) and its
  events; memories per conversation (current, after ingestion).
* **Retrieval**: each question of the ingested conversations whose evidence was ingested is
  searched (``user_id`` = the conversation, limit 20); a hit is its ``source`` dia_ids; scored
  by ``benchmarks.locomo_metrics.score`` (recall@k, all-evidence@10, MRR, by category).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import (
    REPO_DIR,
    RESULTS_DIR,
    WORK_DIR,
    git_revision,
    load_average,
    log,
    machine,
)

DEFAULT_LOCOMO = REPO_DIR.parent / "shared" / "data" / "locomo10.json"
LIMIT = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("locomo_llm (needs OPENAI_API_KEY or OPENAI_BASE_URL)")
    group.add_argument("--llm-conversations", type=int, default=None, help="default 10 (quick 1)")
    group.add_argument("--llm-sessions", type=int, default=None, help="per conversation (all)")
    group.add_argument("--llm-window", type=int, default=2, help="turns per add (default 2)")


def endpoint() -> str | None:
    """Where the LLM is, or None when no endpoint is configured."""
    if os.environ.get("OPENAI_BASE_URL"):
        return os.environ["OPENAI_BASE_URL"]
    if os.environ.get("OPENAI_API_KEY"):
        return "https://api.openai.com/v1 (OPENAI_API_KEY set)"
    return None


def llm_config() -> dict[str, Any]:
    """The ``llm`` section: ``MEMORY_CORE_LLM__*`` from the environment (read by the config
    itself), with model, base URL and key filled in from ``OPENAI_*`` where unset."""
    from memory_core.config import LLMConfig

    model = os.environ.get("MEMORY_CORE_LLM__MODEL") or os.environ.get("OPENAI_MODEL")
    config: dict[str, Any] = {"model": model or LLMConfig().model}
    if os.environ.get("OPENAI_BASE_URL") and not os.environ.get("MEMORY_CORE_LLM__BASE_URL"):
        config["base_url"] = os.environ["OPENAI_BASE_URL"]
    if not os.environ.get("OPENAI_API_KEY") and not os.environ.get("MEMORY_CORE_LLM__API_KEY"):
        config["api_key"] = "none"  # a local server takes any key; the client needs one
    return config


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "suite": "issue6_locomo_llm",
        "command": args.command_line,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }
    where = endpoint()
    if where is None:
        report["skipped"] = "no LLM endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL to run it"
        log(report["skipped"])
        last = RESULTS_DIR / "issue6_locomo_llm.json"
        previous = json.loads(last.read_text(encoding="utf-8")) if last.exists() else {}
        # keep the last measured run in the report, said to be older
        report["last_run"] = previous.get("last_run") if previous.get("skipped") else previous
        return report
    from memory_core.io.locomo import iter_sessions, load_locomo

    conversations = args.llm_conversations or (1 if args.quick else 10)
    sessions = args.llm_sessions or (2 if args.quick else None)
    # the file the locomo suite reads (its --locomo-path)
    samples = load_locomo(getattr(args, "locomo_path", None) or DEFAULT_LOCOMO)[:conversations]
    plan = {"conversations": conversations, "sessions": sessions, "window": args.llm_window,
            "limit": LIMIT, "endpoint": where, "llm": {**llm_config(), "api_key": "…"},
            "settings_from_env": sorted(k for k in os.environ
                                        if k.startswith(("MEMORY_CORE_LLM__",
                                                         "MEMORY_CORE_INFERENCE__")))}  # fmt: skip
    report.update(machine=machine(), load_average_start=load_average(), revision=git_revision(),
                  plan=plan)  # fmt: skip
    home = WORK_DIR / f"locomo-llm-{time.strftime('%Y%m%d-%H%M%S')}"
    started = time.perf_counter()
    try:
        report.update(_ingest_and_search(samples, iter_sessions(samples), home, plan))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["load_average_end"] = load_average()
    return report


def _ingest_and_search(
    samples: list[dict[str, Any]], sessions: Any, home: Path, plan: dict[str, Any]
) -> dict[str, Any]:
    from memory_core import Memory

    memory = Memory.from_config({"home": str(home), "llm": llm_config()})
    adds: list[dict[str, Any]] = []
    ingested: dict[str, set[str]] = {}
    try:
        for session in sessions:
            if plan["sessions"] and session.session_no > plan["sessions"]:
                continue
            log(f"{session.sample_id} session {session.session_no}: {len(session.turns)} turns")
            for lo in range(0, len(session.turns), plan["window"]):
                turns = session.turns[lo : lo + plan["window"]]
                adds.append(_add(memory, session, turns))
                ingested.setdefault(session.sample_id, set()).update(t.dia_id for t in turns)
        per_conversation = {sample_id: _count(memory, sample_id) for sample_id in ingested}
        retrieval = _retrieval(memory, samples, ingested)
    finally:
        memory.close()
    return {"adds": _add_summary(adds), "memories_per_conversation": per_conversation,
            "retrieval": retrieval}  # fmt: skip


def _count(memory: Any, user_id: str) -> dict[str, int]:
    """Current memories of a conversation, by kind (a verbatim fallback stores messages)."""
    kinds: Counter[str] = Counter()
    cursor = None
    while True:
        page = memory.get_all(user_id=user_id, limit=100, cursor=cursor)
        kinds.update(item.get("kind", "?") for item in page["results"])
        cursor = page.get("next_cursor")
        if not cursor:
            return {"total": sum(kinds.values()), **kinds}


def _add(memory: Any, session: Any, turns: list[Any]) -> dict[str, Any]:
    messages = [{"role": "user", "name": t.speaker, "content": t.memory_text} for t in turns]
    start = time.perf_counter()
    result = memory.add(
        messages,
        user_id=session.sample_id,
        infer=True,
        valid_from=session.session_datetime,
        source={"dia_ids": [t.dia_id for t in turns], "session": session.session_no},
    )
    events = Counter(e["event"] for e in result["results"])
    return {
        "seconds": time.perf_counter() - start,
        "usage": dict(result.get("usage") or {}),
        "events": dict(events),
        "rejected": len(result.get("rejected") or []),
        "verbatim_fallback": "fallback" in result,
    }


def _add_summary(adds: list[dict[str, Any]]) -> dict[str, Any]:
    def total(key: str) -> int:
        return sum(int(a["usage"].get(key, 0)) for a in adds)

    n = max(1, len(adds))
    events: Counter[str] = Counter()
    for a in adds:
        events.update(a["events"])
    return {
        "adds": len(adds),
        "llm_calls": total("llm_calls"),
        "prompt_tokens": total("prompt_tokens"),
        "completion_tokens": total("completion_tokens"),
        "llm_calls_per_add": round(total("llm_calls") / n, 3),
        "prompt_tokens_per_add": round(total("prompt_tokens") / n, 1),
        "completion_tokens_per_add": round(total("completion_tokens") / n, 1),
        "events": dict(events),
        "rejected_operations": sum(a["rejected"] for a in adds),
        "verbatim_fallbacks": sum(a["verbatim_fallback"] for a in adds),
        "seconds_per_add_p50": round(statistics.median(a["seconds"] for a in adds), 2)
        if adds
        else None,
        "usage_keys": sorted({k for a in adds for k in a["usage"]}),
    }


def _retrieval(
    memory: Any, samples: list[dict[str, Any]], ingested: dict[str, set[str]]
) -> dict[str, Any]:
    """Questions whose evidence was all ingested, searched and scored by the LOCOMO suite's
    metrics; a hit is the dia_ids its memory came from (``source``)."""
    from benchmarks.locomo_metrics import load_questions, score

    questions, skipped = load_questions(samples)
    asked = [q for q in questions if set(q.evidence) <= ingested.get(q.sample_id, set())]
    retrieved, no_source = [], 0
    for q in asked:
        hits = memory.search(q.question, user_id=q.sample_id, limit=LIMIT)["results"]
        ids = [list((h.get("source") or {}).get("dia_ids") or []) for h in hits]
        no_source += sum(not i for i in ids)
        retrieved.append(ids)
    return {
        "questions": len(asked),
        "questions_not_ingested": len(questions) - len(asked),
        "evidence_ids_skipped": skipped,
        "hits_without_source": no_source,
        "scores": score(asked, retrieved) if asked else None,
    }


def render(report: dict[str, Any]) -> str:
    from benchmarks.locomo_llm_report import render as _render

    return _render(report)
