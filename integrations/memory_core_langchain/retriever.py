"""A LangChain ``BaseRetriever`` over a scope's memories.

    >>> import tempfile
    >>> from memory_core import Memory
    >>> memory = Memory.from_config({"home": tempfile.mkdtemp()})
    >>> _ = memory.add("Alice is vegetarian", user_id="alice")
    >>> retriever = MemoryRetriever(memory=memory, user_id="alice", k=3)
    >>> [doc.page_content for doc in retriever.invoke("what does Alice eat?")]
    ['Alice is vegetarian']
    >>> memory.close()

Each ``Document``'s ``page_content`` is the memory's text; its metadata carries the id, the
score, the scope, the timestamps and the validity window, plus the memory's own metadata.
``invoke(query, k=3)`` overrides ``k`` for one call. Sync and async calls both work over a
sync ``Memory`` or an ``AsyncMemory`` (the engine runs on its own loop either way).
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from memory_core import Scope
from memory_core.adapters import EngineHandle
from memory_core.types import MemoryItem, SearchResult
from memory_core_langchain._runtime import ScopeRule, ids_of

_TIMES = ("created_at", "updated_at", "valid_from", "valid_until", "expired_at")
_SCOPE_IDS = ("user_id", "agent_id", "run_id")


class MemoryRetriever(BaseRetriever):
    """Retrieve a scope's memories most relevant to a query, best first."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: Any = Field(default=None, exclude=True)
    """A ``Memory``, ``AsyncMemory``, ``EngineHandle`` or configuration (a new engine)."""
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    scope: Scope | None = None
    k: int = Field(default=4, ge=1)
    filters: dict[str, Any] | None = None
    threshold: float | None = None
    as_of: Any = None
    """See the past: only memories valid at this time (ISO string, datetime or epoch)."""
    _handle: EngineHandle = PrivateAttr()
    _scope: Scope = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        self._handle = EngineHandle.of(self.memory)
        rule = ScopeRule.of(
            self.scope, user_id=self.user_id, agent_id=self.agent_id, run_id=self.run_id
        )
        self._scope = rule.resolve(None, None, "MemoryRetriever")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        return _documents(self._handle.run(self._search(query, k)))

    async def _aget_relevant_documents(
        self,
        query: str,
        *,
        run_manager: AsyncCallbackManagerForRetrieverRun,
        k: int | None = None,
    ) -> list[Document]:
        return _documents(await self._handle.arun(self._search(query, k)))

    async def _search(self, query: str, k: int | None) -> SearchResult:
        return await self._handle.engine.search(
            query, limit=k or self.k, filters=self.filters, threshold=self.threshold,
            as_of=self.as_of, **ids_of(self._scope),
        )  # fmt: skip


def _documents(found: SearchResult) -> list[Document]:
    return [_document(item) for item in found["results"]]


def _document(item: MemoryItem) -> Document:
    metadata: dict[str, Any] = {
        "id": item["id"],
        "score": item.get("score"),
        "scope": {key: item[key] for key in _SCOPE_IDS if key in item},  # type: ignore[literal-required]
        "kind": item["kind"],
        **{key: item[key] for key in _TIMES},  # type: ignore[literal-required]
        "metadata": item["metadata"],
    }
    return Document(page_content=item["memory"], metadata=metadata, id=item["id"])
