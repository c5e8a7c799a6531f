"""Plan graph writes for an inferred ``add``: relations → entities, edges, closings.

    >>> relation_key("Lives in")
    'lives_in'

The memory manager names relations as ``(source, relationship, destination)`` triples
beside its operations. Each one becomes an edge per memory it came from: the facts of the
same ``add`` whose entities include both ends (else either end, else every fact of the
add). So a relation holds exactly as long as a memory asserting it does — an UPDATE that
supersedes the memory or a DELETE that invalidates it closes its edges
(:class:`~memory_core.pipeline.ops.GraphCloseOp`), and ``Memory.delete`` erases them.
Names are resolved to entities by :class:`~memory_core.pipeline.entities.EntityIndex`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from memory_core import ids
from memory_core.pipeline.entities import EntityIndex, Resolved, name_key
from memory_core.pipeline.ops import GraphMergeOp
from memory_core.prompts.memory_manager import Relation
from memory_core.stores.graph.base import Edge, Entity
from memory_core.types import MemoryRecord, Scope

#: Longest relationship name kept (snake_case).
MAX_RELATIONSHIP_LENGTH = 100


def relation_key(relationship: str) -> str:
    """A relationship name in snake_case: what the graph stores as ``relationship``."""
    return name_key(relationship).replace(" ", "_")


@dataclass(slots=True)
class GraphPlan:
    """What an add writes to the graph, and the relations it refused (and why)."""

    op: GraphMergeOp | None = None
    vectors: dict[str, list[float]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)


class GraphPlanner:
    def __init__(self, index: EntityIndex, *, max_name_length: int) -> None:
        self.index = index
        self.max_name_length = max_name_length

    async def plan(
        self,
        relations: Sequence[Relation],
        records: Sequence[MemoryRecord],
        scope: Scope,
        *,
        stamp: float,
        origin: Mapping[str, Any] | None,
    ) -> GraphPlan:
        """Edges for ``relations``, linked to ``records`` (the facts this add wrote or
        confirmed). Call under the writer's lock: resolution reads the entity collection."""
        plan = GraphPlan()
        kept: list[Relation] = []
        for relation in relations:
            problem = self._problem(relation)
            if problem is None:
                kept.append(relation)
            else:
                plan.rejected.append(problem)
        if not kept:
            return plan
        resolved = await self.index.resolve(
            [name for r in kept for name in (r.source, r.destination)], scope, stamp
        )
        entities = _entities(kept, resolved, scope, stamp)
        edges = [
            edge
            for relation in kept
            for edge in _edges(relation, resolved, records, scope, stamp, dict(origin or {}))
        ]
        plan.op = GraphMergeOp(tuple(entities), tuple(edges), tuple(resolved.aliases))
        plan.vectors = resolved.vectors
        return plan

    def _problem(self, relation: Relation) -> str | None:
        for name in (relation.source, relation.destination):
            if not name_key(name):
                return f"relation {relation.model_dump()}: an entity name without letters"
            if len(name) > self.max_name_length:
                return (
                    f"relation with a {len(name)}-character entity name (over "
                    f"graph_store.max_name_length={self.max_name_length})"
                )
        rel = relation_key(relation.relationship)
        if not rel or len(rel) > MAX_RELATIONSHIP_LENGTH:
            return f"relation {relation.model_dump()}: relationship empty or too long"
        return None


def _entities(
    relations: Sequence[Relation], resolved: Resolved, scope: Scope, stamp: float
) -> list[Entity]:
    """One node per entity id, named by the first name it was given."""
    named: dict[str, str] = {}
    for relation in relations:
        for name in (relation.source, relation.destination):
            named.setdefault(resolved.ids[name_key(name)], name.strip())
    return [
        Entity(eid, name, scope.user_id, scope.agent_id, scope.run_id, stamp)
        for eid, name in named.items()
    ]


def _edges(
    relation: Relation,
    resolved: Resolved,
    records: Sequence[MemoryRecord],
    scope: Scope,
    stamp: float,
    origin: dict[str, Any],
) -> list[Edge]:
    source, destination = name_key(relation.source), name_key(relation.destination)
    rel = relation_key(relation.relationship)
    src, dst = resolved.ids[source], resolved.ids[destination]
    linked: list[MemoryRecord | None] = [*_linked(records, source, destination)] or [None]
    return [
        Edge(
            _edge_id(scope, src, rel, dst, record.id if record else None),
            src,
            rel,
            dst,
            record.id if record else None,
            scope.user_id,
            scope.agent_id,
            scope.run_id,
            created_at=stamp,
            valid_from=record.valid_from if record else None,
            valid_until=record.valid_until if record else None,
            origin=origin,
        )
        for record in linked
    ]


def _linked(records: Sequence[MemoryRecord], source: str, destination: str) -> list[MemoryRecord]:
    """The facts naming both ends, else either end, else all of them."""
    keys = {record.id: {name_key(e) for e in record.entities} for record in records}
    both = [r for r in records if {source, destination} <= keys[r.id]]
    either = [r for r in records if keys[r.id] & {source, destination}]
    return both or either or list(records)


def _edge_id(scope: Scope, src: str, rel: str, dst: str, memory: str | None) -> str:
    legacy = "\x1f".join(("edge", scope.key(), src, rel, dst, memory or ""))
    return ids.current().derive(legacy, "edge", *ids.scope_parts(scope), src, rel, dst, memory)
