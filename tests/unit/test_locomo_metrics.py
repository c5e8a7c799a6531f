"""The LOCOMO retrieval metrics on a hand-made sample (the benchmark itself never runs here)."""

from __future__ import annotations

import pytest

from benchmarks.locomo_metrics import Question, load_questions, score

SAMPLE = {
    "sample_id": "c1",
    "conversation": {
        "speaker_a": "Ann",
        "speaker_b": "Bo",
        "session_1_date_time": "1:56 pm on 8 May, 2023",
        "session_1": [
            {"speaker": "Ann", "dia_id": "D1:1", "text": "I moved to Lisbon"},
            {"speaker": "Bo", "dia_id": "D1:2", "text": "Nice"},
            {"speaker": "Ann", "dia_id": "D1:3", "text": "I got a cat"},
        ],
    },
    "qa": [
        {"question": "Where?", "evidence": ["D1:1"], "category": 4},
        {"question": "What then?", "evidence": ["D1:1; D1:3", "D7:7"], "category": 1},
        {"question": "Nowhere", "evidence": ["D9:9"], "category": 2},
        {"question": "Trick", "evidence": ["D:1:2"], "category": 5},
    ],
}


def test_evidence_is_normalised_and_dangling_ids_are_counted() -> None:
    questions, skipped = load_questions([SAMPLE])
    assert [(q.index, q.category, q.evidence) for q in questions] == [
        (0, 4, ("D1:1",)),
        (1, 1, ("D1:1", "D1:3")),
        (3, 5, ("D1:2",)),
    ]
    assert skipped == 2  # D7:7 and D9:9; the question with none left is dropped


def test_recall_all_evidence_and_mrr() -> None:
    questions, _ = load_questions([SAMPLE])
    padding = [[f"D1:{n}"] for n in range(10, 30)]
    retrieved = [
        [["D1:2"], ["D1:1"]],  # first evidence at rank 2
        [["D1:1"], *padding[:10], ["D1:3"]],  # half by 10, all by 20
        [],  # nothing found
    ]
    result = score(questions, retrieved)
    main = result["overall_1_4"]
    assert main["n"] == 2
    assert main["recall@5"] == pytest.approx((1 + 0.5) / 2)
    assert main["recall@20"] == 1.0
    assert main["all@10"] == 0.5
    assert main["mrr"] == pytest.approx((0.5 + 1.0) / 2)
    assert result["category_5"]["recall@10"] == 0.0
    assert result["by_category"]["1"]["recall@10"] == 0.5


def test_a_hit_from_several_turns_counts_each() -> None:
    q = Question("c1", 0, 1, "?", ("D1:1", "D1:3"))
    assert score([q], [[["D1:1", "D1:3"]]])["overall_1_4"]["all@10"] == 1.0
    with pytest.raises(ValueError):
        score([q], [])
