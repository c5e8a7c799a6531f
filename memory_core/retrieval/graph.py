"""The graph's candidate list for search: memories around the entities a query names.

    >>> # Used by AsyncMemory.search when a graph store is configured:
    >>> #   recall = await GraphRecaller(side).recall(query, scope, view)
    >>> #   recall.scores     -> {memory id: score}, a third list fused with dense and BM25
    >>> #   recall.relations  -> what search returns under "relations"

Entities named in the query (any of their names, found by key in the entity collection)
select their 1-hop neighbourhood: the scope's relations touching them, seen through the same
time view as the memories (current by default, or ``as_of``). The memories asserting those
relations become candidates, scored by how many of the relations they assert — so BM25 and
dense still decide the order among them, and the graph adds memories neither list found.
If the graph store is down, search goes on without this list and says so.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from memory_core.errors import StoreError
from memory_core.pipeline.entities import GraphSide
from memory_core.scoping import TimeView, scope_filter
from memory_core.stores.graph.base import group_relations
from memory_core.types import Scope

log = logging.getLogger("memory_core")


@dataclass(slots=True)
class GraphRecall:
    scores: dict[str, float] = field(default_factory=dict)
    relations: list[dict[str, Any]] = field(default_factory=list)
    #: Why the graph was skipped (its store failed), else ``None``.
    skipped: str | None = None


class GraphRecaller:
    def __init__(self, side: GraphSide, *, max_relations: int = 100) -> None:
        self.side = side
        self.max_relations = max_relations

    async def recall(self, query: str, scope: Scope, view: TimeView) -> GraphRecall:
        entity_ids = await self.side.index.named_in(query, scope_filter(scope))
        if not entity_ids:
            return GraphRecall()
        try:
            edges = await self.side.store.edges(
                scope.ids(), view, entity_ids=entity_ids, limit=self.max_relations
            )
        except StoreError as exc:
            log.warning("memory-core: graph skipped in search: %s", exc)
            return GraphRecall(skipped=str(exc))
        named = set(entity_ids)
        scores: Counter[str] = Counter()
        for edge in edges:
            if edge.memory_id is not None:  # both ends named counts twice
                scores[edge.memory_id] += len({edge.source_id, edge.destination_id} & named)
        return GraphRecall(dict(scores), group_relations(edges))
