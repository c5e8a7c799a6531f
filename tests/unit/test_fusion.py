"""Fusion methods: candidates from either list survive; scores are normalised and weighted."""

from __future__ import annotations

import pytest

from memory_core.retrieval.fusion import dbsf, rrf, weighted

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
