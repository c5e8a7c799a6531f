"""Public types: the record, its scope, and the shapes calls return.

    >>> from memory_core.types import Scope
    >>> Scope(user_id="alice").ids()
    {'user_id': 'alice'}

Results are plain dicts shaped like Mem0's classic API (``{"results": [...]}``), typed here
with ``TypedDict`` so editors and mypy know their keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypeAlias, TypedDict

from pydantic import BaseModel, Field, field_serializer

from memory_core.errors import InvalidScopeError, MissingScopeError
from memory_core.filters import path_fields
from memory_core.timeutil import to_iso

#: What a record is. ``fact``, ``message`` (verbatim) and ``procedure`` are memories, what reads
#: offer; a ``transcript`` record is a conversation as an adapter keeps it (a chat history it
#: also forms memories from): kept and read by key, never offered by ``search`` / ``get_all``
#: unless asked for with ``kind="transcript"`` (see :mod:`memory_core.scoping`).
Kind: TypeAlias = Literal["fact", "message", "procedure", "transcript"]
Event: TypeAlias = Literal["ADD", "UPDATE", "DELETE", "NONE"]
SCOPE_FIELDS = ("user_id", "agent_id", "run_id")


@dataclass(frozen=True, slots=True)
class Scope:
    """Who a memory belongs to. A read filters on the ids it is given."""

    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None

    def __post_init__(self) -> None:
        for name in SCOPE_FIELDS:
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, str)
                or not value.strip()
                or value != value.strip()
                or not _is_unicode(value)
            ):
                raise InvalidScopeError(name, value)

    def ids(self) -> dict[str, str]:
        """The ids that are set, by field name."""
        return {name: value for name in SCOPE_FIELDS if (value := getattr(self, name))}

    @property
    def empty(self) -> bool:
        return not self.ids()

    def require(self, operation: str) -> Scope:
        """Raise :class:`MissingScopeError` unless at least one id is set."""
        if self.empty:
            raise MissingScopeError(operation)
        return self

    def key(self) -> str:
        """The text form id scheme 1 derived ids from. Ambiguous (a ``|`` inside an id is not
        escaped), so kept only for homes written before scheme 2: use :meth:`json_key`."""
        return "|".join(f"{name}={getattr(self, name) or ''}" for name in SCOPE_FIELDS)

    def json_key(self) -> str:
        """An unambiguous text form (the set ids as JSON), for keys an adapter derives."""
        return json.dumps(self.ids(), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Provenance:
    """An adapter's provenance stamp for ``add(source=...)``: may set the ``source`` keys the
    adapters own (framework, thread and checkpoint ids, namespace, key…), which a plain dict
    may not (see :mod:`memory_core.access`)."""

    stamp: Mapping[str, Any]


def _is_unicode(text: str) -> bool:
    """Valid Unicode: no lone surrogate (UTF-8 cannot encode one, so no store keeps it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class MemoryRecord(BaseModel):
    """One memory as stored. Times are epoch seconds (UTC)."""

    id: str
    text: str
    hash: str
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    actor_id: str | None = None
    role: str | None = None
    kind: Kind = "message"
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: float
    updated_at: float
    valid_from: float | None = None
    valid_until: float | None = None
    expired_at: float | None = None
    #: When the record stops existing (a TTL): never read after it, erased by a sweep.
    expires_at: float | None = None
    supersedes: str | None = None
    source: dict[str, Any] = Field(default_factory=dict)
    entities: list[str] = Field(default_factory=list)
    #: A procedure's structure (task, status, overview, steps); ``text`` is its rendering.
    procedure: dict[str, Any] | None = None
    #: Where the record sits under its scope (a LangGraph namespace, CrewAI's "/a/b" scope as
    #: ``("a", "b")``); indexed with its prefixes, see :func:`memory_core.filters.path_under`.
    path: tuple[str, ...] = ()
    #: Labels to count and filter by (CrewAI categories); indexed.
    tags: tuple[str, ...] = ()

    @field_serializer("path", "tags")
    def _as_list(self, labels: tuple[str, ...]) -> list[str]:
        # Dumped as JSON lists in every mode, so a dump equals its own JSON round trip.
        return list(labels)

    #: A verbatim message's place in its conversation (its run), counted across ``add``
    #: calls; what its neighbours are found by (see :mod:`memory_core.pipeline.context`).
    position: int | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.user_id, self.agent_id, self.run_id)

    def to_payload(self) -> dict[str, Any]:
        """The stored payload: the record plus ``t_from``/``t_until`` for ``as_of`` filters.

        ``t_from`` is when the memory starts to hold (``valid_from``, else ``created_at``);
        ``t_until`` when it stops (``valid_until``, else ``expired_at``), absent while open. A
        record with a path also carries its encoded path and prefixes (``path_key``,
        ``path_prefixes``), which path filters and facets use.
        """
        payload = self.model_dump(exclude={"id"}, exclude_none=True)
        for name in ("path", "tags"):  # absent when empty: records without them stay as before
            if not payload[name]:
                del payload[name]
        payload |= path_fields(self.path)
        payload["t_from"] = self.valid_from if self.valid_from is not None else self.created_at
        until = self.valid_until if self.valid_until is not None else self.expired_at
        if until is not None:
            payload["t_until"] = until
        return payload

    @classmethod
    def from_payload(cls, id: str, payload: dict[str, Any]) -> MemoryRecord:
        fields = {k: v for k, v in payload.items() if k in cls.model_fields}
        return cls(id=id, **fields)

    def to_item(self, score: float | None = None) -> MemoryItem:
        """Mem0-compatible result item."""
        item: MemoryItem = {
            "id": self.id,
            "memory": self.text,
            "hash": self.hash,
            "metadata": self.metadata,
            "kind": self.kind,
            "created_at": to_iso(self.created_at),
            "updated_at": to_iso(self.updated_at),
            "valid_from": to_iso(self.valid_from),
            "valid_until": to_iso(self.valid_until),
            "expired_at": to_iso(self.expired_at),
        }
        for name in ("user_id", "agent_id", "run_id", "actor_id", "role", "supersedes"):
            if (value := getattr(self, name)) is not None:
                item[name] = value
        if self.source:
            item["source"] = self.source
        if self.procedure is not None:
            item["procedure"] = self.procedure
        if score is not None:
            item["score"] = score
        return item


