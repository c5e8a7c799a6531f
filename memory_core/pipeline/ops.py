"""Write operations: small typed records, journaled as JSON before any store is touched.

    >>> from memory_core.pipeline.ops import DeleteOp, op_from_json, op_to_json
    >>> op_from_json(op_to_json(DeleteOp(ids=("a", "b"))))
    DeleteOp(ids=('a', 'b'))

Every op is idempotent, so replaying a journal entry after a crash is always safe: upserts
carry the whole record (and re-embed its text when no vector is journaled), deletes of
missing points are no-ops.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, TypeAlias

from memory_core.pipeline.entities import Alias
from memory_core.stores.graph.base import Edge, Entity
from memory_core.types import MemoryRecord


@dataclass(frozen=True, slots=True)
class UpsertOp:
    """Write a whole record. ``embed_text`` is what the vectors are made from;
    ``sparse_text``, when set, is what the BM25 vector is made from instead. ``embed=False``
    stores the record without a dense vector (a keyed record the caller does not want
    embedded): BM25 and filters still find it."""

    record: MemoryRecord
    embed_text: str
    sparse_text: str | None = None
    embed: bool = True

    @property
    def bm25_text(self) -> str:
        return self.embed_text if self.sparse_text is None else self.sparse_text


@dataclass(frozen=True, slots=True)
class PatchOp:
    """Merge ``values`` into the stored payload of ``ids`` (closing a record, for example)."""

    ids: tuple[str, ...]
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeleteOp:
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SpaceUpsertOp:
    """Write the caller's vectors for records ``ids`` into the named vector space ``space``
    (see :mod:`memory_core.stores.spaces`), with each record's scope ids. The vectors are
    journaled: the engine cannot make them again."""

    space: str
    ids: tuple[str, ...]
    vectors: tuple[tuple[float, ...], ...]
    scopes: tuple[dict[str, str], ...]


@dataclass(frozen=True, slots=True)
class DeleteScopeOp:
    """Delete every point of a scope (``scope`` = the ids to match); ``None`` = everything."""

    scope: dict[str, str] | None


@dataclass(frozen=True, slots=True)
class GraphMergeOp:
    """Write entities and relations to the graph, and new entity names to the entity
    collection (their vectors are re-made from the names on replay)."""

    entities: tuple[Entity, ...]
    edges: tuple[Edge, ...]
    aliases: tuple[Alias, ...] = ()


@dataclass(frozen=True, slots=True)
class GraphCloseOp:
    """Close the relations asserted by memories that were superseded or invalidated."""

    memory_ids: tuple[str, ...]
    expired_at: float
    valid_until: float | None = None


@dataclass(frozen=True, slots=True)
class GraphForgetOp:
    """Erase the relations of erased memories, and the entities left without any."""

    memory_ids: tuple[str, ...]


Op: TypeAlias = (
    UpsertOp
    | PatchOp
    | DeleteOp
    | DeleteScopeOp
    | GraphMergeOp
    | GraphCloseOp
    | GraphForgetOp
    | SpaceUpsertOp
)
#: Ops with work on the graph side (a scope delete has work on both sides).
GRAPH_OPS = (GraphMergeOp, GraphCloseOp, GraphForgetOp, DeleteScopeOp)


def op_to_json(op: Op) -> str:
    return json.dumps(_op_to_dict(op), separators=(",", ":"), ensure_ascii=False)


def op_from_json(text: str) -> Op:
    return _op_from_dict(json.loads(text))


def ops_to_json(ops: list[Op]) -> str:
    """Strict JSON (a NaN raises ``ValueError``): the journal holds only what can be replayed."""
    entry = [_op_to_dict(op) for op in ops]
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def ops_from_json(text: str) -> list[Op]:
    return [_op_from_dict(item) for item in json.loads(text)]


def _op_to_dict(op: Op) -> dict[str, Any]:
    if isinstance(op, UpsertOp):
        out: dict[str, Any] = {
            "op": "upsert",
            "record": op.record.model_dump(),
            "embed_text": op.embed_text,
        }
        if not op.embed:
            out["embed"] = False
        return out if op.sparse_text is None else {**out, "sparse_text": op.sparse_text}
    if isinstance(op, PatchOp):
        return {"op": "patch", "ids": list(op.ids), "values": op.values}
    if isinstance(op, DeleteOp):
        return {"op": "delete", "ids": list(op.ids)}
    if isinstance(op, GraphMergeOp):
        return {"op": "graph_merge", "entities": [asdict(e) for e in op.entities],
                "edges": [asdict(e) for e in op.edges],
                "aliases": [asdict(a) for a in op.aliases]}  # fmt: skip
    if isinstance(op, GraphCloseOp):
        return {"op": "graph_close", "memory_ids": list(op.memory_ids),
                "expired_at": op.expired_at, "valid_until": op.valid_until}  # fmt: skip
    if isinstance(op, GraphForgetOp):
        return {"op": "graph_forget", "memory_ids": list(op.memory_ids)}
    if isinstance(op, SpaceUpsertOp):
        return {"op": "space_upsert", "space": op.space, "ids": list(op.ids),
                "vectors": [list(v) for v in op.vectors], "scopes": list(op.scopes)}  # fmt: skip
    return {"op": "delete_scope", "scope": op.scope}


def _op_from_dict(data: dict[str, Any]) -> Op:
    kind = data["op"]
    if kind == "upsert":
        record = MemoryRecord.model_validate(data["record"])
        return UpsertOp(
            record, data["embed_text"], data.get("sparse_text"), data.get("embed", True)
        )
    if kind == "patch":
        return PatchOp(tuple(data["ids"]), data["values"])
    if kind == "delete":
        return DeleteOp(tuple(data["ids"]))
    if kind == "delete_scope":
        return DeleteScopeOp(data["scope"])
    if kind == "graph_merge":
        return GraphMergeOp(
            tuple(Entity(**e) for e in data["entities"]),
            tuple(Edge(**e) for e in data["edges"]),
            tuple(Alias(**a) for a in data["aliases"]),
        )
    if kind == "graph_close":
        return GraphCloseOp(tuple(data["memory_ids"]), data["expired_at"], data["valid_until"])
    if kind == "graph_forget":
        return GraphForgetOp(tuple(data["memory_ids"]))
    if kind == "space_upsert":
        vectors = tuple(tuple(float(x) for x in v) for v in data["vectors"])
        return SpaceUpsertOp(data["space"], tuple(data["ids"]), vectors, tuple(data["scopes"]))
    raise ValueError(f"unknown journal op {kind!r}")
