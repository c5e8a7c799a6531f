"""Retrieval matrix (issue 15): every ingestion pattern an app uses, every system, one run.

    uv run --locked python -m benchmarks.run --suite retrieval_matrix
    uv run --locked python -m benchmarks.run --suite retrieval_matrix --matrix-no-mem0

Cells (rows of the report):

* LOCOMO (``--locomo-path``, read in place) added **per turn**, **per exchange** (two turns)
  and **per session**; each conversation is one user and one run (a conversation), the
  session date as ``valid_from``. recall@5/10/20, MRR, per category. Conversations 0-4 are
  the *dev* half (defaults are chosen there), 5-9 the *test* half, reported beside it.
* Unrelated facts (:mod:`benchmarks.retrieval_sets`: many users, ten facts each, no run)
  added **in one add** and **one per add**; one question per fact: top-1 and MRR.
* The same facts asked in **paraphrase** (no content word shared with the fact).

Systems (columns): BM25 alone, dense alone, the default, each search variant measured to
choose it, and Mem0 (``infer=False``, its default search) on the same vectors. Every variant
is a per-call ``search(config=...)`` over one store per cell; vectors come from the LOCOMO
cache (``CachedEmbedder``), queries are given as their cached vectors.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from benchmarks import retrieval_matrix_report
from benchmarks.common import WORK_DIR, git_revision, load_average, log
from benchmarks.common import machine as machine_facts
from benchmarks.locomo import DEFAULT_LOCOMO, run_mem0_job
from benchmarks.locomo_engine import CachedEmbedder, message
from benchmarks.locomo_metrics import Question, load_questions, score
from benchmarks.retrieval_sets import FactUser, fact_users
from memory_core import AsyncMemory
from memory_core.config import MemoryConfig
from memory_core.io.locomo import LocomoSession, iter_sessions, load_locomo

LIMIT = 20
DEV_CONVERSATIONS = 5  # conversations 0-4 choose the defaults; 5-9 are held out
PATTERNS = {"turn": 1, "exchange": 2, "session": 0}  # turns per add (0: the whole session)
#: run name -> per-call search config (None: the engine's default). The first three are the
#: systems compared; the others are the variants the default was chosen among.
VARIANTS: dict[str, Any] = {
    "bm25": "bm25",
    "dense": "dense",
    "default": None,
    "weighted 0.3, no query-time (old default)": {
        "fusion": "weighted", "dense_weight": 0.3, "neighbour_weight": 0.0},
    "index-time context only": {"neighbour_weight": 0.0},
    "query-time neighbours 0.2": {"neighbour_weight": 0.2},
    "query-time neighbours 0.6": {"neighbour_weight": 0.6},
    "dense_weight 0.15": {"dense_weight": 0.15},
    "dense_weight 0.3": {"dense_weight": 0.3},
    "weighted fusion": {"fusion": "weighted"},
    "no speaker list": {"speaker_weight": 0.0},
    "rrf": "rrf",
}  # fmt: skip
#: Experiments on other indexing (LOCOMO per session only; kept out of the verdicts): query-
#: time context instead of index-time — a store whose messages are indexed alone, searched
#: with each candidate scored with its neighbours' evidence — and other window sizes.
QUERY_TIME_VARIANTS: dict[str, Any] = {
    "bm25": "bm25",
    "dense": "dense",
    "default": None,
    "index alone, no query-time": {"neighbour_weight": 0.0},
    "query-time neighbours 0.2": {"neighbour_weight": 0.2},
    "query-time neighbours 0.4": {"neighbour_weight": 0.4},
    "query-time neighbours 0.6": {"neighbour_weight": 0.6},
    "query-time neighbours 0.8": {"neighbour_weight": 0.8},
    "query-time neighbours 1.0": {"neighbour_weight": 1.0},
}
EXPERIMENTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "message-only index": ({"context_before": 0, "context_after": 0}, QUERY_TIME_VARIANTS),
    "index context 1+1": ({"context_before": 1, "context_after": 1}, {"default": None}),
    "index context 3+3": ({"context_before": 3, "context_after": 3}, {"default": None}),
    "index context 4+2": ({"context_before": 4, "context_after": 2}, {"default": None}),
}
SYSTEMS = ("bm25", "dense", "default", "mem0")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("retrieval_matrix (issue 15)")
    group.add_argument("--matrix-users", type=int, default=60, help="fact users (ten facts each)")
    group.add_argument("--matrix-no-mem0", action="store_true", help="memory-core only")
    group.add_argument(
        "--matrix-mem0-fresh",
        action="store_true",
        help="run Mem0 again even if its cells for the same data are cached under .work/",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    path = getattr(args, "locomo_path", DEFAULT_LOCOMO)
    samples = load_locomo(path)[: 2 if args.quick else None]
    sessions = list(iter_sessions(samples))
    questions, _ = load_questions(samples)
    users = fact_users(10 if args.quick else args.matrix_users)
    dev = {s["sample_id"] for s in samples[:DEV_CONVERSATIONS]}
    embedder = CachedEmbedder()
    cells: dict[str, Any] = {}
    try:
        for pattern, step in PATTERNS.items():
            runs = asyncio.run(_locomo_cell(embedder, sessions, questions, step))
            for half, keep in (("dev", True), ("test", False)):
                chosen = [i for i, q in enumerate(questions) if (q.sample_id in dev) is keep]
                cells[f"locomo/{pattern}/{half}"] = _locomo_scores(runs, questions, chosen)
            embedder.save()
            log(f"retrieval_matrix: locomo per {pattern} done")
        for label, (index, variants) in EXPERIMENTS.items():
            runs = asyncio.run(_locomo_cell(embedder, sessions, questions, 0, index, variants))
            for half, keep in (("dev", True), ("test", False)):
                chosen = [i for i, q in enumerate(questions) if (q.sample_id in dev) is keep]
                cells[f"locomo/session, {label}/{half}"] = _locomo_scores(runs, questions, chosen)
            log(f"retrieval_matrix: locomo, {label} done")
        for batched in (True, False):
            runs = asyncio.run(_facts_cell(embedder, users, batched))
            how = "one add" if batched else "one per add"
            cells[f"facts/{how}"] = runs["direct"]
            cells[f"paraphrase/{how}"] = runs["paraphrase"]
        embedder.save()
    finally:
        embedder.save()
    mem0: dict[str, Any] = {"run": False}
    if not (args.matrix_no_mem0 or getattr(args, "no_mem0", False)):
        mem0 = _mem0_cells(cells, sessions, questions, dev, users, args.matrix_mem0_fresh)
    return {
        "suite": "retrieval_matrix",
        "command": getattr(args, "command_line", "python -m benchmarks.run"),
        "revision": git_revision(),
        "machine": machine_facts(),
        "load_average": load_average(),
        "data": {"conversations": len(samples), "questions": len(questions),
                 "dev_conversations": sorted(dev), "fact_users": len(users),
                 "facts": sum(len(u.facts) for u in users)},
        "variants": {**VARIANTS, **QUERY_TIME_VARIANTS},
        "cells": cells,
        "mem0": mem0,
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip


def render(result: dict[str, Any]) -> str:
    return retrieval_matrix_report.render(result)


# --- LOCOMO -------------------------------------------------------------------------------


def locomo_adds(
    sessions: Sequence[LocomoSession], step: int
) -> Iterator[tuple[list[dict[str, Any]], LocomoSession]]:
    """The ``add`` calls of one ingestion pattern: ``step`` turns each (0: a session)."""
    for session in sessions:
        turns = [message(t, session.sample_id, session.session_no) for t in session.turns]
        size = step or len(turns)
        for start in range(0, len(turns), size):
            yield turns[start : start + size], session


async def _locomo_cell(
    embedder: CachedEmbedder,
    sessions: Sequence[LocomoSession],
    questions: Sequence[Question],
    step: int,
    index: Mapping[str, Any] | None = None,
    variants: Mapping[str, Any] = VARIANTS,
) -> dict[str, list[list[list[str]]]]:
    home = WORK_DIR / "matrix-store"
    shutil.rmtree(home, ignore_errors=True)
    qvectors = await _query_vectors(embedder, [q.question for q in questions])
    config = MemoryConfig(home=home, index=dict(index or {}))
    async with AsyncMemory(config, embedder=embedder) as memory:
        for turns, session in locomo_adds(sessions, step):
            await memory.add(
                turns, user_id=session.sample_id, run_id=session.sample_id, infer=False,
                valid_from=session.session_datetime,
            )  # fmt: skip
        runs: dict[str, list[list[list[str]]]] = {}
        for name, search in variants.items():
            retrieved = []
            for q in questions:
                result = await memory.search(
                    q.question, user_id=q.sample_id, limit=LIMIT,
                    query_vector=qvectors[q.question], config=search,
                )  # fmt: skip
                dia = [[str((i.get("metadata") or {}).get("dia_id"))] for i in result["results"]]
                retrieved.append(dia)
            runs[name] = retrieved
    shutil.rmtree(home, ignore_errors=True)
    return runs


def _locomo_scores(
    runs: Mapping[str, list[list[list[str]]]], questions: Sequence[Question], chosen: list[int]
) -> dict[str, Any]:
    picked = [questions[i] for i in chosen]
    return {name: score(picked, [hits[i] for i in chosen]) for name, hits in runs.items()}


# --- unrelated facts ----------------------------------------------------------------------


async def _facts_cell(
    embedder: CachedEmbedder, users: Sequence[FactUser], batched: bool
) -> dict[str, dict[str, Any]]:
    home = WORK_DIR / "matrix-facts"
    shutil.rmtree(home, ignore_errors=True)
    asked = [f.question for u in users for f in u.facts] + [
        f.paraphrase for u in users for f in u.facts
    ]
    qvectors = await _query_vectors(embedder, asked)
    out: dict[str, dict[str, Any]] = {"direct": {}, "paraphrase": {}}
    async with AsyncMemory(MemoryConfig(home=home), embedder=embedder) as memory:
        for user in users:
            texts = [f.text for f in user.facts]
            for batch in [texts] if batched else [[t] for t in texts]:
                await memory.add(batch, user_id=user.user_id, infer=False)
        for name, config in VARIANTS.items():
            for kind in ("direct", "paraphrase"):
                ranks = []
                for user in users:
                    for fact in user.facts:
                        query = fact.question if kind == "direct" else fact.paraphrase
                        result = await memory.search(
                            query, user_id=user.user_id, limit=LIMIT,
                            query_vector=qvectors[query], config=config,
                        )  # fmt: skip
                        ranks.append(_rank([i["memory"] for i in result["results"]], fact.text))
                out[kind][name] = fact_scores(ranks)
    shutil.rmtree(home, ignore_errors=True)
    return out


def _rank(texts: list[str], wanted: str) -> int | None:
    return next((rank for rank, text in enumerate(texts, 1) if text == wanted), None)


def fact_scores(ranks: Sequence[int | None]) -> dict[str, Any]:
    """top-1 and MRR over the asked facts' ranks (None: not in the top ``LIMIT``)."""
    n = max(1, len(ranks))
    return {
        "n": len(ranks),
        "top1": round(sum(r == 1 for r in ranks) / n, 4),
        "mrr": round(sum(1.0 / r for r in ranks if r) / n, 4),
    }


