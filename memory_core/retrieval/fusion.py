"""Score fusion of candidate lists, as named configurations.

    >>> dense = [("a", 0.9), ("b", 0.8), ("c", 0.1)]
    >>> sparse = [("b", 7.0), ("c", 1.0)]
    >>> [doc for doc, _ in weighted([dense, sparse], [0.5, 0.5])]
    ['b', 'a', 'c']

Measured on LOCOMO (one memory per turn, categories 1–4, recall@10): BM25 alone 0.565,
dense alone 0.438, RRF(k=60) 0.535 — worse than BM25 alone — and a min-max normalised
weighted sum 0.625. So ``weighted`` is the default; ``rrf`` and ``dbsf`` (Qdrant's
distribution-based fusion) are here to measure against it. A candidate missing from a list
scores 0 for that list: BM25 *adds* candidates, it does not only re-rank.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import TypeAlias

Ranked: TypeAlias = Sequence[tuple[str, float]]
Fusion: TypeAlias = Callable[[Sequence[Ranked], Sequence[float]], list[tuple[str, float]]]


def weighted(lists: Sequence[Ranked], weights: Sequence[float]) -> list[tuple[str, float]]:
    """Min-max normalise each list to [0, 1], then sum with ``weights``."""
    return _combine(lists, weights, _min_max)


def weighted_relative(lists: Sequence[Ranked], weights: Sequence[float]) -> list[tuple[str, float]]:
    """The first list (dense) min-max normalised, the others divided by their best score.

    BM25 scores have a natural zero, min-max has none: two memories sharing one query word
    with nearly equal BM25 scores become 1.0 and 0.0, so the lexical weight alone decides
    between them, whatever their meaning. Divided by the best score they stay close, and
    the dense list decides."""
    scaled = [_min_max if i == 0 else _by_max for i in range(len(lists))]
    scores: dict[str, float] = {}
    for ranked, weight, normalise in zip(lists, weights, scaled, strict=True):
        if ranked:
            values = normalise([score for _, score in ranked])
            for (doc, _), value in zip(ranked, values, strict=True):
                scores[doc] = scores.get(doc, 0.0) + weight * value
    return _sorted(scores)


def dbsf(lists: Sequence[Ranked], weights: Sequence[float]) -> list[tuple[str, float]]:
    """Distribution-based: normalise each list over mean ± 3 standard deviations."""
    return _combine(lists, weights, _three_sigma)


def rrf(
    lists: Sequence[Ranked], weights: Sequence[float], *, k: int = 60
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: sum of ``weight / (k + rank)``."""
    scores: dict[str, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        for rank, (doc, _) in enumerate(ranked, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return _sorted(scores)


FUSIONS: dict[str, Fusion] = {
    "weighted": weighted,
    "relative": weighted_relative,
    "dbsf": dbsf,
    "rrf": rrf,
}


def _combine(
    lists: Sequence[Ranked],
    weights: Sequence[float],
    normalise: Callable[[list[float]], list[float]],
) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        if not ranked:
            continue
        normalised = normalise([score for _, score in ranked])
        for (doc, _), value in zip(ranked, normalised, strict=True):
            scores[doc] = scores.get(doc, 0.0) + weight * value
    return _sorted(scores)


def _min_max(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high == low:
        return [1.0] * len(values)
    return [(v - low) / (high - low) for v in values]


def _by_max(values: list[float]) -> list[float]:
    high = max(values)
    if high <= 0:
        return [1.0] * len(values)
    return [max(0.0, v) / high for v in values]


def _three_sigma(values: list[float]) -> list[float]:
    mean = statistics.fmean(values)
    spread = 3 * statistics.pstdev(values)
    if spread == 0:
        return [1.0] * len(values)
    low, high = mean - spread, mean + spread
    return [min(1.0, max(0.0, (v - low) / (high - low))) for v in values]


def _sorted(scores: dict[str, float]) -> list[tuple[str, float]]:
    # Ties break on id so results are deterministic.
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
