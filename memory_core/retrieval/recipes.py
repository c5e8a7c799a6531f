"""Named search configurations ("recipes"), chosen per call.

    >>> from memory_core.retrieval.recipes import resolve
    >>> resolve("bm25").mode
    'bm25'
    >>> resolve(None, default=resolve("weighted")).fusion
    'weighted'
    >>> resolve({"dense_weight": 0.5}).fusion  # fields not given keep their defaults
    'relative'

``search(..., config="dense")`` or ``config=SearchConfig(dense_weight=0.5)`` varies fusion,
weights or lists for one call without a second engine. Configs are frozen pydantic models,
so a recipe cannot be changed in place by one caller under another (Graphiti's
``search_config.limit = num_results`` on a shared recipe is the bug this avoids); the
engine's own defaults are never touched by a per-call config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from memory_core.config import SearchConfig
from memory_core.errors import InvalidInputError

RECIPES: Mapping[str, SearchConfig] = {
    #: The engine's defaults: dense + BM25, weighted fusion, speaker list.
    "hybrid": SearchConfig(),
    #: Lexical only: a memory is found only through words it shares with the query, and
    #: ranked by BM25 alone (no speaker list, no neighbours' evidence).
    "bm25": SearchConfig(mode="bm25", speaker_weight=0.0, neighbour_weight=0.0),
    #: Meaning only: the embedding model's nearest memories, by cosine alone.
    "dense": SearchConfig(mode="dense", speaker_weight=0.0, neighbour_weight=0.0),
    #: Equal weights of dense and BM25 (the pre-LOCOMO default).
    "balanced": SearchConfig(dense_weight=0.5),
    #: The default before the retrieval matrix: min-max normalisation of both lists, no
    #: query-time neighbours.
    "weighted": SearchConfig(fusion="weighted", dense_weight=0.3, neighbour_weight=0.0),
    #: Reciprocal rank fusion and distribution-based fusion, to compare against.
    "rrf": SearchConfig(fusion="rrf"),
    "dbsf": SearchConfig(fusion="dbsf"),
}


def resolve(
    config: SearchConfig | str | Mapping[str, Any] | None, *, default: SearchConfig | None = None
) -> SearchConfig:
    """The configuration for one search: a recipe by name, a ``SearchConfig``, a dict of
    ``SearchConfig`` fields, or ``None`` for ``default`` (the engine's)."""
    if config is None:
        return default or SearchConfig()
    if isinstance(config, SearchConfig):
        return config
    if isinstance(config, str):
        if config not in RECIPES:
            raise InvalidInputError(
                f"Unknown search recipe {config!r}; use one of {sorted(RECIPES)}, or pass a "
                "SearchConfig."
            )
        return RECIPES[config]
    if isinstance(config, Mapping):
        try:
            return SearchConfig(**config)
        except ValidationError as exc:
            raise InvalidInputError(f"Invalid search config: {exc}") from exc
    raise InvalidInputError(
        f"config must be a recipe name, a SearchConfig or a dict, not {type(config).__name__}."
    )
