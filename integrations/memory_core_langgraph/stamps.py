"""Checkpoint awareness: which run wrote an item, and which items a run's branch may see.

    >>> current_run() is None   # outside a graph run there is nothing to stamp
    True

Inside a graph run, every write is stamped with the thread (``thread_id``), the task's
checkpoint namespace (``checkpoint_ns``) and the id of the root checkpoint the task started
from (``checkpoint_id``, LangGraph's ``checkpoint_map[""]``).

Time travel and forks leave branches behind. A step that ran from checkpoint ``C`` produced a
child of ``C`` with ``source == "loop"``; ``update_state`` on ``C`` produces a child with
``source == "update"`` instead, and resuming from it abandons what the first step wrote. So,
walking the lineage of the checkpoint a task runs from (``parent_config`` links), an item
stamped ``C`` is on the branch when ``C`` is that head, or when ``C``'s child on the lineage
was made by running the graph (``"loop"``). Lineages never change, so they are cached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple
from langgraph.config import get_config

from memory_core.filters import Cond, FilterNode, Not, Or

_CHECKPOINTER_KEY = "__pregel_checkpointer"  # where LangGraph puts the run's checkpointer
_CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class RunContext:
    """Where a store call happens: the thread, task namespace and root checkpoint."""

    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str | None
    checkpointer: BaseCheckpointSaver[Any] | None

    def stamp(self) -> dict[str, str]:
        """What a write records about its run (kept in the engine record's ``source``)."""
        stamp = {"thread_id": self.thread_id, "checkpoint_ns": self.checkpoint_ns}
        if self.checkpoint_id is not None:
            stamp["checkpoint_id"] = self.checkpoint_id
        return stamp


def current_run() -> RunContext | None:
    """The graph run this call is made from, if any (read from LangGraph's runnable config)."""
    try:
        config = get_config()
    except RuntimeError:  # not inside a runnable
        return None
    return run_of(config)


def run_of(config: RunnableConfig) -> RunContext | None:
    configurable: Mapping[str, Any] = config.get("configurable") or {}
    thread_id = configurable.get("thread_id")
    if thread_id is None:
        return None
    checkpoint_map = configurable.get("checkpoint_map") or {}
    head = checkpoint_map.get("") or configurable.get("checkpoint_id")
    saver = configurable.get(_CHECKPOINTER_KEY)
    return RunContext(
        str(thread_id),
        str(configurable.get("checkpoint_ns", "")),
        None if head is None else str(head),
        saver if isinstance(saver, BaseCheckpointSaver) else None,
    )


class Lineages:
    """Visible checkpoint ids per head checkpoint, read from a checkpointer and cached."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], frozenset[str]] = {}

    def hide_filter(self, run: RunContext | None, saver: BaseCheckpointSaver[Any] | None) -> Any:
        """The cached hide filter, or a marker that the lineage must be read first."""
        if run is None or run.checkpoint_id is None or (saver or run.checkpointer) is None:
            return None
        visible = self._cache.get((run.thread_id, run.checkpoint_id))
        return None if visible is None else _hide(run.thread_id, visible)

    def visible(self, run: RunContext | None, source: Mapping[str, Any]) -> bool:
        """Whether an item with this ``source`` stamp is on ``run``'s branch (in Python, for
        reads by id)."""
        if run is None or run.checkpoint_id is None or source.get("thread_id") != run.thread_id:
            return True
        visible = self._cache.get((run.thread_id, run.checkpoint_id))
        return visible is None or source.get("checkpoint_id") in visible

    def needs(self, run: RunContext | None, saver: BaseCheckpointSaver[Any] | None) -> bool:
        return (
            run is not None
            and run.checkpoint_id is not None
            and (saver or run.checkpointer) is not None
            and (run.thread_id, run.checkpoint_id) not in self._cache
        )

    def load(self, run: RunContext, saver: BaseCheckpointSaver[Any] | None) -> None:
        """Read the thread's checkpoints (sync) and cache the head's lineage."""
        chosen = saver or run.checkpointer
        assert chosen is not None and run.checkpoint_id is not None
        tuples = chosen.list({"configurable": {"thread_id": run.thread_id, "checkpoint_ns": ""}})
        self._remember(run, tuples)

    async def aload(self, run: RunContext, saver: BaseCheckpointSaver[Any] | None) -> None:
        """Read the thread's checkpoints (async) and cache the head's lineage."""
        chosen = saver or run.checkpointer
        assert chosen is not None and run.checkpoint_id is not None
        config: RunnableConfig = {"configurable": {"thread_id": run.thread_id, "checkpoint_ns": ""}}
        try:
            tuples = [t async for t in chosen.alist(config)]
        except NotImplementedError:  # a sync-only saver (SqliteSaver): read it off the loop
            tuples = await asyncio.to_thread(lambda: list(chosen.list(config)))
        self._remember(run, tuples)

    def _remember(self, run: RunContext, tuples: Iterable[CheckpointTuple]) -> None:
        assert run.checkpoint_id is not None
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[(run.thread_id, run.checkpoint_id)] = visible_ids(run.checkpoint_id, tuples)


def visible_ids(head: str, tuples: Iterable[CheckpointTuple]) -> frozenset[str]:
    """Checkpoint ids whose writes are on the branch that ends at ``head`` (see module)."""
    by_id = {t.config["configurable"]["checkpoint_id"]: t for t in tuples}
    visible, current = {head}, head
    while (node := by_id.get(current)) is not None and node.parent_config is not None:
        parent = node.parent_config["configurable"]["checkpoint_id"]
        if (node.metadata or {}).get("source") == "loop":
            visible.add(parent)
        current = parent
    return frozenset(visible)


def _hide(thread_id: str, visible: frozenset[str]) -> FilterNode:
    # Items of other threads, and items written outside any run, are never hidden.
    return Or(
        (
            Not((Cond("source.thread_id", "eq", thread_id),)),
            Cond("source.checkpoint_id", "in", tuple(sorted(visible))),
        )
    )