async def _query_vectors(embedder: CachedEmbedder, texts: Sequence[str]) -> dict[str, list[float]]:
    unique = list(dict.fromkeys(texts))
    return dict(zip(unique, await embedder.embed_documents(unique), strict=True))


# --- Mem0 ---------------------------------------------------------------------------------


MEM0_CACHE = WORK_DIR / "matrix-mem0-cells.json"


def _mem0_cells(
    cells: dict[str, Any],
    sessions: Sequence[LocomoSession],
    questions: Sequence[Question],
    dev: set[str],
    users: Sequence[FactUser],
    fresh: bool,
) -> dict[str, Any]:
    """Mem0's cells: run (about 15 min on 2 cores), or taken from its last run on the same
    data — Mem0's results depend only on the data and the vectors, not on memory-core."""
    key = _mem0_key(questions, users)
    if not fresh and MEM0_CACHE.exists():
        cached = json.loads(MEM0_CACHE.read_text())
        if cached.get("key") == key:
            for cell, value in cached["cells"].items():
                if cell in cells:
                    cells[cell]["mem0"] = value
            return {"run": "cached", "measured_at": cached["measured_at"]}
    _add_mem0(cells, sessions, questions, dev, users)
    mem0 = {cell: runs["mem0"] for cell, runs in cells.items() if "mem0" in runs}
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    MEM0_CACHE.write_text(json.dumps({"key": key, "measured_at": stamp, "cells": mem0}))
    return {"run": "fresh", "measured_at": stamp}


