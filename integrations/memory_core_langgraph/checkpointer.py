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
errors), and the wrapper has exactly the saver's optional capabilities. When a run's final root
checkpoint is written (made by the loop, with no edge left to follow), the thread's messages go
to the adapter kit's :class:`~memory_core.adapters.FormationQueue`, which forms memories off
the hot path: ``add`` for the user (extracted facts with an LLM, verbatim without), and, with
``agent_id``, one procedural summary of the run for the agent; only messages not handed over
before (recorded in the engine, so a restart re-infers nothing). Failures are logged and
retried (``retries``), never raised into the graph; :meth:`flush` / :meth:`aflush` wait.

With ``forget_threads=True``, deleting a thread also erases its run-scoped memories
(``run_id == thread_id``, e.g. what a graph wrote to ``("threads", thread_id)``).

The user comes from the run's config: ``configurable[user_id_key]`` (default ``"user_id"``),
or a ``scope`` function of the config.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, Self, TypeVar, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
)

from memory_core import AsyncMemory, Memory
from memory_core.adapters import EngineHandle, FormationQueue
from memory_core.types import Scope
from memory_core_langgraph.items import FRAMEWORK
from memory_core_langgraph.store import MemoryStore

log = logging.getLogger("memory_core")
ScopeFn = Callable[[RunnableConfig], Scope | None]
_CONTROL = ("branch:", "join:", "__")  # channels that schedule more steps, not state
_C = TypeVar("_C", bound="MemoryCheckpointer")


class MemoryCheckpointer(BaseCheckpointSaver[Any]):
    """Wraps ``saver``; forms memories in ``memory`` (a Memory, AsyncMemory, MemoryStore or
    EngineHandle) from each finished run's new messages. See the module docs.

    It has exactly the wrapped saver's capabilities: the optional operations
    (``delete_for_runs``, ``copy_thread``, ``prune`` and their async twins) are delegated
    only when the saver implements them; otherwise they are the base class's, which raise
    ``NotImplementedError``, so LangGraph (and its conformance suite) sees what is really
    there. The instance's class is a subclass made once per set of capabilities.
    """

    def __new__(cls, saver: BaseCheckpointSaver[Any], *args: Any, **kwargs: Any) -> Self:
        return super().__new__(_with_capabilities(cls, frozenset(_optional_ops(saver))))

    def __init__(
        self,
        saver: BaseCheckpointSaver[Any],
        memory: Memory | AsyncMemory | MemoryStore | EngineHandle,
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
        self.handle = memory.handle if isinstance(memory, MemoryStore) else EngineHandle.of(memory)
        self.user_id_key = user_id_key
        self.scope_fn = scope
        self.agent_id = agent_id
        self.messages_key = messages_key
        self.forget_threads = forget_threads
        self.formation = FormationQueue(
            self.handle, infer=infer, retries=retries, max_queue=max_queue
        )

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
        if (run := self._finished_run(config, checkpoint, metadata)) is not None:
            self.formation.submit(*run, procedure_agent_id=self.agent_id, source=_SOURCE)
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
        if self.forget_threads:  # the thread's run-scoped memories go with it
            self.handle.run(self._forget(thread_id), async_name="adelete_thread")

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
        if (run := self._finished_run(config, checkpoint, metadata)) is not None:
            await self.formation.asubmit(*run, procedure_agent_id=self.agent_id, source=_SOURCE)
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
        if self.forget_threads:
            await self.handle.arun(self._forget(thread_id))

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
        """Wait until every finished run has been handed to the engine (or given up on);
        returns False if ``timeout`` seconds passed first."""
        return self.formation.flush(timeout)

    async def aflush(self) -> bool:
        """Async :meth:`flush` (bound it with ``asyncio.timeout`` if needed)."""
        return await self.formation.aflush()

    def close(self) -> None:
        """Finish the queue and stop its worker (the wrapped saver and the engine stay open)."""
        self.formation.close()

    def _finished_run(
        self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata
    ) -> tuple[str, Scope, Sequence[Any]] | None:
        """(thread, scope, messages) when this checkpoint ends a root run with messages."""
        configurable: Mapping[str, Any] = config.get("configurable") or {}
        if configurable.get("checkpoint_ns") or not _final(checkpoint, metadata):
            return None
        thread_id = configurable.get("thread_id")
        scope = self._scope_of(config)
        messages = checkpoint.get("channel_values", {}).get(self.messages_key)
        if thread_id is None or scope is None or not isinstance(messages, list):
            return None
        return str(thread_id), scope, messages

    def _scope_of(self, config: RunnableConfig) -> Scope | None:
        if self.scope_fn is not None:
            return self.scope_fn(config)
        user_id = (config.get("configurable") or {}).get(self.user_id_key)
        return Scope(user_id=str(user_id)) if user_id else None

    async def _forget(self, thread_id: str) -> None:
        await self.handle.engine.delete_all(run_id=str(thread_id))


_SOURCE = {"framework": FRAMEWORK}

#: Operations a saver may or may not implement (LangGraph's "extended capabilities").
OPTIONAL_OPS = (
    "delete_for_runs", "adelete_for_runs", "copy_thread", "acopy_thread", "prune", "aprune",
)  # fmt: skip


def _optional_ops(saver: BaseCheckpointSaver[Any]) -> list[str]:
    """The optional operations ``saver``'s class overrides (LangGraph's own detection)."""
    return [name for name in OPTIONAL_OPS
            if getattr(type(saver), name) is not getattr(BaseCheckpointSaver, name)]  # fmt: skip


_CLASSES: dict[tuple[type, frozenset[str]], type] = {}


def _with_capabilities(cls: type[_C], ops: frozenset[str]) -> type[_C]:
    """``cls``, or its subclass (made once) delegating ``ops`` to the wrapped saver."""
    if not ops:
        return cls
    made = _CLASSES.get((cls, ops))
    if made is None:
        methods = {name: _delegate(name) for name in sorted(ops)}
        made = type(f"{cls.__name__}[{', '.join(sorted(ops))}]", (cls,), methods)
        _CLASSES[(cls, ops)] = made
    return cast(type[_C], made)


def _delegate(name: str) -> Callable[..., Any]:
    base = getattr(BaseCheckpointSaver, name)
    if inspect.iscoroutinefunction(base):

        async def delegate_async(self: MemoryCheckpointer, *args: Any, **kwargs: Any) -> Any:
            return await getattr(self.saver, name)(*args, **kwargs)

        return functools.wraps(base)(delegate_async)

    def delegate(self: MemoryCheckpointer, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.saver, name)(*args, **kwargs)

    return functools.wraps(base)(delegate)


def _final(checkpoint: Checkpoint, metadata: CheckpointMetadata) -> bool:
    """A run's last checkpoint: made by the loop, and no edge left to follow."""
    if metadata.get("source") != "loop":
        return False
    updated = checkpoint.get("updated_channels")
    return updated is None or not any(c.startswith(_CONTROL) for c in updated)
