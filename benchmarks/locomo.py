"""LOCOMO retrieval (issue 6): memory-core's search variants and Mem0, same run, same vectors.

    uv run --locked python -m benchmarks.run --suite locomo            # 10 conversations
    uv run --locked python -m benchmarks.run --suite locomo --quick    # 2 conversations

Each conversation is one ``user_id``; each turn one memory (``add(infer=False)`` per
session, image captions appended, the session date as ``valid_from``, the turn's dia_id in
its metadata). Every question with a real evidence id is asked in its conversation; the
hits' dia_ids are scored by :mod:`benchmarks.locomo_metrics`. memory-core runs in this
process (:mod:`benchmarks.locomo_engine`): BM25 alone, dense alone and the hybrid default
over one store, plus the ablation of each retrieval feature. Mem0 (``mem0ai`` in
``.venv-mem0``, its default pipeline, ``infer=False``) runs in its own process with its
``openai`` embedder pointed at the local server of memory-core's vectors. The data file is
read where it lives (``--locomo-path``); nothing of it is copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import locomo_report
from benchmarks.common import BENCH_DIR, REPO_DIR, WORK_DIR, git_revision, load_average, log
from benchmarks.common import machine as machine_facts
from benchmarks.locomo_engine import run_variants
from benchmarks.locomo_metrics import Question, load_questions, score
from benchmarks.peers import EmbeddingServer, ensure_mem0_venv, mem0_env, mem0_python
from memory_core.io.locomo import LocomoSession, iter_sessions, load_locomo

DEFAULT_LOCOMO = REPO_DIR.parent / "shared" / "data" / "locomo10.json"
MEM0_LOCOMO_DRIVER = BENCH_DIR / "mem0_locomo_driver.py"
LIMIT = 20  # hits kept per question (recall@20 is the deepest figure)

MESSAGE_ONLY = {"context_before": 0, "context_after": 0, "date_in_text": False}
#: The search defaults before this work: equal weights, no speaker list.
OLD_SEARCH = {"dense_weight": 0.5, "speaker_weight": 0.0}

#: Indexing variant -> what is embedded / BM25-encoded beside the turn ({} = engine default).
#: Variants that share a dense text share cached vectors ("message+date" and the default).
INDEX_VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "message": MESSAGE_ONLY,
    "message+date": {**MESSAGE_ONLY, "date_in_text": True},
    "default, no date": {"date_in_text": False},
    "context in both": {"context_before": 1, "context_after": 1, "context_for": "both"},
}
#: Indexing variant -> [(run name, SearchConfig fields)]. "bm25", "dense" and "hybrid" are
#: the side-by-side systems; the others are the ablation.
SEARCH_VARIANTS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "default": [
        ("hybrid", {}),
        ("bm25", {"mode": "bm25"}),
        ("dense", {"mode": "dense"}),
        ("default, no speaker list", {"speaker_weight": 0.0}),
        ("default, dense_weight 0.5", {"dense_weight": 0.5}),
        ("default, 100 candidates", {"candidates": 100}),
    ],
    "message": [
        ("message only: BM25", {"mode": "bm25", "speaker_weight": 0.0}),
        ("message only: dense", {"mode": "dense", "speaker_weight": 0.0}),
        ("message only: hybrid (old defaults)", OLD_SEARCH),
        ("message + speaker list", {"dense_weight": 0.5}),
        ("message + speaker list + dense_weight", {}),
    ],
    "message+date": [("message + date", OLD_SEARCH)],
    "default, no date": [("default, no date", {})],
    "context in both": [
        ("context in both vectors, 1+1, date", {}),
        ("context in both vectors, old search", OLD_SEARCH),
    ],
}
SYSTEMS = ("bm25", "dense", "hybrid", "mem0")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("locomo (issue 6)")
    group.add_argument("--locomo-path", type=Path, default=DEFAULT_LOCOMO, help="locomo10.json")
    group.add_argument(
        "--locomo-conversations", type=int, default=None, help="first N (default 10; quick 2)"
    )
    group.add_argument("--locomo-no-mem0", action="store_true", help="memory-core only")


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    count = args.locomo_conversations or (2 if args.quick else None)
    samples = load_locomo(args.locomo_path)[:count]
    sessions = list(iter_sessions(samples))
    questions, skipped = load_questions(samples)
    log(f"locomo: {len(samples)} conversations, {len(questions)} questions")
    runs = run_variants(
        INDEX_VARIANTS, SEARCH_VARIANTS, sessions, questions, embedded={"hybrid"}, limit=LIMIT
    )
    if not (args.locomo_no_mem0 or getattr(args, "no_mem0", False)):
        runs["mem0"] = run_mem0(sessions, questions)
    result = {
        "suite": "locomo",
        "command": getattr(args, "command_line", "python -m benchmarks.run --suite locomo"),
        "revision": git_revision(),
        "machine": machine_facts(),
        "load_average": load_average(),
        "data": {
            "file": args.locomo_path.name,
            "conversations": len(samples),
            "turns": sum(len(s.turns) for s in sessions),
            "questions": len(questions),
            "evidence_ids_skipped": skipped,
            "questions_dropped": sum(len(s.get("qa", [])) for s in samples) - len(questions),
        },
        "runs": {},
    }
    tokens = _token_counter()
    conversation_tokens = _conversation_tokens(sessions, tokens)
    for name, one in runs.items():
        result["runs"][name] = _summarise(one, questions, tokens, conversation_tokens)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def render(result: dict[str, Any]) -> str:
    return locomo_report.render(result)


# --- Mem0 ---------------------------------------------------------------------------------


def run_mem0(sessions: Sequence[LocomoSession], questions: Sequence[Question]) -> dict[str, Any]:
    """Mem0 in ``.venv-mem0``: ingest and ask, one subprocess, vectors from the local server."""
    turns = [
        {"sample_id": s.sample_id, "dia_id": t.dia_id, "speaker": t.speaker,
         "text": t.memory_text, "date": s.session_datetime.isoformat()}
        for s in sessions for t in s.turns
    ]  # fmt: skip
    asked = [{"sample_id": q.sample_id, "question": q.question} for q in questions]
    return run_mem0_job("locomo-mem0", turns, asked, LIMIT)


def run_mem0_job(
    name: str, turns: list[dict[str, Any]], asked: list[dict[str, Any]], limit: int
) -> dict[str, Any]:
    """Run ``mem0_locomo_driver.py`` on ``turns`` (``sample_id`` = user, ``dia_id`` kept in
    metadata, ``speaker``, ``text``, ``date``) and ``asked`` (``sample_id``, ``question``);
    returns its result (``retrieved``: each question's hits' dia_ids)."""
    venv = ensure_mem0_venv()
    job_dir = WORK_DIR / name
    shutil.rmtree(job_dir, ignore_errors=True)
    job_dir.mkdir(parents=True)
    _write_jsonl(job_dir / "turns.jsonl", turns)
    _write_jsonl(job_dir / "questions.jsonl", asked)
    home = job_dir / "home"
    with EmbeddingServer() as server:
        job = {
            "home": str(home), "dims": 384, "embed_model": server.model,
            "embed_url": server.base_url, "limit": limit,
            "turns": str(job_dir / "turns.jsonl"), "questions": str(job_dir / "questions.jsonl"),
        }  # fmt: skip
        (job_dir / "job.json").write_text(json.dumps(job))
        out = job_dir / "out.json"
        start = time.perf_counter()
        proc = subprocess.run(
            [str(mem0_python()), str(MEM0_LOCOMO_DRIVER), "--job", str(job_dir / "job.json"),
             "--out", str(out)],
            cwd=REPO_DIR, env=mem0_env(home), timeout=3600, check=False,
        )  # fmt: skip
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"the Mem0 driver failed on {name} (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(out.read_text())
    result["process_seconds"] = round(time.perf_counter() - start, 1)
    result["venv"] = venv
    result["query_vector"] = "embedded"
    shutil.rmtree(job_dir, ignore_errors=True)
    return result


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)


# --- summaries ----------------------------------------------------------------------------


def _token_counter() -> Any:
    """o200k_base token counts (offline; see llm_cost.ensure_encoding)."""
    from benchmarks.llm_cost import ensure_encoding

    encoding = ensure_encoding()
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def _conversation_tokens(sessions: Sequence[LocomoSession], tokens: Any) -> dict[str, int]:
    """Tokens of each whole conversation as turns ``speaker: text``."""
    out: dict[str, int] = {}
    for s in sessions:
        n = sum(tokens(f"{t.speaker}: {t.memory_text}") for t in s.turns)
        out[s.sample_id] = out.get(s.sample_id, 0) + n
    return out


def _summarise(
    one: dict[str, Any],
    questions: Sequence[Question],
    tokens: Any,
    conversation_tokens: dict[str, int],
) -> dict[str, Any]:
    metrics = score(questions, one["retrieved"])
    context: dict[str, Any] = {}
    for k in (5, 10, 20):
        used = [sum(tokens(t) for t in texts[:k]) for texts in one["texts"]]
        whole = [conversation_tokens[q.sample_id] for q in questions]
        context[f"top{k}_tokens_mean"] = round(sum(used) / max(1, len(used)), 1)
        context[f"top{k}_share_of_conversation"] = round(sum(used) / max(1, sum(whole)), 5)
    context["conversation_tokens_mean"] = round(
        sum(conversation_tokens.values()) / max(1, len(conversation_tokens)), 1
    )
    keep = {k: v for k, v in one.items() if k not in ("retrieved", "texts")}
    return {**keep, "metrics": metrics, "context": context}
