"""Fusion methods: candidates from either list survive; scores are normalised and weighted."""

from __future__ import annotations

import pytest

from memory_core.retrieval.fusion import dbsf, rrf, weighted, weighted_relative
from memory_core.retrieval.neighbours import with_neighbours

DENSE = [("a", 0.9), ("b", 0.7), ("c", 0.5)]
SPARSE = [("d", 12.0), ("a", 6.0)]


def test_weighted_min_max_sum() -> None:
    fused = dict(weighted([DENSE, SPARSE], [0.5, 0.5]))
    assert fused == pytest.approx({"a": 0.5 + 0.0, "b": 0.25, "c": 0.0, "d": 0.5})
    assert [doc for doc, _ in weighted([DENSE, SPARSE], [0.8, 0.2])][:1] == ["a"]


def test_bm25_adds_candidates_not_only_reranks() -> None:
    assert {doc for doc, _ in weighted([DENSE, SPARSE], [0.5, 0.5])} == {"a", "b", "c", "d"}


def test_single_item_and_empty_lists() -> None:
    assert weighted([[("x", 3.0)], []], [0.6, 0.4]) == [("x", 0.6)]
    assert weighted([[], []], [0.5, 0.5]) == []


def test_ties_break_on_id_for_determinism() -> None:
    assert weighted([[("b", 1.0), ("a", 1.0)]], [1.0]) == [("a", 1.0), ("b", 1.0)]


def test_rrf_and_dbsf() -> None:
    fused = dict(rrf([DENSE, SPARSE], [1.0, 1.0], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert max(fused, key=fused.__getitem__) == "a"
    scores = dict(dbsf([DENSE, SPARSE], [0.5, 0.5]))
    assert set(scores) == {"a", "b", "c", "d"} and all(0 <= s <= 1 for s in scores.values())


def test_relative_lets_meaning_decide_between_near_equal_lexical_matches() -> None:
    # "Which sport do I play?": two facts share "play" with nearly equal BM25 scores; the
    # dense list knows which one is about sport.
    dense = [("tennis", 0.62), ("bass", 0.35), ("city", 0.20)]
    sparse = [("bass", 2.05), ("tennis", 2.0)]
    assert weighted([dense, sparse], [0.2, 0.8])[0][0] == "bass"  # min-max: 1.0 against 0.0
    fused = dict(weighted_relative([dense, sparse], [0.2, 0.8]))
    assert max(fused, key=fused.__getitem__) == "tennis"
    assert fused["city"] == pytest.approx(0.0)  # dense alone, still min-max
    assert fused["bass"] == pytest.approx(0.2 * (0.15 / 0.42) + 0.8)


def test_neighbours_lift_a_candidate_next_to_strong_evidence_in_its_run_only() -> None:
    payloads = {
        "question": {"user_id": "u", "run_id": "r", "position": 7},
        "answer": {"user_id": "u", "run_id": "r", "position": 8},
        "far": {"user_id": "u", "run_id": "r", "position": 12},
        "other_run": {"user_id": "u", "run_id": "s", "position": 8},
        "fact": {"user_id": "u"},
    }
    fused = [("question", 1.0), ("far", 0.5), ("other_run", 0.5), ("answer", 0.4), ("fact", 0.3)]
    lifted = dict(with_neighbours(fused, payloads, 0.5, reach=2))
    assert lifted["answer"] == pytest.approx(0.9)  # next to the question's 1.0
    assert lifted["question"] == pytest.approx(1.2)  # and the other way round
    assert lifted["far"] == lifted["other_run"] == 0.5  # out of reach; another conversation
    assert lifted["fact"] == 0.3  # not part of a conversation