def _mem0_key(questions: Sequence[Question], users: Sequence[FactUser]) -> str:
    """What Mem0's cells depend on: the questions and the facts (text and wording)."""
    text = json.dumps([[q.sample_id, q.question] for q in questions])
    text += json.dumps([[f.text, f.question, f.paraphrase] for u in users for f in u.facts])
    return hashlib.sha1(text.encode()).hexdigest()


def _add_mem0(
    cells: dict[str, Any],
    sessions: Sequence[LocomoSession],
    questions: Sequence[Question],
    dev: set[str],
    users: Sequence[FactUser],
) -> None:
    """Mem0 stores each message of an ``infer=False`` add as its own memory, with the call's
    metadata: one Mem0 run serves the three LOCOMO patterns, and one the two fact patterns."""
    turns = [
        {"sample_id": s.sample_id, "dia_id": t.dia_id, "speaker": t.speaker,
         "text": t.memory_text, "date": s.session_datetime.isoformat()}
        for s in sessions for t in s.turns
    ]  # fmt: skip
    asked = [{"sample_id": q.sample_id, "question": q.question} for q in questions]
    locomo = run_mem0_job("matrix-mem0-locomo", turns, asked, LIMIT)
    for pattern in PATTERNS:
        for half, keep in (("dev", True), ("test", False)):
            chosen = [i for i, q in enumerate(questions) if (q.sample_id in dev) is keep]
            picked = [questions[i] for i in chosen]
            hits = [locomo["retrieved"][i] for i in chosen]
            cells[f"locomo/{pattern}/{half}"]["mem0"] = score(picked, hits)
    facts = [
        {"sample_id": u.user_id, "dia_id": f.id, "speaker": None, "text": f.text, "date": None}
        for u in users for f in u.facts
    ]  # fmt: skip
    for kind in ("direct", "paraphrase"):
        wanted = [f for u in users for f in u.facts]
        asked = [
            {"sample_id": f.id.split("/")[0],
             "question": f.question if kind == "direct" else f.paraphrase}
            for f in wanted
        ]  # fmt: skip
        found = run_mem0_job(f"matrix-mem0-{kind}", facts, asked, LIMIT)
        ranks = [
            next((r for r, hit in enumerate(hits, 1) if hit == [f.id]), None)
            for f, hits in zip(wanted, found["retrieved"], strict=True)
        ]
        for how in ("one add", "one per add"):
            cells[f"{'facts' if kind == 'direct' else 'paraphrase'}/{how}"]["mem0"] = fact_scores(
                ranks
            )
