"""CrewAI's record shape <-> the engine's keyed records, and CrewAI's filters -> the kit's.

A CrewAI ``MemoryRecord`` becomes one engine record of the bound scope:

* its ``scope`` ("/a/b") is the kit path ``("a", "b")`` under that scope, its ``categories``
  are the record's ``tags`` and its ``metadata`` is the engine metadata, unchanged;
* what only CrewAI knows (its own id, importance, source, private flag and the exact
  ``created_at`` / ``last_accessed`` values) rides in the engine record's ``source`` under
  ``"crewai"``, so a round trip gives back what was saved;
* the engine id is derived from the bound scope and CrewAI's id, so two scopes never share
  a record and any id string (quotes, ``%``, backslashes) is only ever a value.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from crewai.memory.types import MemoryRecord as CrewRecord

from memory_core import MemoryRecord, Scope
from memory_core.adapters import Cond, FilterNode, Or, and_, keyed_record, paths

FRAMEWORK = "crewai"
_KEY = "crewai"


def split_scope(scope: str | None) -> tuple[str, ...]:
    """CrewAI's scope path as kit path labels: ``None``, ``""`` and ``"/"`` are the root."""
    return tuple(label for label in (scope or "/").strip().split("/") if label)


def join_scope(path: Sequence[str]) -> str:
    return "/" + "/".join(path)


def key_parts(scope: Scope, record_id: str) -> tuple[str, str, str]:
    """The parts of a CrewAI record's key, for ``engine.records.keyed_id``: the bound scope
    is one of them, so two scopes never share a record."""
    return (FRAMEWORK, scope.json_key(), record_id)


def own_ids(record_ids: Sequence[str]) -> list[str]:
    """CrewAI ids that are engine ids themselves (facts the engine extracted for
    ``EngineMemory``); the scope filter beside them keeps them inside the bound scope."""
    return [i for i in record_ids if _is_uuid(i)]


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def to_epoch(moment: datetime) -> float:
    """CrewAI stamps naive UTC datetimes (``datetime.utcnow``); aware ones keep their zone."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.timestamp()


def to_engine(record: CrewRecord, scope: Scope, record_id: str) -> MemoryRecord:
    """``record`` as the engine record ``record_id`` (its keyed id in this home)."""
    return keyed_record(
        record_id, record.content, dict(record.metadata), scope=scope,
        path=split_scope(record.scope), tags=tuple(record.categories), kind="fact",
        source={"framework": FRAMEWORK, _KEY: _extra(record)},
        created_at=to_epoch(record.created_at),
    )  # fmt: skip


def adopt(record: MemoryRecord, like: CrewRecord) -> MemoryRecord:
    """A fact the engine wrote (its own id and text), placed where CrewAI asked: ``like``'s
    scope path, categories, importance, source and privacy."""
    mine = like.model_copy(update={"id": record.id, "content": record.text})
    return record.model_copy(update={
        "path": split_scope(like.scope), "tags": tuple(like.categories),
        "source": {**record.source, "framework": FRAMEWORK, _KEY: _extra(mine)},
    })  # fmt: skip


def _extra(record: CrewRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "importance": record.importance,
        "source": record.source,
        "private": record.private,
        "created_at": record.created_at.isoformat(),
        "last_accessed": record.last_accessed.isoformat(),
    }


def to_crewai(record: MemoryRecord) -> CrewRecord:
    extra: Mapping[str, Any] = record.source.get(_KEY) or {}
    created = _moment(extra.get("created_at")) or _from_epoch(record.created_at)
    return CrewRecord(
        id=str(extra.get("id", record.id)),
        content=record.text,
        scope=join_scope(record.path),
        categories=list(record.tags),
        metadata=dict(record.metadata),
        importance=float(extra.get("importance", 0.5)),
        created_at=created,
        last_accessed=_moment(extra.get("last_accessed")) or created,
        source=extra.get("source"),
        private=bool(extra.get("private", False)),
    )


def _moment(iso: Any) -> datetime | None:
    return datetime.fromisoformat(iso) if isinstance(iso, str) and iso else None


def _from_epoch(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def with_last_accessed(record: MemoryRecord, moment: datetime) -> MemoryRecord:
    extra = dict(record.source.get(_KEY) or {})
    extra["last_accessed"] = moment.isoformat()
    return record.model_copy(update={"source": {**record.source, _KEY: extra}})


# --- filters -------------------------------------------------------------------------


def where(
    scope: Scope,
    scope_prefix: str | None = None,
    categories: Sequence[str] | None = None,
    metadata_filter: Mapping[str, Any] | None = None,
    older_than: datetime | None = None,
    engine_ids: Sequence[str] | None = None,
) -> FilterNode:
    """The kit filter for CrewAI's arguments: always inside the bound scope and the records
    this adapter wrote; a scope prefix is path-aware ("/a" never matches "/ab")."""
    nodes: list[FilterNode | None] = [
        *(Cond(name, "eq", value) for name, value in scope.ids().items()),
        Cond("source.framework", "eq", FRAMEWORK),
        paths.under(split_scope(scope_prefix)) if split_scope(scope_prefix) else None,
    ]
    if categories:
        nodes.append(Or(tuple(Cond("tags", "eq", c) for c in categories)))
    for key, value in (metadata_filter or {}).items():
        if _scalar(value):
            nodes.append(Cond(f"metadata.{key}", "eq", value))
    if older_than is not None:
        nodes.append(Cond("created_at", "lt", to_epoch(older_than)))
    if engine_ids is not None:
        nodes.append(Cond("id", "in", list(engine_ids)))
    node = and_(*nodes)
    assert node is not None  # the framework condition is always there
    return node


def metadata_matches(record: MemoryRecord, metadata_filter: Mapping[str, Any] | None) -> bool:
    """CrewAI's exact equality (the engine's ``eq`` also matches a list holding the value)."""
    if not metadata_filter:
        return True
    return all(record.metadata.get(k) == v for k, v in metadata_filter.items())


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and value is not None
