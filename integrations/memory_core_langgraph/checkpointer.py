"""``MemoryCheckpointer``: any checkpointer, plus memories formed from finished runs.

    >>> import tempfile
    >>> from langgraph.checkpoint.memory import InMemorySaver
    >>> from memory_core import Memory
    >>> from memory_core_langgraph import MemoryCheckpointer
    >>> memory = Memory.from_config({"home": tempfile.mkdtemp()})
    >>> saver = MemoryCheckpointer(InMemorySaver(), memory)
    >>> saver.flush()
    True
    >>> saver.close(); memory.close()

Every checkpoint operation is delegated to the wrapped saver unchanged (same results, same
errors). When a run's final root checkpoint is written (made by the loop, with no edge left to
follow), the thread is queued — a bounded queue, one entry per thread, drained by one
background thread — and off the hot path its messages not yet handed over go to the engine:
``add`` for the user (extracted facts with an LLM, verbatim without), and, with ``agent_id``,
one procedural summary of the run for the agent. Failures are logged and retried
(``retries``), never raised into the graph; :meth:`flush` / :meth:`aflush` wait for the queue.

With ``forget_threads=True``, deleting a thread also erases its run-scoped memories
(``run_id == thread_id``, e.g. what a graph wrote to ``("threads", thread_id)``).

The user comes from the run's config: ``configurable[user_id_key]`` (default ``"user_id"``),
or a ``scope`` function of the config.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_openai_messages
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
)

from memory_core.memory import AsyncMemory
from memory_core.sync import LoopThread, Memory
from memory_core.types import Provenance, Scope
from memory_core_langgraph.items import FRAMEWORK
from memory_core_langgraph.store import MemoryStore, _scope_kwargs

log = logging.getLogger("memory_core")
ScopeFn = Callable[[RunnableConfig], Scope | None]
_CONTROL = ("branch:", "join:", "__")  # channels that schedule more steps, not state


@dataclass(frozen=True, slots=True)
class _Job:
    thread_id: str
    scope: Scope
    messages: tuple[Any, ...]
    attempt: int = 0


class MemoryCheckpointer(BaseCheckpointSaver[Any]):
    """Wraps ``saver``; forms memories in ``memory`` (a Memory, AsyncMemory or MemoryStore)
    from each finished run's new messages. See the module docs."""

    def __init__(
        self,
        saver: BaseCheckpointSaver[Any],
        memory: Memory | AsyncMemory | MemoryStore,
        *,
        user_id_key: str = "user_id",
        scope: ScopeFn | None = None,
        agent_id: str | None = None,
        messages_key: str = "messages",
        infer: bool = True,
        retries: int = 3,
        max_queue: int = 1000,
        forget_threads: bool = False,
    ) -> None:
        super().__init__(serde=saver.serde)
        self.saver = saver
        self.memory = memory
        self.user_id_key = user_id_key
        self.scope_fn = scope
        self.agent_id = agent_id
        self.messages_key = messages_key
        self.infer = infer
        self.retries = retries
        self.forget_threads = forget_threads
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=max_queue)
        self._pending: dict[str, _Job] = {}  # thread -> latest job not yet taken
        self._handed: dict[str, set[str]] = {}  # thread -> message ids already handed over
        self._lock = threading.Lock()
        self._loop: LoopThread | None = None
        self._worker = threading.Thread(target=self._work, name="memory-core-ckpt", daemon=True)
        self._worker.start()

    # --- delegated checkpoint operations -----------------------------------------------

    @property
    def config_specs(self) -> list[Any]:
        return self.saver.config_specs

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.saver.get_tuple(config)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        return self.saver.list(config, filter=filter, before=before, limit=limit)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        saved = self.saver.put(config, checkpoint, metadata, new_versions)
        self._after_put(config, checkpoint, metadata)
        return saved

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.saver.put_writes(config, writes, task_id, task_path)

    def delete_thread(self, thread_id: str) -> None:
        self.saver.delete_thread(thread_id)
        self._forget(thread_id)

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self.saver.delete_for_runs(run_ids)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self.saver.copy_thread(source_thread_id, target_thread_id)

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        self.saver.prune(thread_ids, strategy=strategy)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self.saver.aget_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        async for item in self.saver.alist(config, filter=filter, before=before, limit=limit):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        saved = await self.saver.aput(config, checkpoint, metadata, new_versions)
        if self._queue.full():  # rare: wait for room off the event loop
            await asyncio.to_thread(self._after_put, config, checkpoint, metadata)
        else:
            self._after_put(config, checkpoint, metadata)
        return saved

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await self.saver.aput_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await self.saver.adelete_thread(thread_id)
        await asyncio.to_thread(self._forget, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self.saver.adelete_for_runs(run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self.saver.acopy_thread(source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await self.saver.aprune(thread_ids, strategy=strategy)

    def get_next_version(self, current: Any, channel: None) -> Any:
        return self.saver.get_next_version(current, channel)

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return self.saver.get_delta_channel_history(config=config, channels=channels)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return await self.saver.aget_delta_channel_history(config=config, channels=channels)

    # --- memory formation --------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued run has been handed to the engine (or given up on);
        returns False if ``timeout`` seconds passed first."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)

    async def aflush(self) -> bool:
        """Async :meth:`flush` (bound it with ``asyncio.timeout`` if needed)."""
        return await asyncio.to_thread(self.flush)

    def close(self) -> None:
        """Finish the queue and stop the worker (the wrapped saver stays open)."""
        self._queue.put(None)
        self._worker.join()
        if self._loop is not None:
            self._loop.stop()

    def _after_put(
        self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata
    ) -> None:
        configurable: Mapping[str, Any] = config.get("configurable") or {}
        if configurable.get("checkpoint_ns") or not _final(checkpoint, metadata):
            return
        thread_id = configurable.get("thread_id")
        scope = self._scope_of(config)
        messages = checkpoint.get("channel_values", {}).get(self.messages_key)
        if thread_id is None or scope is None or not isinstance(messages, list):
            return
        self._enqueue(_Job(str(thread_id), scope, tuple(messages)))

    def _scope_of(self, config: RunnableConfig) -> Scope | None:
        if self.scope_fn is not None:
            return self.scope_fn(config)
        user_id = (config.get("configurable") or {}).get(self.user_id_key)
        return Scope(user_id=str(user_id)) if user_id else None

    def _enqueue(self, job: _Job) -> None:
        with self._lock:
            queued = job.thread_id in self._pending
            self._pending[job.thread_id] = job  # a newer checkpoint of the thread wins
        if not queued:
            self._queue.put(job.thread_id)

    def _forget(self, thread_id: str) -> None:
        with self._lock:
            self._handed.pop(thread_id, None)
        if self.forget_threads:  # the thread's run-scoped memories go with it
            self._run(self._engine().delete_all(run_id=str(thread_id)))

    def _work(self) -> None:
        while True:
            thread_id = self._queue.get()
            try:
                if thread_id is None:
                    return
                with self._lock:
                    job = self._pending.pop(thread_id, None)
                if job is not None:
                    self._attempt(job)
            finally:
                self._queue.task_done()

    def _attempt(self, job: _Job) -> None:
        try:
            self._hand_over(job)
        except Exception:
            if job.attempt + 1 >= self.retries:
                log.exception("memory-core: gave up forming memories of thread %s", job.thread_id)
                return
            log.warning("memory-core: forming memories of thread %s failed; retrying",
                        job.thread_id, exc_info=True)  # fmt: skip
            with self._lock:
                newer = self._pending.get(job.thread_id)
                if newer is None:  # a newer checkpoint carries the same messages and more
                    self._pending[job.thread_id] = _Job(
                        job.thread_id, job.scope, job.messages, job.attempt + 1
                    )
            if newer is None:
                self._queue.put(job.thread_id)

    def _hand_over(self, job: _Job) -> None:
        handed = self._handed.get(job.thread_id, set())
        new = [m for m in job.messages if _message_id(m) not in handed]
        if not new:
            return
        dicts = [_as_dict(m) for m in new]
        said = [{"role": d["role"], "content": d["content"]} for d in dicts
                if d.get("role") in ("user", "assistant") and d.get("content")]  # fmt: skip
        source = Provenance({"framework": FRAMEWORK, "thread_id": job.thread_id})
        if said:
            self._run(
                self._engine().add(
                    said, **_scope_kwargs(job.scope), infer=self.infer, source=source
                )
            )
        if self.agent_id is not None:
            scope = Scope(job.scope.user_id, self.agent_id, job.scope.run_id)
            self._run(self._engine().add(
                dicts, **_scope_kwargs(scope), memory_type="procedural", infer=self.infer,
                metadata={"task": _task_of(dicts)}, source=source,
            ))  # fmt: skip
        with self._lock:  # only after success: a retry hands the same messages again
            self._handed.setdefault(job.thread_id, set()).update(_message_id(m) for m in new)

    def _engine(self) -> AsyncMemory:
        if isinstance(self.memory, MemoryStore):
            return self.memory.engine
        return self.memory.engine if isinstance(self.memory, Memory) else self.memory

    def _run(self, coro: Any) -> Any:
        if isinstance(self.memory, MemoryStore):
            return self.memory.call(coro)
        if isinstance(self.memory, Memory):
            return self.memory._loop.run(coro)
        if self._loop is None:
            self._loop = LoopThread()
        return self._loop.run(coro)


def _final(checkpoint: Checkpoint, metadata: CheckpointMetadata) -> bool:
    """A run's last checkpoint: made by the loop, and no edge left to follow."""
    if metadata.get("source") != "loop":
        return False
    updated = checkpoint.get("updated_channels")
    return updated is None or not any(c.startswith(_CONTROL) for c in updated)


def _message_id(message: Any) -> str:
    if isinstance(message, BaseMessage) and message.id:
        return message.id
    return repr(message)


def _as_dict(message: Any) -> dict[str, Any]:
    if isinstance(message, BaseMessage):
        converted: dict[str, Any] = convert_to_openai_messages(message)
        if isinstance(converted.get("content"), list):  # text parts only
            parts = converted["content"]
            converted["content"] = " ".join(
                p.get("text", "") for p in parts if isinstance(p, dict)
            ).strip()
        return converted
    return (
        dict(message) if isinstance(message, Mapping) else {"role": "user", "content": str(message)}
    )


def _task_of(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in messages:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return " ".join(message["content"].split())[:200] or "run"
    return "run"
