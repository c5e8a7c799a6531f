"""LOCOMO retrieval metrics: questions with clean evidence ids, and ranked hits scored.

    >>> sample = {"sample_id": "c1", "conversation": {
    ...     "speaker_a": "Ann", "speaker_b": "Bo",
    ...     "session_1_date_time": "1:56 pm on 8 May, 2023",
    ...     "session_1": [{"speaker": "Ann", "dia_id": "D1:1", "text": "Hi"},
    ...                   {"speaker": "Bo", "dia_id": "D1:2", "text": "Hey"}]},
    ...     "qa": [{"question": "Who said hi?", "evidence": ["D1:1; D9:9"], "category": 4}]}
    >>> questions, skipped = load_questions([sample])
    >>> questions[0].evidence, skipped
    (('D1:1',), 1)
    >>> score(questions, [[["D1:2"], ["D1:1"]]])["overall_1_4"]["recall@5"]
    1.0

A hit is the list of dia_ids it came from (one for a verbatim turn; several for a memory
extracted from several turns). Recall@k: the share of a question's evidence ids found in
the top k hits, averaged over questions; all-evidence@k: the share of questions whose every
evidence id is in the top k; MRR: 1 / rank of the first hit holding any evidence id.
Questions whose evidence all points nowhere are dropped (and counted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from memory_core.io.locomo import iter_sessions, normalize_evidence

KS = (5, 10, 20)

#: Category number -> (name from LOCOMO's own evaluation code, name in the Mem0 paper).
#: The numbers in locomo10.json do not follow the paper's order; LOCOMO's evaluation code
#: and the file's questions give 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop,
#: 5 adversarial, while Mem0's evaluation labels 1 single-hop, 3 multi-hop, 4 open-domain.
CATEGORY_NAMES: dict[int, tuple[str, str]] = {
    1: ("multi-hop", "single-hop"),
    2: ("temporal", "temporal"),
    3: ("open-domain", "multi-hop"),
    4: ("single-hop", "open-domain"),
    5: ("adversarial", "adversarial"),
}


@dataclass(frozen=True)
class Question:
    sample_id: str
    index: int  # position in the sample's ``qa`` list
    category: int
    question: str
    evidence: tuple[str, ...]  # normalised dia_ids that exist in the conversation


def load_questions(samples: Iterable[Mapping[str, Any]]) -> tuple[list[Question], int]:
    """Every question with at least one real evidence id, and how many evidence ids were
    skipped because no turn of the conversation has them."""
    samples = list(samples)
    known: dict[str, set[str]] = {}
    for session in iter_sessions(samples):
        known.setdefault(session.sample_id, set()).update(t.dia_id for t in session.turns)
    questions: list[Question] = []
    skipped = 0
    for sample in samples:
        sample_id = sample["sample_id"]
        turns = known.get(sample_id, set())
        for index, qa in enumerate(sample.get("qa", [])):
            ids = normalize_evidence(qa.get("evidence") or [])
            real = tuple(i for i in ids if i in turns)
            skipped += len(ids) - len(real)
            if real:
                questions.append(
                    Question(sample_id, index, int(qa["category"]), str(qa["question"]), real)
                )
    return questions, skipped


def score(
    questions: Sequence[Question], retrieved: Sequence[Sequence[Sequence[str]]]
) -> dict[str, Any]:
    """Recall@5/10/20, all-evidence@10 and MRR: per category, categories 1-4 together, and
    category 5 apart. ``retrieved[i]`` is the ranked hits for ``questions[i]``."""
    if len(questions) != len(retrieved):
        raise ValueError(f"{len(questions)} questions but {len(retrieved)} result lists")
    rows = [_one(q, hits) for q, hits in zip(questions, retrieved, strict=True)]
    by_category: dict[str, Any] = {}
    for category in sorted({q.category for q in questions}):
        by_category[str(category)] = _mean(
            [r for q, r in zip(questions, rows, strict=True) if q.category == category]
        )
    main = [r for q, r in zip(questions, rows, strict=True) if q.category in (1, 2, 3, 4)]
    adversarial = [r for q, r in zip(questions, rows, strict=True) if q.category == 5]
    return {
        "overall_1_4": _mean(main),
        "category_5": _mean(adversarial),
        "by_category": by_category,
    }


def _one(question: Question, hits: Sequence[Sequence[str]]) -> dict[str, float]:
    wanted = set(question.evidence)
    row: dict[str, float] = {}
    for k in KS:
        found = {dia for hit in hits[:k] for dia in hit} & wanted
        row[f"recall@{k}"] = len(found) / len(wanted)
        if k == 10:
            row["all@10"] = float(found == wanted)
    first = next((rank for rank, hit in enumerate(hits, 1) if wanted.intersection(hit)), None)
    row["mrr"] = 1.0 / first if first else 0.0
    return row


def _mean(rows: list[dict[str, float]]) -> dict[str, Any]:
    if not rows:
        return {"n": 0}
    keys = rows[0].keys()
    out: dict[str, Any] = {"n": len(rows)}
    out.update({key: round(sum(r[key] for r in rows) / len(rows), 4) for key in keys})
    return out
