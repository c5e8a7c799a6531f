"""``MemoryStore``: LangGraph's ``BaseStore`` over the memory-core engine.

    >>> import tempfile
    >>> from memory_core_langgraph import MemoryStore
    >>> store = MemoryStore({"home": tempfile.mkdtemp()})
    >>> store.put(("memories", "alice"), "food", {"content": "Alice is vegetarian"})
    >>> store.get(("memories", "alice"), "food").value
    {'content': 'Alice is vegetarian'}
    >>> [item.key for item in store.search(("memories", "alice"), query="what does she eat?")]
    ['food']
    >>> store.call(store.engine.search("diet", user_id="alice"))["results"][0]["memory"]
    'Alice is vegetarian'
    >>> store.close()

A drop-in for ``InMemoryStore`` / ``PostgresStore`` with LangGraph's semantics (``get`` after
``put`` returns the value as given; namespace prefixes, value filters, ``list_namespaces``,
``index`` fields, TTL), plus what the engine adds: namespaces are engine scopes
(:mod:`~memory_core_langgraph.namespaces`), so items are memories every other adapter finds;
``query`` without an ``index`` is served by the engine's own hybrid search; writes made in a
graph run are stamped with its thread and checkpoint, and reads made in a run hide what
branches abandoned by time travel wrote (:mod:`~memory_core_langgraph.stamps`).

Differences, on purpose: with several ``index`` fields an item is embedded once (their texts
joined), not once per field; a search without ``query`` lists items in a stable order (by
engine id), not insertion order; filters compare scalars (not lists or whole objects).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Coroutine, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings
from langchain_core.messages import BaseMessage, convert_to_openai_messages
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.store.base import (
    BaseStore,
    GetOp,
    IndexConfig,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    TTLConfig,
    ensure_embeddings,
    validate_op_namespace,
)

from memory_core.checks import is_uuid
from memory_core.config import MemoryConfig
from memory_core.filters import And, Cond, FilterNode, IsEmpty, Not, Or, and_
from memory_core.memory import AsyncMemory
from memory_core.records import RecordWrite, keyed_record
from memory_core.sync import LoopThread, Memory
from memory_core.timeutil import now
from memory_core.types import MemoryRecord, Provenance, Scope
from memory_core_langgraph.embeddings import LangChainEmbedder
from memory_core_langgraph.items import (
    FRAMEWORK,
    index_text,
    prefix_filter,
    prefixes,
    stored_namespace,
    to_item,
    value_filter,
)
from memory_core_langgraph.namespaces import DEFAULT_SCOPE, DEFAULT_TEMPLATES, NamespaceMap
from memory_core_langgraph.stamps import (
    Lineages,
    RunContext,
    current_run,
    hide_filter,
    on_branch,
)

log = logging.getLogger("memory_core")
T = TypeVar("T")
EngineArg = Memory | AsyncMemory | MemoryConfig | Mapping[str, Any] | None
_ALL = 1_000_000  # "every namespace": list_namespaces reads them all, then pages


class MemoryStore(BaseStore):
    """LangGraph ``BaseStore`` over a memory-core engine (see the module docs).

    ``memory``: a :class:`~memory_core.Memory`, an :class:`~memory_core.AsyncMemory` (native
    async; sync calls then run on a private loop thread), or a config / config dict for a new
    engine this store owns (``None``: the default home). ``index``: LangGraph's
    ``IndexConfig``. ``ttl``: LangGraph's ``TTLConfig``. ``namespaces``: the namespace
    templates (default ``("memories", "{user_id}")``, ``("agents", "{agent_id}")``,
    ``("threads", "{run_id}")``). ``checkpointer``: where run lineages are read (default: the
    running graph's). ``infer``: namespace prefixes (``*`` matches a label) where putting
    ``{"messages": [...]}`` runs the engine's LLM memory manager instead of storing verbatim.
    """

    supports_ttl = True

    def __init__(
        self,
        memory: EngineArg = None,
        *,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        namespaces: Sequence[Sequence[str]] = DEFAULT_TEMPLATES,
        default_scope: Scope = DEFAULT_SCOPE,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        hide_abandoned: bool = True,
        infer: Sequence[Sequence[str]] = (),
    ) -> None:
        self.index_config = dict(index) if index else None
        self.embeddings: Embeddings | None = None
        self._fields: list[str] | None = None
        if index:
            self.embeddings = ensure_embeddings(index.get("embed"))
            self._fields = list(index.get("fields") or ["$"])
        self.ttl_config = ttl
        self.namespaces = NamespaceMap(namespaces, default_scope)
        self.checkpointer = checkpointer
        self.hide_abandoned = hide_abandoned
        self.infer = [tuple(p) for p in infer]
        self._lineages = Lineages()
        self._facade: Memory | None = None
        self._loop: LoopThread | None = None
        self._owned = not isinstance(memory, Memory | AsyncMemory)
        self._sweeper: tuple[threading.Thread, threading.Event] | None = None
        if isinstance(memory, Memory):
            self._facade, self.engine = memory, memory.engine
        elif isinstance(memory, AsyncMemory):
            self.engine = memory
        else:
            self.engine = self._new_engine(memory, index)

    def _new_engine(
        self, memory: MemoryConfig | Mapping[str, Any] | None, index: Any
    ) -> AsyncMemory:
        config = memory if isinstance(memory, MemoryConfig) else MemoryConfig(**(memory or {}))
        embedder = None
        if self.embeddings is not None:
            embedder = LangChainEmbedder(self.embeddings, int(index["dims"]))
        return AsyncMemory(config, embedder=embedder)

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run an engine coroutine from sync code, where this store runs its sync calls:
        ``store.call(store.engine.search("diet", user_id="alice"))``."""
        return self._run_sync(coro)

    # --- lifecycle, TTL and threads ----------------------------------------------------

    def sweep_ttl(self) -> int:
        """Erase the items whose TTL has passed; returns how many."""
        return self._run_sync(self.engine.records.sweep())

    async def asweep_ttl(self) -> int:
        return await self._run_async(self.engine.records.sweep())

    def start_ttl_sweeper(self, sweep_interval_minutes: float | None = None) -> None:
        """Sweep expired items in a background thread every ``sweep_interval_minutes``
        (default: ``ttl["sweep_interval_minutes"]``, else 5)."""
        if self._sweeper is not None:
            return
        minutes = sweep_interval_minutes or (self.ttl_config or {}).get("sweep_interval_minutes")
        stop = threading.Event()
        thread = threading.Thread(
            target=self._sweep_loop, args=(stop, float(minutes or 5) * 60),
            name="memory-core-ttl-sweeper", daemon=True,
        )  # fmt: skip
        self._sweeper = (thread, stop)
        thread.start()

    def stop_ttl_sweeper(self, timeout: float | None = None) -> bool:
        """Stop the background sweeper; returns whether it stopped within ``timeout``."""
        if self._sweeper is None:
            return True
        thread, stop = self._sweeper
        stop.set()
        thread.join(timeout)
        self._sweeper = None
        return not thread.is_alive()

    def _sweep_loop(self, stop: threading.Event, seconds: float) -> None:
        while not stop.wait(seconds):
            try:
                swept = self.sweep_ttl()
                log.debug("memory-core: TTL sweep erased %s item(s)", swept)
            except Exception:  # a failed sweep is retried next time, never kills the thread
                log.exception("memory-core: TTL sweep failed")

    def delete_thread(self, thread_id: str, *, stamped: bool = False) -> int:
        """Erase a thread's run-scoped memories (``run_id == thread_id``), and with
        ``stamped=True`` every item a run of that thread wrote; returns how many."""
        return self._run_sync(self._delete_thread(thread_id, stamped))

    async def adelete_thread(self, thread_id: str, *, stamped: bool = False) -> int:
        return await self._run_async(self._delete_thread(thread_id, stamped))

    async def _delete_thread(self, thread_id: str, stamped: bool) -> int:
        erased = int((await self.engine.delete_all(run_id=str(thread_id)))["deleted"])
        if stamped:
            erased += await self.engine.records.delete_where(
                Cond("source.thread_id", "eq", str(thread_id))
            )
        return erased

    def close(self) -> None:
        """Stop the sweeper and close the engine if this store made it."""
        self.stop_ttl_sweeper()
        if self._owned:
            self._run_sync(self.engine.close())
        if self._loop is not None:
            self._loop.stop()
            self._loop = None

    async def aclose(self) -> None:
        self.stop_ttl_sweeper()
        if self._owned:
            await self.engine.close()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> MemoryStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- BaseStore ---------------------------------------------------------------------

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        run = current_run()  # read here: the loop thread below does not see the caller's context
        hidden = None
        if self._hides(run, ops):
            assert run is not None
            hidden = self._lineages.load(run, self.checkpointer)
        return self._run_sync(self._batch(ops, run, hidden))

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        run = current_run()
        hidden = None
        if self._hides(run, ops):
            assert run is not None
            hidden = await self._lineages.aload(run, self.checkpointer)
        return await self._run_async(self._batch(ops, run, hidden))

    def _hides(self, run: RunContext | None, ops: list[Op]) -> bool:
        reads = any(isinstance(op, GetOp | SearchOp) for op in ops)
        return self.hide_abandoned and reads and self._lineages.applies(run, self.checkpointer)

    # --- engine calls ------------------------------------------------------------------

    async def _batch(
        self, ops: list[Op], run: RunContext | None, hidden: frozenset[str] | None
    ) -> list[Result]:
        for op in ops:
            validate_op_namespace(op)
        await self.engine.open()  # keys become ids under the home's id scheme
        branch = (run, hidden) if run is not None and hidden is not None else None
        hide = hide_filter(*branch) if branch is not None else None
        results: list[Result] = [None] * len(ops)
        touches: dict[str, float] = {}
        gets = [(i, op) for i, op in enumerate(ops) if isinstance(op, GetOp)]
        if gets:
            await self._gets(gets, branch, results, touches)
        for i, op in enumerate(ops):
            if isinstance(op, SearchOp):
                results[i] = await self._search(op, hide, touches)
            elif isinstance(op, ListNamespacesOp):
                results[i] = await self._list_namespaces(op)
            elif not isinstance(op, GetOp | PutOp):
                raise ValueError(f"Unknown operation type: {type(op)}")
        puts = {(op.namespace, op.key): op for op in ops if isinstance(op, PutOp)}
        if puts:
            await self._puts(list(puts.values()), run)
        if touches:
            await self.engine.records.touch(touches)
        return results

    async def _gets(
        self,
        gets: list[tuple[int, GetOp]],
        branch: tuple[RunContext, frozenset[str]] | None,
        results: list[Result],
        touches: dict[str, float],
    ) -> None:
        wanted = {i: self._ids_of(op.namespace, op.key) for i, op in gets}
        found = await self.engine.records.get([rid for ids in wanted.values() for rid in ids])
        if branch is not None:  # keep only what this branch may see
            found = [r for r in found if on_branch(*branch, r.source)]
        by_id = {r.id: r for r in found}
        for i, op in gets:
            for rid in wanted[i]:
                record = by_id.get(rid)
                if record is not None and self._shown_in(record, op.namespace):
                    results[i] = to_item(record, op.namespace)
                    self._touch(record, op.refresh_ttl, touches)
                    break

    async def _search(
        self, op: SearchOp, hide: FilterNode | None, touches: dict[str, float]
    ) -> list[SearchItem]:
        where = and_(self._namespace_filter(op.namespace_prefix), value_filter(op.filter), hide)
        if not op.query:
            records = await self.engine.records.scan(where, limit=op.limit, offset=op.offset)
            scored: list[tuple[MemoryRecord, float | None]] = [(r, None) for r in records]
        else:
            scored = await self._ranked(op, where)
        items = []
        for record, score in scored:
            item = to_item(record, self._namespace(record))
            items.append(SearchItem(item.namespace, item.key, item.value, item.created_at,
                                    item.updated_at, score))  # fmt: skip
            self._touch(record, op.refresh_ttl, touches)
        return items

    async def _ranked(
        self, op: SearchOp, where: FilterNode | None
    ) -> list[tuple[MemoryRecord, float | None]]:
        assert op.query is not None
        vector = None
        if self.embeddings is not None:
            vector = await self.embeddings.aembed_query(op.query)
        indexed = and_(where, Not((Cond("source.indexed", "eq", False),)))
        hits = await self.engine.records.search(
            op.query, indexed, limit=op.limit, offset=op.offset, query_vector=vector
        )
        ranked: list[tuple[MemoryRecord, float | None]] = [(h.record, h.score) for h in hits]
        if len(ranked) < op.limit:  # like InMemoryStore: unindexed items fill the page
            rest = and_(where, Cond("source.indexed", "eq", False))
            extra = await self.engine.records.scan(rest, limit=op.limit - len(ranked))
            ranked.extend((r, None) for r in extra)
        return ranked

    async def _list_namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        where = self._namespace_filter(())
        found: set[tuple[str, ...]] = set()
        for record in await self.engine.records.scan(where, limit=_ALL):
            namespace = self._namespace(record)
            if all(_matches(c, namespace) for c in op.match_conditions or ()):
                found.add(namespace if op.max_depth is None else namespace[: op.max_depth])
        return sorted(found)[op.offset : op.offset + op.limit]

    async def _puts(self, puts: list[PutOp], run: RunContext | None) -> None:
        stamp = run.stamp() if run is not None else {}
        writes: list[RecordWrite] = []
        deletes: list[str] = []
        for op in puts:
            if op.value is None:
                deletes.extend(await self._deletable(op.namespace, op.key))
            elif self._infers(op):
                await self._add_inferred(op, stamp)
            else:
                writes.append(self._record_write(op, stamp))
        if self.embeddings is not None and writes:
            indexed = [w for w in writes if w.record.source.get("indexed")]
            vectors = await self.embeddings.aembed_documents([w.embed_text for w in indexed])
            given = {w.record.id: v for w, v in zip(indexed, vectors, strict=True)}
            writes = [RecordWrite(w.record, w.embed_text, given.get(w.record.id)) for w in writes]
        if writes or deletes:
            await self.engine.records.put(writes, delete=deletes)

    def _record_write(self, op: PutOp, stamp: Mapping[str, str]) -> RecordWrite:
        namespace = tuple(op.namespace)
        assert op.value is not None
        paths = self._fields if op.index is None else (op.index or [])
        text, indexed = index_text(op.value, paths)
        if op.index is False:
            indexed = False
        ttl = op.ttl
        source: dict[str, Any] = {
            "framework": FRAMEWORK, "namespace": list(namespace), "key": op.key,
            "lg_prefixes": prefixes(namespace), "indexed": indexed, **stamp,
        }  # fmt: skip
        if ttl is not None:
            source["ttl"] = ttl
        rid = self.engine.records.keyed_id(*namespace, op.key)
        record = keyed_record(
            rid, text[: self.engine.config.max_text_length],
            op.value, **_scope_kwargs(self.namespaces.scope_of(namespace)), source=source,
            expires_at=None if ttl is None else now() + ttl * 60,
        )  # fmt: skip
        return RecordWrite(record, record.text)

    async def _add_inferred(self, op: PutOp, stamp: Mapping[str, str]) -> None:
        assert op.value is not None
        messages = [
            convert_to_openai_messages(m) if isinstance(m, BaseMessage) else m
            for m in op.value["messages"]
        ]
        scope = self.namespaces.scope_of(op.namespace)
        provenance: dict[str, Any] = {
            "framework": FRAMEWORK, "put_namespace": list(op.namespace), **stamp
        }  # fmt: skip
        await self.engine.add(
            messages, **_scope_kwargs(scope), infer=True, source=Provenance(provenance)
        )  # fmt: skip

    def _infers(self, op: PutOp) -> bool:
        value = op.value or {}
        return isinstance(value.get("messages"), list) and any(
            _matches(MatchCondition("prefix", p), tuple(op.namespace)) for p in self.infer
        )

    # --- helpers -----------------------------------------------------------------------

    def _ids_of(self, namespace: tuple[str, ...], key: str) -> list[str]:
        ids = [self.engine.records.keyed_id(*namespace, key)]
        return [*ids, key] if is_uuid(key) else ids

    async def _deletable(self, namespace: tuple[str, ...], key: str) -> list[str]:
        records = await self.engine.records.get(self._ids_of(namespace, key))
        return [self.engine.records.keyed_id(*namespace, key)] + [
            r.id for r in records if r.id == key and self._shown_in(r, namespace)
        ]

    def _namespace(self, record: MemoryRecord) -> tuple[str, ...]:
        stored = stored_namespace(record)
        if stored is not None:
            return stored
        return self.namespaces.namespace_of(record.scope) or ()

    def _shown_in(self, record: MemoryRecord, namespace: tuple[str, ...]) -> bool:
        return self._namespace(record) == tuple(namespace)

    def _namespace_filter(self, prefix: tuple[str, ...]) -> FilterNode:
        engine = self.namespaces.engine_filter(prefix)
        own = prefix_filter(prefix)
        found = own if engine is None else Or((own, And((IsEmpty("source.lg_prefixes"), engine))))
        # The scope every match shares, when there is one: an indexed condition the vector
        # store narrows on first (without it, a search scans the payloads of the collection).
        scope = self.namespaces.scope_under(prefix)
        return found if scope is None else And((*_some(scope.filter()), found))

    def _touch(self, record: MemoryRecord, refresh: bool, touches: dict[str, float]) -> None:
        ttl = record.source.get("ttl")
        if refresh and isinstance(ttl, int | float):
            touches[record.id] = now() + ttl * 60

    def _run_sync(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._facade is not None:
            return self._facade._loop.run(coro)
        if self._loop is None:
            self._loop = LoopThread()
        return self._loop.run(coro)

    def _run_async(self, coro: Coroutine[Any, Any, T]) -> Awaitable[T]:
        if self._facade is None:
            return coro  # native: the engine runs on the caller's loop
        # A Memory facade's engine lives on its own loop thread; its calls must run there.
        future = asyncio.run_coroutine_threadsafe(coro, self._facade._loop.loop)
        return asyncio.wrap_future(future)


def _scope_kwargs(scope: Scope) -> dict[str, Any]:
    return {"user_id": scope.user_id, "agent_id": scope.agent_id, "run_id": scope.run_id}


def _some(node: FilterNode | None) -> tuple[FilterNode, ...]:
    return () if node is None else (node,)


def _matches(condition: MatchCondition, namespace: tuple[str, ...]) -> bool:
    """LangGraph's namespace match: prefix or suffix labels, ``*`` matching any label."""
    path = tuple(condition.path)
    if len(namespace) < len(path):
        return False
    part = namespace[: len(path)] if condition.match_type == "prefix" else namespace[-len(path) :]
    if not path:
        return True
    return all(p == "*" or p == label for p, label in zip(path, part, strict=True))
