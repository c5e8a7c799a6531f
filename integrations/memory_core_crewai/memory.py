"""``EngineMemory``: CrewAI's ``Memory`` whose writes and recall are the engine's.

    >>> from crewai.memory.unified_memory import Memory
    >>> issubclass(EngineMemory, Memory)
    True

CrewAI's own ``Memory`` runs a second pipeline (an LLM that infers scope, categories and
importance, consolidation, an LLM-driven recall flow) over its storage. ``EngineMemory``
keeps CrewAI's surface (scope and slice views, ``info``, ``list_scopes``, private records,
``drain_writes``, ``reset``, ``close``) and hands the work to the engine: ``remember`` writes
engine memories under CrewAI's scope path (verbatim when the engine has no LLM: offline),
``recall`` is the engine's hybrid search (dense + BM25) inside that path, ``forget`` erases
through the same records. Nothing here needs CrewAI's LLM or an OpenAI key.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from crewai.events.event_bus import crewai_event_bus
from crewai.events.types.memory_events import (
    MemoryQueryCompletedEvent,
    MemoryQueryFailedEvent,
    MemoryQueryStartedEvent,
)
from crewai.memory.types import MemoryMatch
from crewai.memory.types import MemoryRecord as CrewRecord
from crewai.memory.unified_memory import Memory
from crewai.memory.utils import join_scope_paths
from pydantic import Field

from memory_core.errors import ConfigError
from memory_core_crewai.embedder import EngineEmbedder
from memory_core_crewai.storage import MemoryCoreStorage


class EngineMemory(Memory):
    """A CrewAI ``Memory`` over the engine: ``EngineMemory(memory=m, user_id="team")``.

    Takes every keyword ``crewai.Memory`` takes. ``memory`` and the scope ids choose the
    engine and whose memories these are (as for :class:`MemoryCoreStorage`); ``storage`` may
    instead be a ready ``MemoryCoreStorage``. Without ``embedder`` CrewAI's own embedding
    needs (``update(content=...)``) use the engine's embedder, so nothing calls OpenAI.
    """

    memory: Any = Field(default=None, exclude=True)
    infer: bool = Field(
        default=True,
        description="With an LLM configured for the engine, let it extract and reconcile "
        "facts on remember (one call); without one, or False, content is stored verbatim.",
    )
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None

    def __init__(self, **data: Any) -> None:
        storage = data.get("storage")
        if storage is not None and not isinstance(storage, MemoryCoreStorage):
            raise ConfigError(  # before pydantic, which would wrap it in a ValidationError
                f"EngineMemory keeps its records in the engine, so storage= must be a "
                f"MemoryCoreStorage, not {storage!r}. Pass memory= and the scope ids, "
                "or use crewai.Memory(storage=...) for another backend."
            )
        super().__init__(**data)

    def model_post_init(self, __context: Any) -> None:
        if not isinstance(self.storage, MemoryCoreStorage):
            self.storage = MemoryCoreStorage(
                self.memory, user_id=self.user_id, agent_id=self.agent_id, run_id=self.run_id
            )
        if self.embedder is None:
            self.embedder = EngineEmbedder(self.storage.handle)
        super().model_post_init(__context)

    @property
    def engine_storage(self) -> MemoryCoreStorage:
        storage = self._storage
        assert isinstance(storage, MemoryCoreStorage)
        return storage

    # --- writing -------------------------------------------------------------------------

    def remember(
        self,
        content: str,
        scope: str | None = None,
        categories: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        importance: float | None = None,
        source: str | None = None,
        private: bool = False,
        agent_role: str | None = None,
        root_scope: str | None = None,
    ) -> CrewRecord | None:
        """Store ``content`` as one engine memory under ``scope``; returns CrewAI's record."""
        if self.read_only:
            return None
        root = root_scope if root_scope is not None else self.root_scope
        future = self._submit_save(
            self._write, [content], scope, categories, metadata, importance, source, private, root
        )
        records: list[CrewRecord] = future.result()
        return records[0] if records else None

    def remember_many(
        self,
        contents: list[str],
        scope: str | None = None,
        categories: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        importance: float | None = None,
        source: str | None = None,
        private: bool = False,
        agent_role: str | None = None,
        root_scope: str | None = None,
    ) -> list[CrewRecord]:
        """Store in the background, as CrewAI does; ``recall`` and ``drain_writes`` wait."""
        if not contents or self.read_only:
            return []
        root = root_scope if root_scope is not None else self.root_scope
        self._submit_save(
            self._write, contents, scope, categories, metadata, importance, source, private, root
        )
        return []

    def _write(
        self,
        contents: list[str],
        scope: str | None,
        categories: list[str] | None,
        metadata: dict[str, Any] | None,
        importance: float | None,
        source: str | None,
        private: bool,
        root_scope: str | None,
    ) -> list[CrewRecord]:
        like = CrewRecord(
            content="-", scope=join_scope_paths(root_scope, scope),
            categories=list(categories or []), metadata=dict(metadata or {}), source=source,
            private=private,
            importance=self.default_importance if importance is None else importance,
        )  # fmt: skip
        texts = [text for text in contents if text and text.strip()]
        storage = self.engine_storage
        first = storage.remember_inferred(texts[0], like) if self.infer and texts else None
        if first is not None:  # the engine has an LLM: it decides what each text is worth
            rest = [storage.remember_inferred(text, like) or [] for text in texts[1:]]
            return first + [fact for facts in rest for fact in facts]
        records = [like.model_copy(update={"content": t, "id": str(uuid.uuid4())}) for t in texts]
        self._storage.save(records)
        return records

    def extract_memories(self, content: str) -> list[str]:
        """The engine decides what to keep when it writes, so the content goes through whole."""
        return [content] if content and content.strip() else []

    async def aextract_memories(self, content: str) -> list[str]:
        return self.extract_memories(content)

    async def aremember(
        self,
        content: str,
        scope: str | None = None,
        categories: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        importance: float | None = None,
        source: str | None = None,
        private: bool = False,
    ) -> CrewRecord | None:
        if self.read_only:
            return None
        future = self._submit_save(
            self._write, [content], scope, categories, metadata, importance, source, private,
            self.root_scope,
        )  # fmt: skip
        records: list[CrewRecord] = await asyncio.wrap_future(future)
        return records[0] if records else None

    async def aremember_many(
        self,
        contents: list[str],
        scope: str | None = None,
        categories: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        importance: float | None = None,
        source: str | None = None,
        private: bool = False,
        agent_role: str | None = None,
    ) -> list[CrewRecord]:
        return self.remember_many(
            contents, scope, categories, metadata, importance, source, private, agent_role
        )

    # --- recall --------------------------------------------------------------------------

    def recall(
        self,
        query: str,
        scope: str | None = None,
        categories: list[str] | None = None,
        limit: int = 10,
        depth: Literal["shallow", "deep"] = "deep",
        source: str | None = None,
        include_private: bool = False,
    ) -> list[MemoryMatch]:
        """The engine's hybrid search within the scope path; ``depth`` makes no difference
        (there is no LLM-driven recall flow). Private records follow CrewAI's rule."""
        self.drain_writes()
        with self._reported(query, limit) as found:
            hits = self.engine_storage.search_text(
                query, self._effective(scope), categories, limit=limit * 2
            )
            found += self._matches(hits, limit, source, include_private)
        return found

    async def arecall(
        self,
        query: str,
        scope: str | None = None,
        categories: list[str] | None = None,
        limit: int = 10,
        depth: Literal["shallow", "deep"] = "deep",
        source: str | None = None,
        include_private: bool = False,
    ) -> list[MemoryMatch]:
        await asyncio.to_thread(self.drain_writes)
        with self._reported(query, limit) as found:
            hits = await self.engine_storage.asearch_text(
                query, self._effective(scope), categories, limit=limit * 2
            )
            found += self._matches(hits, limit, source, include_private)
        return found

    @contextmanager
    def _reported(self, query: str, limit: int) -> Iterator[list[MemoryMatch]]:
        """CrewAI's query events around a recall, as its own Memory emits them."""
        kind = "unified_memory"
        crewai_event_bus.emit(
            self, MemoryQueryStartedEvent(query=query, limit=limit, source_type=kind)
        )
        start = time.perf_counter()
        found: list[MemoryMatch] = []
        try:
            yield found
        except Exception as exc:
            failed = MemoryQueryFailedEvent(query=query, limit=limit, error=str(exc),
                                            source_type=kind)  # fmt: skip
            crewai_event_bus.emit(self, failed)
            raise
        elapsed = (time.perf_counter() - start) * 1000
        done = MemoryQueryCompletedEvent(query=query, results=found, limit=limit,
                                         query_time_ms=elapsed, source_type=kind)  # fmt: skip
        crewai_event_bus.emit(self, done)

    def _matches(
        self,
        hits: list[tuple[CrewRecord, float]],
        limit: int,
        source: str | None,
        include_private: bool,
    ) -> list[MemoryMatch]:
        visible = [
            MemoryMatch(record=record, score=score, match_reasons=["semantic"])
            for record, score in hits
            if include_private or _visible(record, source)
        ][:limit]
        if visible and not self.read_only:
            self.engine_storage.touch_records([m.record.id for m in visible])
        return visible

    def _effective(self, scope: str | None) -> str | None:
        if scope is None:
            return self.root_scope or None
        return join_scope_paths(self.root_scope, scope) if self.root_scope else scope


def _visible(record: CrewRecord, source: str | None) -> bool:
    """CrewAI's rule: a private record only for its own source (never for ``source=None``)."""
    return not record.private or (source is not None and record.source == source)
