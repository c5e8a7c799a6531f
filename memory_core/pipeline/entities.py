"""Entity resolution: names → entity ids, through name embeddings in the vector store.

    >>> name_key("  O'Brien's   café! ")
    'o brien s café'
    >>> sorted(query_keys("Where does Ann live?"))[:4]
    ['ann', 'ann live', 'does', 'does ann']

Every name an entity has been called is an :class:`Alias` point in the *entity collection*
(beside the memories' collection, same backend): its key, its entity id, its scope, and the
name's embedding. A new name resolves to

1. the entity of an alias with the same key in the same scope ("Alice" = "alice"), else
2. the entity of the most similar alias in the scope, when the cosine similarity reaches
   ``graph_store.entity_threshold`` ("NYC" → "New York City"), else
3. a new entity, whose id is derived from the scope and the key, so that racing writes of
   the same new name meet on one entity.

No vendor vector syntax is needed in the graph database: it only ever sees our ids. Queries
find the entities they name by key: every run of 1–6 words of the query is looked up
(:func:`query_keys`), so "Where does Ann live?" finds "Ann" without any model call.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from memory_core import ids
from memory_core.embeddings.base import Embedder
from memory_core.filters import Cond, FilterNode, and_
from memory_core.retrieval.bm25 import Bm25Encoder
from memory_core.scoping import exact_scope_filter
from memory_core.stores.graph.base import GraphStore
from memory_core.stores.vector.base import DENSE, VectorPoint, VectorQuery, VectorStore
from memory_core.types import Scope

_WORD = re.compile(r"\w+")
#: Longest run of query words tried as an entity name.
MAX_NAME_WORDS = 6


def name_key(name: str) -> str:
    """The form two names must share to be the same name: NFKC, case-folded, words only."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", name).casefold()))


def query_keys(query: str) -> set[str]:
    """Every run of 1–:data:`MAX_NAME_WORDS` consecutive words of ``query``, as name keys."""
    words = name_key(query).split()
    return {
        " ".join(words[start : start + size])
        for size in range(1, MAX_NAME_WORDS + 1)
        for start in range(len(words) - size + 1)
    }


def entity_id(scope: Scope, key: str) -> str:
    legacy = f"entity\x1f{scope.key()}\x1f{key}"
    return ids.current().derive(legacy, "entity", *ids.scope_parts(scope), key)


@dataclass(frozen=True, slots=True)
class Alias:
    """One name of an entity, as indexed for resolution (a point in the entity collection)."""

    entity_id: str
    name: str
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    created_at: float = 0.0

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def id(self) -> str:
        scope = Scope(self.user_id, self.agent_id, self.run_id)
        legacy = f"alias\x1f{scope.key()}\x1f{self.key}"
        return ids.current().derive(legacy, "alias", *ids.scope_parts(scope), self.key)

    def payload(self) -> dict[str, Any]:
        payload = {"entity_id": self.entity_id, "name": self.name, "norm": self.key,
                   "kind": "entity", "created_at": self.created_at}  # fmt: skip
        for field in ("user_id", "agent_id", "run_id"):
            if (value := getattr(self, field)) is not None:
                payload[field] = value
        return payload


@dataclass(frozen=True, slots=True)
class Resolved:
    """Name keys → entity ids, and the aliases (with their vectors) still to be written."""

    ids: dict[str, str]
    aliases: list[Alias]
    vectors: dict[str, list[float]]


class EntityIndex:
    """The entity collection: resolves names at write time, finds named entities at read."""

    def __init__(
        self, store: VectorStore, embedder: Embedder, bm25: Bm25Encoder, threshold: float
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        self.threshold = threshold
        #: True while an embedded collection (one process per home) is known to hold no
        #: names: searches then skip the lookup. A server collection may be shared by other
        #: processes, so it is always asked.
        self.known_empty = False

    async def open(self) -> None:
        """Check whether the names' collection is empty (see :attr:`known_empty`)."""
        embedded = self.store.name == "qdrant_edge"
        self.known_empty = embedded and await self.store.count(None) == 0

    async def write(self, points: Sequence[VectorPoint]) -> None:
        await self.store.upsert(points)
        self.known_empty = False

    async def resolve(self, names: Sequence[str], scope: Scope, stamp: float) -> Resolved:
        """Entity ids for ``names`` (keys must be non-empty), within exactly ``scope``."""
        first_name = {name_key(name): name for name in reversed(names)}
        keys = sorted(first_name)
        ids = await self._known(keys, scope)
        new = [key for key in keys if key not in ids]
        vectors = await self.embedder.embed_documents([first_name[k] for k in new])
        similar = await self._most_similar(vectors, scope)
        aliases: list[Alias] = []
        fresh: list[tuple[str, np.ndarray]] = []  # entities created in this call
        for key, vector, hit in zip(new, vectors, similar, strict=True):
            ids[key] = hit or _closest(np.asarray(vector), fresh, self.threshold) or ""
            if not ids[key]:
                ids[key] = entity_id(scope, key)
                fresh.append((ids[key], np.asarray(vector)))
            aliases.append(Alias(ids[key], first_name[key], *_scope_ids(scope), stamp))
        return Resolved(ids, aliases, {a.id: v for a, v in zip(aliases, vectors, strict=True)})

    async def named_in(self, query: str, scope_filter: FilterNode | None) -> list[str]:
        """Ids of the entities the query names (by any of their names), within the filter."""
        keys = sorted(query_keys(query))
        if not keys or self.known_empty:
            return []
        flt = and_(scope_filter, Cond("norm", "in", tuple(keys)))
        hits, _ = await self.store.scroll(flt, 256)
        return sorted({hit.payload["entity_id"] for hit in hits})

    def points(
        self, aliases: Sequence[Alias], vectors: dict[str, list[float]]
    ) -> list[VectorPoint]:
        return [
            VectorPoint(a.id, vectors[a.id], self.bm25.document(a.name), a.payload())
            for a in aliases
        ]

    async def _known(self, keys: list[str], scope: Scope) -> dict[str, str]:
        if not keys:
            return {}
        flt = and_(exact_scope_filter(scope), Cond("norm", "in", tuple(keys)))
        hits, _ = await self.store.scroll(flt, len(keys) + 1)
        return {hit.payload["norm"]: hit.payload["entity_id"] for hit in hits}

    async def _most_similar(self, vectors: list[list[float]], scope: Scope) -> list[str | None]:
        if not vectors:
            return []
        flt = exact_scope_filter(scope)
        lists = await self.store.query([VectorQuery(DENSE, v, flt, 1) for v in vectors])
        return [
            hits[0].payload["entity_id"] if hits and hits[0].score >= self.threshold else None
            for hits in lists
        ]


@dataclass(slots=True)
class GraphSide:
    """The graph store and the entity collection beside it: what the writer applies graph
    ops to and what search reads the graph through."""

    store: GraphStore
    index: EntityIndex


def _closest(vector: np.ndarray, fresh: list[tuple[str, np.ndarray]], threshold: float) -> str:
    """An entity created earlier in the same call whose name is similar enough, else ``""``
    (two new names in one add — "NYC" and "New York City" — are one entity too)."""
    best = max(fresh, key=lambda item: float(vector @ item[1]), default=None)
    return best[0] if best is not None and float(vector @ best[1]) >= threshold else ""


def _scope_ids(scope: Scope) -> tuple[str | None, str | None, str | None]:
    return scope.user_id, scope.agent_id, scope.run_id
