"""Named vector spaces: the caller's own vectors, of any dimension, beside the memories.

    >>> # Used by the keyed records (memory_core.records) and the writer; for example
    >>> # RecordWrite(record, text, space="crewai", space_vector=[...]) puts the caller's vector
    >>> # in the space "crewai", and records.search(None, where, query_vector=[...],
    >>> # space="crewai") searches by it.

A framework that embeds its records itself (CrewAI) keeps its vectors in a space of its own: one
side collection per space, in the same backend as the memories, holding only the vector and
the record's scope ids (so a scope wipe reaches it). Records themselves stay in the memories'
collection — a space search ranks ids by the caller's vector and reads the records there,
through the caller's filter. Which spaces exist and their dimensions are kept in
``vector_spaces.json`` in the home (written before any vector enters the journal), so a wrong
dimension is refused in ``put``, in a search and after a reopen, with
:class:`~memory_core.errors.DimensionMismatchError`. Dropping a space erases its vectors and
forgets its dimension, so a new one may follow.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from memory_core.config import VectorStoreConfig
from memory_core.errors import DimensionMismatchError, HomeCorruptError, InvalidInputError
from memory_core.filters import FilterNode
from memory_core.stores.factory import create_vector_store
from memory_core.stores.vector.base import Hit, SparseVec, VectorPoint, VectorQuery, VectorStore

_REGISTRY = "vector_spaces.json"
_MAX_NAME = 64
_NO_SPARSE = SparseVec((), ())


def check_space(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
        raise InvalidInputError(
            f"A vector space is named by a non-empty string of at most {_MAX_NAME} characters, "
            f"got {name!r}."
        )
    return name


class Spaces:
    """The named vector spaces of one home (see the module docstring)."""

    def __init__(self, config: VectorStoreConfig, home: Path) -> None:
        self._config = config
        self._home = home.expanduser()
        self._dims: dict[str, int] | None = None  # loaded on first use
        self._stores: dict[str, VectorStore] = {}
        self._lock = asyncio.Lock()

    async def dims(self, name: str) -> int | None:
        """The dimension space ``name`` holds, or ``None`` when there is no such space."""
        return (await self._registry()).get(check_space(name))

    async def ensure(self, name: str, dims: int) -> VectorStore:
        """The open store of space ``name``, created for ``dims``-d vectors if new; a space
        holding another dimension raises :class:`DimensionMismatchError`."""
        async with self._lock:
            registry = await self._registry()
            held = registry.get(check_space(name))
            if held is not None and held != dims:
                raise _mismatch(name, held, dims)
            if held is None:
                registry[name] = dims
                await asyncio.to_thread(self._save, registry)
            return await self._store(name, dims)

    async def search(
        self, name: str, vector: Sequence[float], limit: int, min_score: float | None
    ) -> list[Hit]:
        """The ``limit`` nearest ids in space ``name`` (none when the space does not exist)."""
        held = await self.dims(name)
        if held is None:
            return []
        if len(vector) != held:
            raise _mismatch(name, held, len(vector))
        store = await self._store(name, held)
        extra = {} if min_score is None else {"score_threshold": min_score}
        [hits] = await store.query([VectorQuery("dense", vector, None, limit, extra)])
        return hits

    async def upsert(
        self,
        name: str,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        scopes: Sequence[Mapping[str, str]],
    ) -> None:
        dims = len(vectors[0]) if vectors else 0
        store = await self.ensure(name, dims)
        rows = zip(ids, vectors, scopes, strict=True)
        points = [VectorPoint(i, vector, _NO_SPARSE, dict(scope)) for i, vector, scope in rows]
        await store.upsert(points)

    async def delete(self, ids: Sequence[str]) -> None:
        """Erase these ids from every space (an erased record's vectors go with it)."""
        for store in await self._all():
            await store.delete(ids)

    async def delete_where(self, scope_filter: FilterNode | None) -> None:
        """Erase a scope's vectors (``None``: every vector) from every space."""
        for store in await self._all():
            await store.delete_where(scope_filter)

    async def drop(self, name: str) -> None:
        """Erase space ``name`` and forget its dimension (a missing space is fine)."""
        async with self._lock:
            registry = await self._registry()
            held = registry.get(check_space(name))
            if held is None:
                return
            store = await self._store(name, held)
            await store.delete_where(None)
            await store.close()
            del self._stores[name]
            del registry[name]
            await asyncio.to_thread(self._save, registry)

    async def close(self) -> None:
        stores, self._stores = list(self._stores.values()), {}
        for store in stores:
            await store.close()

    # --- internals ----------------------------------------------------------------------

    async def _all(self) -> list[VectorStore]:
        return [await self._store(name, dims) for name, dims in (await self._registry()).items()]

    async def _store(self, name: str, dims: int) -> VectorStore:
        store = self._stores.get(name)
        if store is None:
            # One collection per space *and* dimension: a space dropped and made again with
            # another dimension never meets its old collection's configuration.
            suffix = f"_space_{name.encode().hex()}_{dims}d"
            store = create_vector_store(self._config, self._home, suffix=suffix)
            await store.open(dims)
            self._stores[name] = store
        return store

    async def _registry(self) -> dict[str, int]:
        if self._dims is None:
            self._dims = await asyncio.to_thread(self._load)
        return self._dims

    def _load(self) -> dict[str, int]:
        path = self._home / _REGISTRY
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HomeCorruptError(
                str(path), f"the vector space list is unreadable ({exc})"
            ) from exc
        return {str(name): int(dims) for name, dims in data.items()}

    def _save(self, registry: Mapping[str, int]) -> None:
        path = self._home / _REGISTRY
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(dict(registry), sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)  # atomic: the list is whole before or after, never half


def _mismatch(name: str, held: int, given: int) -> DimensionMismatchError:
    return DimensionMismatchError(
        f"space {name!r}",
        held,
        given,
        message=f"Vector space {name!r} holds {held}-dimensional vectors, got a {given}-"
        "dimensional one. Use the embedder the space was filled with, or drop the space "
        "(records.drop_space) to start it again with the new one.",
    )
