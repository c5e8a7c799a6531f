"""``MemoryCoreStorage``: CrewAI's ``StorageBackend`` over the engine's keyed records.

    >>> from crewai.memory.storage.backend import StorageBackend
    >>> issubclass(MemoryCoreStorage, StorageBackend)
    True

CrewAI embeds records itself and searches with a query vector only, so each record keeps
CrewAI's vector in a vector space of its own (any dimension) beside the engine's text index:
the same records are found by ``Memory.search`` and the other adapters. Paths, categories,
counts and child scopes come from the kit (path filters and facets), never from a scan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import Any, TypeVar

from crewai.memory.storage.backend import EmbeddingDimensionMismatchError
from crewai.memory.types import MemoryRecord as CrewRecord
from crewai.memory.types import ScopeInfo

from memory_core import AsyncMemory, Memory, MemoryConfig, MemoryRecord, Scope
from memory_core.adapters import And, Cond, EngineHandle, FilterNode, RecordWrite, paths
from memory_core.errors import DimensionMismatchError
from memory_core_crewai._convert import (
    adopt,
    join_scope,
    key_parts,
    metadata_matches,
    own_ids,
    split_scope,
    to_crewai,
    to_engine,
    where,
    with_last_accessed,
)

T = TypeVar("T")
DEFAULT_SCOPE = Scope(user_id="crewai")
_PAGE = 256


class MemoryCoreStorage:
    """CrewAI ``StorageBackend`` whose records are engine memories of one scope.

    ``memory`` is a ``Memory`` / ``AsyncMemory`` / config / ``EngineHandle``, or ``None`` for
    an engine of its own under ``$MEMORY_CORE_HOME`` (closed by :meth:`close`). The scope ids
    say whose memories these are (``user_id="crewai"`` when none is given); CrewAI's own
    scope paths ("/project/alice") live under that scope.
    """

    def __init__(
        self,
        memory: Memory | AsyncMemory | MemoryConfig | EngineHandle | Any = None,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        space: str | None = None,
    ) -> None:
        given = Scope(user_id=user_id, agent_id=agent_id, run_id=run_id)
        self.scope = DEFAULT_SCOPE if given.empty else given
        self.space = space or _space_name(self.scope)
        self.handle = EngineHandle.of(memory)

    @property
    def engine(self) -> AsyncMemory:
        engine: AsyncMemory = self.handle.engine
        return engine

    async def _ids(self, record_ids: Sequence[str]) -> list[str]:
        """The engine ids CrewAI's ids may have in this home (on the engine's loop)."""
        await self.engine.open()  # keyed ids follow the home's id scheme
        keyed = self.engine.records.keyed_id
        return [keyed(*key_parts(self.scope, i)) for i in record_ids] + own_ids(record_ids)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run from CrewAI's sync code; from the engine's own loop the kit refuses with a
        WrongLoopError naming the async twin (``asave`` for ``save``, ...)."""
        name = getattr(coro, "__name__", None)
        result: T = self.handle.run(coro, async_name=name if name and name[0] == "a" else None)
        return result

    # --- writes ------------------------------------------------------------------------

    def save(self, records: list[CrewRecord]) -> None:
        self._run(self.asave(records))

    async def asave(self, records: list[CrewRecord]) -> None:
        if records:
            await self.handle.arun(self._put(records))

    def update(self, record: CrewRecord) -> None:
        self._run(self.aupdate(record))

    async def aupdate(self, record: CrewRecord) -> None:
        await self.handle.arun(self._put([record]))

    async def _put(self, records: Sequence[CrewRecord]) -> None:
        _check_batch(records)
        ids = await self._ids([r.id for r in records])
        writes = [self._write(r, i) for r, i in zip(records, ids, strict=False)]
        try:
            await self.engine.records.put(writes)
        except DimensionMismatchError as exc:
            raise _mismatch(exc) from exc

    def remember_inferred(self, text: str, like: CrewRecord) -> list[CrewRecord] | None:
        return self._run(self.aremember_inferred(text, like))

    async def aremember_inferred(self, text: str, like: CrewRecord) -> list[CrewRecord] | None:
        """Let the engine's LLM extract and reconcile facts from ``text`` in the bound scope
        (one call), then place the facts it added where ``like`` says (scope path,
        categories, importance, privacy). ``None`` when the engine has no LLM."""

        async def infer() -> list[CrewRecord] | None:
            engine = self.engine
            await engine.open()
            if engine.llm is None:
                return None
            added = await engine.add(
                text, infer=True, metadata=dict(like.metadata), scope=self.scope
            )
            ids = [e["id"] for e in added["results"] if e["event"] in ("ADD", "UPDATE")]
            facts = [adopt(r, like) for r in await engine.records.get(ids)]
            if facts:
                await engine.records.put([RecordWrite(r, r.text) for r in facts])
            return [to_crewai(r) for r in facts]

        result: list[CrewRecord] | None = await self.handle.arun(infer())
        return result

    def _write(self, record: CrewRecord, record_id: str) -> RecordWrite:
        """The engine embeds the text for its own search; CrewAI's vector goes to this
        storage's vector space. A record without one (``update`` of a record read back,
        ``EngineMemory``) keeps the vector it already has there."""
        vector = list(record.embedding) if record.embedding else None
        stored = to_engine(record, self.scope, record_id)
        return RecordWrite(stored, record.content, space=self.space, space_vector=vector)

    def touch_records(self, record_ids: list[str]) -> None:
        self._run(self.atouch_records(record_ids))

    async def atouch_records(self, record_ids: list[str]) -> None:
        """Bump ``last_accessed`` (CrewAI's ``recall`` calls it on what it returned)."""
        if not record_ids:
            return
        moment = datetime.utcnow()  # CrewAI's own clock: naive UTC

        async def touch() -> None:
            flt = self._where(engine_ids=await self._ids(record_ids))
            found = await self.engine.records.scan(flt, limit=len(record_ids))
            writes = [RecordWrite(with_last_accessed(r, moment), r.text) for r in found]
            if writes:
                await self.engine.records.put(writes)

        await self.handle.arun(touch())

    # --- deletes -----------------------------------------------------------------------

    def delete(
        self,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        record_ids: list[str] | None = None,
        older_than: datetime | None = None,
        metadata_filter: dict[str, Any] | None = None,
    ) -> int:
        return self._run(
            self.adelete(scope_prefix, categories, record_ids, older_than, metadata_filter)
        )

    async def adelete(
        self,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        record_ids: list[str] | None = None,
        older_than: datetime | None = None,
        metadata_filter: dict[str, Any] | None = None,
    ) -> int:
        if record_ids is not None and not record_ids:
            return 0

        async def delete() -> int:
            ids = None if record_ids is None else await self._ids(record_ids)
            flt = self._where(scope_prefix, categories, metadata_filter, older_than, ids)
            if not metadata_filter:
                return await self.engine.records.delete_where(flt)
            return await self._delete_exact(flt, metadata_filter)

        return await self.handle.arun(delete())

    async def _delete_exact(self, flt: FilterNode, metadata_filter: dict[str, Any]) -> int:
        """Metadata equality is exact in CrewAI: the kit narrows, the ids are checked here."""
        ids: list[str] = []
        offset = 0
        while True:
            page = await self.engine.records.scan(flt, limit=_PAGE, offset=offset)
            ids += [r.id for r in page if metadata_matches(r, metadata_filter)]
            if len(page) < _PAGE:
                break
            offset += _PAGE
        if not ids:
            return 0
        return await self.engine.records.delete_where(And((flt, Cond("id", "in", ids))))

    def reset(self, scope_prefix: str | None = None) -> None:
        self._run(self.areset(scope_prefix))

    async def areset(self, scope_prefix: str | None = None) -> None:
        """Forget a subtree; forgetting everything also forgets the vector space, so the
        next save may bring vectors of another dimension (a new CrewAI embedder)."""

        async def reset() -> None:
            await self.engine.records.delete_where(self._where(scope_prefix))
            if not split_scope(scope_prefix):
                await self.engine.records.drop_space(self.space)

        await self.handle.arun(reset())

    # --- reads -------------------------------------------------------------------------

    def search(
        self,
        query_embedding: list[float],
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[CrewRecord, float]]:
        return self._run(
            self.asearch(
                query_embedding, scope_prefix, categories, metadata_filter, limit, min_score
            )
        )

    async def asearch(
        self,
        query_embedding: list[float],
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        metadata_filter: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[CrewRecord, float]]:
        if not query_embedding or limit <= 0:
            return []
        flt = self._where(scope_prefix, categories, metadata_filter)
        wanted = limit * 3 if metadata_filter else limit  # exact metadata equality may drop some
        # best first, so CrewAI's inclusive ``score >= min_score`` is applied here without
        # losing any qualifying hit (a score of exactly 0.0 is a match in CrewAI)
        search = self.engine.records.search(
            None, flt, limit=wanted, query_vector=list(query_embedding), space=self.space
        )
        try:
            hits = await self.handle.arun(search)
        except DimensionMismatchError as exc:
            raise _mismatch(exc) from exc
        found = [
            (to_crewai(h.record), float(h.score))
            for h in hits
            if h.score >= min_score and metadata_matches(h.record, metadata_filter)
        ]
        return found[:limit]

    def search_text(
        self,
        query: str,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        *,
        limit: int = 10,
    ) -> list[tuple[CrewRecord, float]]:
        """The engine's hybrid search (its own embedder + BM25) inside a scope path."""
        return self._run(self.asearch_text(query, scope_prefix, categories, limit=limit))

    async def asearch_text(
        self,
        query: str,
        scope_prefix: str | None = None,
        categories: list[str] | None = None,
        *,
        limit: int = 10,
    ) -> list[tuple[CrewRecord, float]]:
        if not query or not query.strip() or limit <= 0:
            return []
        flt = self._where(scope_prefix, categories)
        hits = await self.handle.arun(self.engine.records.search(query, flt, limit=limit))
        return [(to_crewai(h.record), float(h.score)) for h in hits]

    def get_record(self, record_id: str) -> CrewRecord | None:
        return self._run(self._get(record_id))

    async def _get(self, record_id: str) -> CrewRecord | None:
        flt = self._where(engine_ids=await self._ids([record_id]))
        found = await self._scan(flt, limit=1)
        return to_crewai(found[0]) if found else None

    def list_records(
        self, scope_prefix: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[CrewRecord]:
        found = self._run(self._scan(self._where(scope_prefix), limit=limit, offset=offset))
        return [to_crewai(r) for r in found]

    async def _scan(self, flt: FilterNode, *, limit: int, offset: int = 0) -> list[MemoryRecord]:
        return await self.handle.arun(
            self.engine.records.scan(flt, limit=limit, offset=offset, newest_first=True)
        )

    def count(self, scope_prefix: str | None = None) -> int:
        return self._run(self.engine.records.count(self._where(scope_prefix)))

    def list_categories(self, scope_prefix: str | None = None) -> dict[str, int]:
        return self._run(self._facets("tags", scope_prefix))

    def list_scopes(self, parent: str = "/") -> list[str]:
        return self._run(self._children(split_scope(parent)))

    def get_scope_info(self, scope: str) -> ScopeInfo:
        return self._run(self._scope_info(split_scope(scope)))

    async def _scope_info(self, path: tuple[str, ...]) -> ScopeInfo:
        flt = self._where(join_scope(path))
        count = await self.handle.arun(self.engine.records.count(flt))
        if not count:
            return ScopeInfo(path=join_scope(path))
        categories = await self._facets("tags", join_scope(path))
        newest = await self._scan(flt, limit=1)
        oldest = await self._scan(flt, limit=1, offset=count - 1)
        return ScopeInfo(
            path=join_scope(path), record_count=count, categories=sorted(categories),
            oldest_record=to_crewai(oldest[0]).created_at if oldest else None,
            newest_record=to_crewai(newest[0]).created_at if newest else None,
            child_scopes=await self._children(path),
        )  # fmt: skip

    async def _facets(self, field: str, scope_prefix: str | None) -> dict[str, int]:
        facets: dict[str, int] = await self.handle.arun(
            self.engine.records.facets(field, self._where(scope_prefix))
        )
        return facets

    async def _children(self, path: tuple[str, ...]) -> list[str]:
        """Sorted immediate child scopes, from the path facets under ``path``."""
        counts = await self.handle.arun(
            self.engine.records.facets("path", self._where(join_scope(path)))
        )
        children = {join_scope((*path, label)) for label in paths.children(counts, path)}
        return sorted(children)

    def _where(self, scope_prefix: str | None = None, *args: Any, **kwargs: Any) -> FilterNode:
        return where(self.scope, scope_prefix, *args, **kwargs)

    # --- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the engine if this storage built it; a shared engine stays open."""
        self.handle.close()

    async def aclose(self) -> None:
        await self.handle.aclose()


def _space_name(scope: Scope) -> str:
    """One vector space per bound scope: a reset of one scope's space leaves others alone."""
    return "crewai_" + hashlib.sha256(scope.json_key().encode()).hexdigest()[:16]


def _check_batch(records: Sequence[CrewRecord]) -> None:
    """A batch mixing dimensions is refused before anything is written."""
    dims: int | None = None
    for record in records:
        if record.embedding:
            if dims is None:
                dims = len(record.embedding)
            elif len(record.embedding) != dims:
                raise EmbeddingDimensionMismatchError(dims, len(record.embedding))


def _mismatch(exc: DimensionMismatchError) -> EmbeddingDimensionMismatchError:
    """CrewAI's own error (a ValueError, not a RuntimeError, which CrewAI's background saves
    would drop silently), with the sizes the engine found."""
    return EmbeddingDimensionMismatchError(exc.existing, exc.configured)
