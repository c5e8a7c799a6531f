"""Lossless export/import: a record travels with its history rows and its graph relations.

    >>> # AsyncMemory.export_dump yields, per record, its fields plus:
    >>> #   "history":   [{"event", "old_memory", "new_memory", "created_at", ...}, ...]
    >>> #   "relations": [{"source", "relationship", "destination", "source_id", ...}, ...]
    >>> # and import_records writes them back as they were (dates included).

Without these two, a round trip loses the graph and re-dates history: a superseded memory's
``ADD, UPDATE`` would come back as a single ``ADD`` of today. Records, validity and
``supersedes`` links are already whole in the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from memory_core.errors import InvalidInputError
from memory_core.pipeline.entities import Alias, GraphSide
from memory_core.pipeline.ops import GraphMergeOp
from memory_core.scoping import TimeView
from memory_core.stores.graph.base import Edge, Entity
from memory_core.stores.history import HistoryRow, HistoryStore
from memory_core.types import MemoryRecord
from memory_core.validation import check_epoch, check_text

_ALL_EDGES = 1_000_000


async def relations_by_memory(
    graph: GraphSide | None, scope: Mapping[str, str]
) -> dict[str, list[Edge]]:
    """Every edge of ``scope`` (all versions), grouped by the memory that asserted it."""
    if graph is None:
        return {}
    edges = await graph.store.edges(scope, TimeView(include_expired=True), limit=_ALL_EDGES)
    grouped: dict[str, list[Edge]] = {}
    for edge in edges:
        if edge.memory_id:
            grouped.setdefault(edge.memory_id, []).append(edge)
    return grouped


async def dump(
    record: MemoryRecord, history: HistoryStore, edges: Sequence[Edge]
) -> dict[str, Any]:
    """``record`` as an export line: its fields, its history rows and its relations."""
    line = record.model_dump()
    line["history"] = await history.export_rows(record.id)
    line["relations"] = [_edge_line(edge) for edge in edges]
    return line


def _edge_line(edge: Edge) -> dict[str, Any]:
    line = edge.row()
    line.pop("t_from")
    line.pop("t_until")
    line["origin"] = dict(edge.origin)
    line["source"], line["destination"] = edge.source_name, edge.destination_name
    return line


def history_rows(record: MemoryRecord, raw: Any) -> list[HistoryRow] | None:
    """The exported history of ``record`` as rows to write (``None``: none was exported)."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        raise InvalidInputError(f"Record {record.id}: 'history' must be a list of rows.")
    scope = (record.user_id, record.agent_id, record.run_id)
    rows = []
    for row in raw:
        for key in ("old_memory", "new_memory", "actor_id", "role"):
            if row.get(key) is not None:
                check_text(str(row[key]), f"record {record.id}'s history {key}")
        rows.append(HistoryRow(
            record.id, str(row.get("event", "ADD")), row.get("old_memory"),
            row.get("new_memory"), row.get("actor_id"), row.get("role"), scope,
            created_at=check_epoch(row.get("created_at"), f"record {record.id}'s history date"),
        ))  # fmt: skip
    return rows


def graph_op(record: MemoryRecord, raw: Any) -> GraphMergeOp | None:
    """The exported relations of ``record`` as one graph write (``None``: none exported)."""
    if not raw:
        return None
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        raise InvalidInputError(f"Record {record.id}: 'relations' must be a list.")
    entities: dict[str, Entity] = {}
    edges: list[Edge] = []
    for line in raw:
        try:
            edge = Edge(
                id=line["id"], source_id=line["source_id"], relationship=line["relationship"],
                destination_id=line["destination_id"], memory_id=record.id,
                user_id=line.get("user_id"), agent_id=line.get("agent_id"),
                run_id=line.get("run_id"), created_at=float(line.get("created_at") or 0.0),
                valid_from=line.get("valid_from"), valid_until=line.get("valid_until"),
                expired_at=line.get("expired_at"), origin=dict(line.get("origin") or {}),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"Record {record.id}: a relation lacks {exc}.") from None
        edges.append(edge)
        scope = (edge.user_id, edge.agent_id, edge.run_id)
        for entity_id, name in ((edge.source_id, line.get("source")),
                                (edge.destination_id, line.get("destination"))):  # fmt: skip
            check_text(str(name or ""), f"record {record.id}'s relation names")
            entities[entity_id] = Entity(entity_id, str(name or ""), *scope, edge.created_at)
    aliases = tuple(
        Alias(e.id, e.name, e.user_id, e.agent_id, e.run_id, e.created_at)
        for e in entities.values()
        if e.name
    )
    return GraphMergeOp(tuple(entities.values()), tuple(edges), aliases)