@dataclass(frozen=True, slots=True)
class ScoredRecord:
    """A record found by a search, with its score (higher is better)."""

    record: MemoryRecord
    score: float


class MemoryItem(TypedDict):
    id: str
    memory: str
    hash: str
    metadata: dict[str, Any]
    kind: Kind
    created_at: str | None
    updated_at: str | None
    valid_from: str | None
    valid_until: str | None
    expired_at: str | None
    score: NotRequired[float]
    user_id: NotRequired[str]
    agent_id: NotRequired[str]
    run_id: NotRequired[str]
    actor_id: NotRequired[str]
    role: NotRequired[str]
    supersedes: NotRequired[str]
    source: NotRequired[dict[str, Any]]
    procedure: NotRequired[dict[str, Any]]


class AddEvent(TypedDict):
    id: str
    memory: str
    event: Event
    previous_memory: NotRequired[str]
    previous_id: NotRequired[str]
    actor_id: NotRequired[str]
    role: NotRequired[str]


class AddResult(TypedDict):
    results: list[AddEvent]
    #: Relations the memory manager named: ``{"source", "relationship", "destination"}``.
    relations: NotRequired[list[dict[str, Any]]]
    #: LLM cost of this add: ``llm_calls``, ``prompt_tokens``, ``completion_tokens``.
    usage: NotRequired[dict[str, int]]
    #: Operations the LLM proposed that were refused (unknown ids, missing text…), and why.
    rejected: NotRequired[list[str]]
    #: Set when the LLM failed and the messages were stored verbatim instead.
    fallback: NotRequired[dict[str, str]]
    #: Set when the graph store was down: ``{"status": "skipped", "reason": ...}``; its
    #: writes wait in the journal and are applied once it is back.
    graph: NotRequired[dict[str, str]]


class SearchResult(TypedDict):
    results: list[MemoryItem]
    #: With a graph: the relations around the entities the query names.
    relations: NotRequired[list[dict[str, Any]]]
    #: Set when the graph store was down and search went on without it.
    graph: NotRequired[dict[str, str]]


class ListResult(TypedDict):
    results: list[MemoryItem]
    next_cursor: NotRequired[str | None]


class HistoryEntry(TypedDict):
    id: str
    memory_id: str
    event: str
    old_memory: str | None
    new_memory: str | None
    created_at: str | None
    actor_id: str | None
    role: str | None
    is_deleted: bool
