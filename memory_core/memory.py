"""The engine, :class:`AsyncMemory` (its sync facade, ``Memory``, is in :mod:`memory_core.sync`).

    >>> import tempfile
    >>> from memory_core import Memory
    >>> with Memory.from_config({"home": tempfile.mkdtemp()}) as memory:
    ...     _ = memory.add("I moved to Lisbon last spring", user_id="alice")
    ...     hits = memory.search("Where does Alice live?", user_id="alice")["results"]
    ...     hits[0]["memory"]
    'I moved to Lisbon last spring'

Zero config runs fully in-process under ``MEMORY_CORE_HOME``: an embedded Qdrant shard,
SQLite history and journal, the local embedding model, and no LLM (messages are stored
verbatim). Every public call of :class:`Memory` has the same name and signature on
:class:`AsyncMemory`, awaited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Literal

from memory_core import ids
from memory_core.access import admits, by_id_scope, call_scope, check_source
from memory_core.checks import (
    TimeArg,
    check_metadata,
    check_page,
    check_search_args,
    epoch_or_none,
    is_uuid,
)
from memory_core.config import MemoryConfig, SearchConfig
from memory_core.embeddings.base import Embedder
from memory_core.embeddings.factory import create_embedder
from memory_core.errors import (
    ClosedError,
    ConfigError,
    GraphUnavailableError,
    InvalidInputError,
    LLMError,
    MemoryNotFoundError,
)
from memory_core.filters import Cond
from memory_core.home import Home
from memory_core.integrity import check_parts, id_scheme
from memory_core.llms.base import LLM, Usage
from memory_core.llms.factory import create_llm
from memory_core.pipeline import portable
from memory_core.pipeline.context import ConversationIndexer
from memory_core.pipeline.entities import EntityIndex, GraphSide
from memory_core.pipeline.graph import GraphPlanner
from memory_core.pipeline.importing import Imported, parse_record, write_batch
from memory_core.pipeline.infer import MemoryManager
from memory_core.pipeline.normalize import Message, normalize_messages
from memory_core.pipeline.planner import Planner
from memory_core.pipeline.plans import plan_erase, plan_erase_scope, plan_update
from memory_core.pipeline.procedural import summarize_with_llm, summarize_without_llm
from memory_core.pipeline.verbatim import embed_text_of, verbatim_drafts
from memory_core.pipeline.vision import describe_images
from memory_core.pipeline.writer import Writer
from memory_core.records import Records
from memory_core.retrieval.bm25 import Bm25Encoder
from memory_core.retrieval.graph import GraphRecaller
from memory_core.retrieval.recipes import resolve as resolve_search
from memory_core.retrieval.search import Retriever
from memory_core.scoping import (
    KINDS,
    TimeView,
    read_filter,
    record_filter,
    scope_filter,
    visible,
)
from memory_core.stores.factory import create_graph_store, create_vector_store
from memory_core.stores.graph.base import group_relations
from memory_core.stores.history import HistoryStore
from memory_core.stores.spaces import Spaces
from memory_core.stores.vector.base import Hit, VectorStore
from memory_core.timeutil import now
from memory_core.types import (
    AddEvent,
    AddResult,
    HistoryEntry,
    Kind,
    ListResult,
    MemoryItem,
    MemoryRecord,
    Provenance,
    Scope,
    SearchResult,
)

log = logging.getLogger("memory_core")

_PAGE = 256


class AsyncMemory:
    """The memory engine. Opens lazily on first use; ``async with`` closes it.

    >>> import asyncio, tempfile
    >>> async def demo():
    ...     async with AsyncMemory.from_config({"home": tempfile.mkdtemp()}) as memory:
    ...         await memory.add("Bob is allergic to peanuts", user_id="bob")
    ...         return (await memory.get_all(user_id="bob"))["results"][0]["memory"]
    >>> asyncio.run(demo())
    'Bob is allergic to peanuts'
    """

    def __init__(
        self,
        config: MemoryConfig | None = None,
        *,
        vector_store: VectorStore | None = None,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
    ) -> None:
        self.config = config or MemoryConfig()
        self._home = Home(self.config.home)
        self._given_store = vector_store
        self._given_embedder = embedder
        self._given_llm = llm
        self._open_lock = asyncio.Lock()
        self._home_loop: asyncio.AbstractEventLoop | None = None
        self._opened = False
        self._closed = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | MemoryConfig) -> AsyncMemory:
        """Build from a dict (Mem0's ``{"provider", "config"}`` sections work) or a config."""
        return cls(config if isinstance(config, MemoryConfig) else MemoryConfig(**config))

    # --- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        """Open the stores and replay unfinished writes. Called by every method if needed."""
        if self._closed:
            raise ClosedError()
        async with self._open_lock:
            if not self._opened:
                await self._open_stores()
                self._home_loop = asyncio.get_running_loop()
                self._opened = True

    async def _open_stores(self) -> None:
        # Whatever opened before a failure is closed again, in reverse order, so a failed
        # open (a locked home, a dimension mismatch) leaves no lock, thread or file behind.
        async with AsyncExitStack() as undo:
            self._home.acquire()
            undo.callback(self._home.release)
            self.embedder = self._given_embedder or create_embedder(
                self.config.embedder, self.config.home
            )
            self.store = self._given_store or create_vector_store(
                self.config.vector_store, self.config.home
            )
            self.history_store = HistoryStore(self.config.resolved_history_path)
            undo.push_async_callback(self.history_store.close)
            await self.history_store.open()
            if self._given_store is None:
                undo.push_async_callback(self.store.close)
            await self.store.open(await self.embedder.ensure_dims())
            bm25 = Bm25Encoder()
            self.graph = await self._open_graph(undo, bm25)
            self.writer = Writer(self.history_store, self.store, self.embedder, bm25, self.graph)
            self.writer.spaces = Spaces(self.config.vector_store, self.config.home)
            undo.push_async_callback(self.writer.spaces.close)
            self.retriever = Retriever(self.store, self.embedder, bm25, self.config.search)
            self.graph_recaller = GraphRecaller(self.graph) if self.graph else None
            self.llm = self._given_llm or (
                create_llm(self.config.llm) if self.config.llm is not None else None
            )
            manager = MemoryManager(self.llm, self.retriever, self.config.inference) if (
                self.llm is not None) else None  # fmt: skip
            graph_planner = GraphPlanner(
                self.graph.index, max_name_length=self.config.graph_store.max_name_length
            ) if self.graph else None  # fmt: skip
            context = ConversationIndexer(self.store, self.config.index)
            self.planner = Planner(self.writer, manager, graph_planner, context)
            replayed = await self.writer.replay()
            if replayed:
                log.warning("memory-core: applied %s unfinished write(s)", replayed)
            await check_parts(self.history_store, self.store, self._vector_dir())
            self.id_scheme = await id_scheme(self.history_store, self.store)
            undo.pop_all()  # opened: from here on close() owns everything

    def _vector_dir(self) -> Path | None:
        """The embedded vector store's directory (``None`` for a server or a given store)."""
        path = getattr(self.store, "path", None)
        embedded = self._given_store is None and self.config.vector_store.provider == "qdrant_edge"
        return Path(path) if embedded and path is not None else None

    async def _open_graph(self, undo: AsyncExitStack, bm25: Bm25Encoder) -> GraphSide | None:
        """The graph store and the entity collection, or ``None`` when the graph is off. A
        graph server that is down is not an error: the engine works without it meanwhile."""
        graph = create_graph_store(self.config.graph_store, self.config.home)
        if graph is None:
            return None
        entities = create_vector_store(self.config.vector_store, self.config.home, entities=True)
        undo.push_async_callback(entities.close)
        await entities.open(self.embedder.dims)
        undo.push_async_callback(graph.close)
        try:
            await graph.open()
        except GraphUnavailableError as exc:
            log.warning("memory-core: graph store unavailable, going on without it: %s", exc)
        index = EntityIndex(entities, self.embedder, bm25, self.config.graph_store.entity_threshold)
        await index.open()
        return GraphSide(graph, index)

    async def close(self) -> None:
        """Flush and release the stores and the home lock. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._opened:
            # A write in flight finishes first (a store closed under it would leave a journal
            # entry that a later open applies, though the call raised); later calls see
            # ClosedError before they journal anything.
            async with self.writer.lock:
                self.writer.closed = True  # a write queued behind close() journals nothing
                await self._close_stores()

    async def _close_stores(self) -> None:
        # Close what this engine built; a store or embedder passed in is the caller's.
        if self._given_store is None:
            await self.store.close()
        if self.writer.spaces is not None:
            await self.writer.spaces.close()
        if self.graph is not None:
            await self.graph.index.store.close()
            await self.graph.store.close()
        await self.history_store.close()
        if self._given_embedder is None:
            await self.embedder.close()
        if self._given_llm is None and self.llm is not None:
            await self.llm.close()
        self._home.release()

    async def __aenter__(self) -> AsyncMemory:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def home_loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the engine was opened on (``None`` before it opens). Its locks and
        async clients belong to that loop: every call must run there
        (:class:`~memory_core.adapters.EngineHandle` sees to it for adapters)."""
        return self._home_loop

    @property
    def records(self) -> Records:
        """Keyed, exact record access for adapters (see :mod:`memory_core.records`)."""
        return Records(self)

    async def _ready(self) -> None:
        if self._closed:
            raise ClosedError()
        if not self._opened:
            await self.open()
        ids.use(self.id_scheme)  # this call derives ids under its home's scheme

    # --- add -----------------------------------------------------------------------------

    async def add(
        self,
        messages: str | Mapping[str, Any] | Sequence[Any],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        metadata: Mapping[str, Any] | None = None,
        infer: bool = True,
        valid_from: TimeArg = None,
        source: Mapping[str, Any] | Provenance | None = None,
        memory_type: Literal["procedural"] | None = None,
    ) -> AddResult:
        """Remember ``messages`` for a scope; returns Mem0-style ``{"results": [events]}``.

        Without an LLM configured (the offline default), or with ``infer=False``, each
        non-system message is stored verbatim. The same message twice in a scope is one
        memory (event ``NONE`` the second time), even when the writes race.

        With an LLM and ``infer=True``, ONE call extracts facts and reconciles them with the
        scope's memories (ADD / UPDATE supersedes / DELETE invalidates / NONE).

        ``memory_type="procedural"`` turns an agent's run (messages, tool calls, tool
        results) into one ``procedure`` memory for ``agent_id`` and ``metadata["task"]``;
        written by the LLM when there is one, else built from the trace.

        ``source`` is provenance kept with the memory; the keys the framework adapters own
        (``framework``, ``thread_id``, ``namespace``, ``key``…) are refused in a plain dict.
        """
        await self._ready()
        scope = call_scope(scope, user_id, agent_id, run_id).require("add")
        source = check_source(source)
        if memory_type is not None:
            return await self._add_procedure(messages, scope, metadata, infer, source, memory_type)
        parsed = normalize_messages(messages, max_length=self.config.max_text_length)
        for message in parsed:
            check_metadata(message.metadata)
        meta = check_metadata(metadata)
        vision_usage = None
        vision_on = self.config.inference.enable_vision and self.llm is not None
        if vision_on and self.llm is not None and any(m.images for m in parsed):
            parsed, vision_usage = await describe_images(
                parsed, self.llm, prompts=self.config.inference.prompts,
                custom_instructions=self.config.inference.custom_instructions,
            )  # fmt: skip
        result = await self._add_parsed(parsed, scope, meta, infer, valid_from, source)
        if vision_usage is not None:
            result["usage"] = (vision_usage + Usage.from_dict(result.get("usage", {}))).as_dict()
        return result

    async def _add_parsed(
        self,
        parsed: list[Message],
        scope: Scope,
        meta: dict[str, Any],
        infer: bool,
        valid_from: TimeArg,
        source: Mapping[str, Any] | None,
    ) -> AddResult:
        said_at = epoch_or_none(valid_from, "valid_from")
        drafts = verbatim_drafts(
            parsed, scope, meta, now(), valid_from=said_at, source=source,
            index=self.config.index,
        )  # fmt: skip
        if not infer or self.planner.manager is None:
            return await self.planner.add_verbatim(drafts)
        try:
            return await self.planner.add_inferred(
                parsed, scope, metadata=meta, source=source, said_at=said_at
            )
        except LLMError as exc:
            if self.config.inference.on_llm_error == "raise":
                raise
            log.warning("memory-core: LLM failed, storing the messages verbatim: %s", exc)
            result = await self.planner.add_verbatim(drafts)
            result["fallback"] = {"mode": "verbatim", "reason": str(exc)}
            if exc.usage is not None:  # what the failed calls cost
                result["usage"] = exc.usage
            return result

    async def _add_procedure(
        self,
        trace: Any,
        scope: Scope,
        metadata: Mapping[str, Any] | None,
        infer: bool,
        source: Mapping[str, Any] | None,
        memory_type: str,
    ) -> AddResult:
        if memory_type != "procedural":
            raise InvalidInputError(
                f"memory_type must be 'procedural' or None, got {memory_type!r}."
            )
        if scope.agent_id is None:
            raise InvalidInputError(
                "A procedural memory belongs to an agent: pass agent_id= (and optionally "
                "user_id= / run_id=)."
            )
        meta = check_metadata(metadata)
        task = meta.get("task")
        if task is not None and (not isinstance(task, str) or not task.strip()):
            raise InvalidInputError("metadata['task'] must be a non-empty string when given.")
        inference = self.config.inference
        usage, fallback = None, None
        if infer and self.llm is not None:
            try:
                summary, usage = await summarize_with_llm(
                    self.llm, trace, task, custom_instructions=inference.custom_instructions,
                    prompts=inference.prompts,
                )  # fmt: skip
            except LLMError as exc:
                if inference.on_llm_error == "raise":
                    raise
                log.warning("memory-core: LLM failed, summarising the run from its trace: %s", exc)
                summary, fallback = summarize_without_llm(trace, task), str(exc)
        else:
            summary = summarize_without_llm(trace, task)
        result = await self.planner.add_procedure(summary, scope, metadata=meta, source=source)
        if usage is not None:
            result["usage"] = usage.as_dict()
        if fallback is not None:
            result["fallback"] = {"mode": "trace", "reason": fallback}
        return result

    # --- read ----------------------------------------------------------------------------

    async def search(
        self,
        query: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        limit: int = 10,
        offset: int = 0,
        filters: Mapping[str, Any] | None = None,
        threshold: float | None = None,
        as_of: TimeArg = None,
        include_expired: bool = False,
        kind: Kind | None = None,
        query_vector: Sequence[float] | None = None,
        config: SearchConfig | str | Mapping[str, Any] | None = None,
    ) -> SearchResult:
        """Hybrid search (dense + BM25, fused) within a scope; best first. Memories of every
        kind, or only ``kind``; an adapter's ``transcript`` records only when asked for.

        ``query_vector`` skips embedding the query (it must come from the same model).
        ``config`` replaces the search configuration for this call: a recipe name
        (``"bm25"``, ``"dense"``, ``"rrf"``… see :mod:`memory_core.retrieval.recipes`), a
        ``SearchConfig`` or a dict of its fields. The engine's defaults stay as they are.
        """
        await self._ready()
        per_call = resolve_search(config, default=self.config.search)
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError("search() needs a non-empty query string.")
        check_search_args(query, threshold, query_vector, self.embedder.dims)
        check_page(limit, offset)
        scope = call_scope(scope, user_id, agent_id, run_id).require("search")
        view = TimeView.of(as_of, include_expired)
        flt = read_filter(scope, filters, view, kind)
        recall = await self.graph_recaller.recall(query, scope, view) if (
            self.graph_recaller) else None  # fmt: skip
        scored = await self.retriever.search(
            query, flt, limit=limit, offset=offset, threshold=threshold,
            query_vector=query_vector, graph=recall.scores if recall else None, config=per_call,
        )  # fmt: skip
        result: SearchResult = {"results": [s.record.to_item(s.score) for s in scored]}
        if recall is not None:
            result["relations"] = recall.relations
            if recall.skipped:
                result["graph"] = {"status": "skipped", "reason": recall.skipped}
        return result

    async def relations(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        as_of: TimeArg = None,
        include_expired: bool = False,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """A scope's relations (current ones unless ``as_of`` / ``include_expired``)."""
        await self._ready()
        check_page(limit, 0)
        scope = call_scope(scope, user_id, agent_id, run_id).require("relations")
        if self.graph is None:
            raise ConfigError("The graph is off (graph_store provider 'none'): no relations.")
        view = TimeView.of(as_of, include_expired)
        return group_relations(await self.graph.store.edges(scope.ids(), view, limit=limit))

    async def get(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> MemoryItem | None:
        """One memory by id, current or not; ``None`` when there is none (as Mem0 answers).

        With a scope (``scope=`` or the keyword ids) an id outside it is "not found" too; a
        user-level scope admits that user's agent and run sub-scopes, as reads do.
        """
        record = await self._find(memory_id, by_id_scope(scope, user_id, agent_id, run_id))
        return None if record is None else record.to_item()

    async def get_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = 100,
        offset: int = 0,
        cursor: str | None = None,
        as_of: TimeArg = None,
        include_expired: bool = False,
        kind: Kind | None = None,
    ) -> ListResult:
        """A scope's memories in a stable order (by id). Page with ``offset``, or pass the
        returned ``next_cursor`` as ``cursor``. As :meth:`search`, ``transcript`` records
        only with ``kind="transcript"``."""
        await self._ready()
        check_page(limit, offset)
        scope = call_scope(scope, user_id, agent_id, run_id).require("get_all")
        flt = read_filter(scope, filters, TimeView.of(as_of, include_expired), kind)
        wanted = offset + limit + 1  # one more than returned, to know the next cursor
        hits: list[Hit] = []
        position = cursor
        while len(hits) < wanted:
            page, position = await self.store.scroll(flt, min(_PAGE, wanted - len(hits)), position)
            hits.extend(page)
            if position is None:
                break
        shown = hits[offset : offset + limit]
        next_cursor = hits[offset + limit].id if len(hits) > offset + limit else None
        return {
            "results": [MemoryRecord.from_payload(h.id, h.payload).to_item() for h in shown],
            "next_cursor": next_cursor,
        }

    async def procedures(
        self,
        agent_id: str | None = None,
        *,
        task: str | None = None,
        user_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        include_expired: bool = False,
        limit: int = 100,
    ) -> ListResult:
        """An agent's procedures (current ones unless ``include_expired``), for one task or
        all. The agent is ``agent_id`` or ``scope.agent_id``."""
        within = call_scope(scope, user_id, agent_id, run_id)
        if within.agent_id is None:
            raise InvalidInputError("procedures() needs an agent: agent_id= or scope.agent_id.")
        return await self.get_all(
            scope=within, kind="procedure", limit=limit, include_expired=include_expired,
            filters={"task": task} if task is not None else None,
        )  # fmt: skip

    async def history(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> list[HistoryEntry]:
        """Every event of a memory, oldest first. Raises :class:`MemoryNotFoundError` if the
        id was never seen (in the scope, if one is given)."""
        await self._ready()
        within = by_id_scope(scope, user_id, agent_id, run_id)
        rows = await self.history_store.history(memory_id, within.ids() if within else None)
        if not rows:
            raise MemoryNotFoundError(memory_id)
        return rows

    # --- change and erase ----------------------------------------------------------------

    async def update(
        self,
        memory_id: str,
        text: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> AddEvent:
        """Change a memory's text (and optionally replace its metadata) in place; the old
        text stays in its history. Raises :class:`MemoryNotFoundError` for an id that does not
        exist (in the scope, if one is given)."""
        await self._ready()
        within = by_id_scope(scope, user_id, agent_id, run_id)
        [message] = normalize_messages(text, max_length=self.config.max_text_length)
        meta = None if metadata is None else check_metadata(metadata)
        embed_text = embed_text_of(message.content, None)
        [vector] = await self.embedder.embed_documents([embed_text])
        async with self.writer.lock:
            old = await self._record(memory_id, within)
            op, plan = plan_update(old, message.content, meta, at=now())
            if op.embed_text != embed_text:  # the speaker is part of what is embedded
                [vector] = await self.embedder.embed_documents([op.embed_text])
            await plan.commit(self.writer, vectors={memory_id: vector})
        new = op.record
        return {"id": memory_id, "memory": new.text, "event": "UPDATE", "previous_memory": old.text}

    async def delete(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> dict[str, Any]:
        """Erase one memory for real: its vectors, and its text in history. Raises
        :class:`MemoryNotFoundError` for an id that does not exist (in the scope, if given)."""
        await self._ready()
        within = by_id_scope(scope, user_id, agent_id, run_id)
        async with self.writer.lock:
            record = await self._record(memory_id, within)
            plan = plan_erase([record], graph=self.graph is not None)
            skipped = await plan.commit(self.writer)
        return _with_graph({"id": memory_id, "message": "Memory deleted successfully!"}, skipped)

    async def delete_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
    ) -> dict[str, Any]:
        """Erase every memory of a scope (and sub-scopes) for real, history text included."""
        await self._ready()
        scope = call_scope(scope, user_id, agent_id, run_id).require("delete_all")
        async with self.writer.lock:
            count = await self.store.count(scope_filter(scope))
            skipped = await plan_erase_scope(scope.ids()).commit(self.writer)
        return _with_graph({"message": f"Deleted {count} memories.", "deleted": count}, skipped)

    async def reset(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        everything: bool = False,
    ) -> dict[str, Any]:
        """Wipe a scope — memories and history rows. Wiping the whole home must be asked for
        with ``everything=True`` (and no scope)."""
        await self._ready()
        scope = call_scope(scope, user_id, agent_id, run_id)
        if everything and not scope.empty:
            raise InvalidInputError("reset(): pass a scope or everything=True, not both.")
        if not everything and scope.empty:
            raise InvalidInputError(
                "reset() without a scope would wipe every user's memories. Pass user_id=, "
                "agent_id= or run_id= to reset one scope, or everything=True to wipe all."
            )
        async with self.writer.lock:
            count = await self.store.count(scope_filter(scope))
            plan = plan_erase_scope(None if everything else scope.ids(), drop_rows=True)
            skipped = await plan.commit(self.writer)
            if everything and not skipped:  # else the graph's deferred wipe must stay journaled
                await self.history_store.clear_all()
        return _with_graph({"message": f"Reset {count} memories.", "deleted": count}, skipped)

    # --- bulk ----------------------------------------------------------------------------

    async def import_records(self, records: Iterable[Mapping[str, Any] | MemoryRecord]) -> int:
        """Write whole records as they are (ids, times, validity kept): the lossless half of
        export/import. A ``"vector"`` key, if present, is used instead of embedding. Returns
        how many were written; records already stored exactly as given are skipped."""
        await self._ready()
        count = 0
        batch: list[Imported] = []
        for raw in records:
            batch.append(parse_record(raw, self.config.max_text_length))
            if len(batch) >= _PAGE:
                count += await write_batch(self.writer, self.embedder.dims, batch)
                batch = []
        return count + await write_batch(self.writer, self.embedder.dims, batch)

    async def export_records(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        include_expired: bool = True,
    ) -> AsyncIterator[MemoryRecord]:
        """Every record of a scope (of the whole home when no scope is given), by id."""
        await self._ready()
        scope = call_scope(scope, user_id, agent_id, run_id)
        flt = record_filter(scope, TimeView.of(None, include_expired))
        cursor: str | None = None
        while True:
            page, cursor = await self.store.scroll(flt, _PAGE, cursor)
            for hit in page:
                yield MemoryRecord.from_payload(hit.id, hit.payload)
            if cursor is None:
                return

    async def export_dump(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        include_expired: bool = True,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every record of a scope (of the whole home when none is given) as an export line:
        its fields plus its ``history`` rows and graph ``relations``, which
        :meth:`import_records` writes back as they were — the lossless round trip."""
        await self._ready()
        scope = call_scope(scope, user_id, agent_id, run_id)
        edges = await portable.relations_by_memory(self.graph, scope.ids())
        async for record in self.export_records(scope=scope, include_expired=include_expired):
            yield await portable.dump(record, self.history_store, edges.get(record.id, []))

    async def stats(self) -> dict[str, Any]:
        """Counts and where things live."""
        await self._ready()
        by_kind = {k: await self.store.count(Cond("kind", "eq", k)) for k in KINDS}
        return {
            "home": str(self.config.home),
            "vector_store": self.store.name,
            "embedder": self.embedder.model_name,
            "dims": self.embedder.dims,
            "memories": await self.store.count(None),
            "current": await self.store.count(visible()),
            "by_kind": by_kind,
            "graph_store": self.graph.store.name if self.graph else None,
            **await self.history_store.counts(),
        }

    # --- conversations handed over -------------------------------------------------------

    async def handed_over(self, conversation: str) -> set[str]:
        """The ids of the messages of ``conversation`` already handed over to form memories
        (recorded by :meth:`record_handover`), so a restart neither loses nor re-infers one."""
        await self._ready()
        return await self.history_store.handed_over(conversation)

    async def record_handover(self, conversation: str, message_ids: Iterable[str]) -> None:
        """Record that these messages of ``conversation`` have formed memories."""
        await self._ready()
        await self.history_store.record_handover(conversation, list(message_ids))

    async def quarantined(self) -> list[dict[str, Any]]:
        """Journal entries set aside because they can never be applied (each with its
        ``cause``); ``stats()["journal_quarantined"]`` counts them."""
        await self._ready()
        return await self.history_store.quarantined()

    async def purge_quarantined(self, ids: Sequence[int] | None = None) -> int:
        """Drop quarantined entries (those ``ids``, or all); returns how many."""
        await self._ready()
        return await self.history_store.purge_quarantine(None if ids is None else list(ids))

    # --- helpers -------------------------------------------------------------------------

    async def _record(self, memory_id: str, within: Scope | None = None) -> MemoryRecord:
        record = await self._find(memory_id, within)
        if record is None:
            raise MemoryNotFoundError(memory_id)
        return record

    async def _find(self, memory_id: str, within: Scope | None) -> MemoryRecord | None:
        """The record with this id, if there is one inside ``within`` (anywhere if ``None``)."""
        await self._ready()
        if not isinstance(memory_id, str) or not memory_id:
            raise InvalidInputError("memory_id must be a non-empty string.")
        hits = await self.store.retrieve([memory_id]) if is_uuid(memory_id) else []
        if not hits or not admits(within, hits[0].payload):
            return None
        return MemoryRecord.from_payload(hits[0].id, hits[0].payload)


def _with_graph(result: dict[str, Any], skipped: str | None) -> dict[str, Any]:
    if skipped:
        result["graph"] = {"status": "skipped", "reason": skipped}
    return result
