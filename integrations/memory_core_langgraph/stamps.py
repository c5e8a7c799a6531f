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

    @staticmethod
    def applies(run: RunContext | None, saver: BaseCheckpointSaver[Any] | None) -> bool:
        return run is not None and run.checkpoint_id is not None and (
            saver or run.checkpointer) is not None  # fmt: skip

    def load(self, run: RunContext, saver: BaseCheckpointSaver[Any] | None) -> frozenset[str]:
        """The ids visible from ``run``'s head, reading the thread's checkpoints (sync)."""
        key = (run.thread_id, run.checkpoint_id or "")
        if (cached := self._cache.get(key)) is not None:
            return cached
        chosen = saver or run.checkpointer
        assert chosen is not None
        tuples = list(chosen.list(_thread_config(run)))
        return self._remember(run, tuples)

    async def aload(
        self, run: RunContext, saver: BaseCheckpointSaver[Any] | None
    ) -> frozenset[str]:
        """The ids visible from ``run``'s head, reading the thread's checkpoints (async)."""
        key = (run.thread_id, run.checkpoint_id or "")
        if (cached := self._cache.get(key)) is not None:
            return cached
        chosen = saver or run.checkpointer
        assert chosen is not None
        config = _thread_config(run)
        try:
            tuples = [t async for t in chosen.alist(config)]
        except NotImplementedError:  # a sync-only saver (SqliteSaver): read it off the loop
            tuples = await asyncio.to_thread(lambda: list(chosen.list(config)))
        return self._remember(run, tuples)

    def _remember(self, run: RunContext, tuples: list[CheckpointTuple]) -> frozenset[str]:
        assert run.checkpoint_id is not None
        visible = visible_ids(run.checkpoint_id, tuples)
        ids = {t.config["configurable"]["checkpoint_id"] for t in tuples}
        if run.checkpoint_id in ids:  # a lineage guessed past an unsaved head is not cached
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[(run.thread_id, run.checkpoint_id)] = visible
        return visible


def on_branch(run: RunContext, visible: frozenset[str], source: Mapping[str, Any]) -> bool:
    """Whether an item with this ``source`` stamp is on ``run``'s branch (for reads by id)."""
    return source.get("thread_id") != run.thread_id or source.get("checkpoint_id") in visible


def hide_filter(run: RunContext, visible: frozenset[str]) -> FilterNode:
    """Records not on ``run``'s branch are filtered out (other threads' never are)."""
    return _hide(run.thread_id, visible)


def _thread_config(run: RunContext) -> RunnableConfig:
    return {"configurable": {"thread_id": run.thread_id, "checkpoint_ns": ""}}


def visible_ids(head: str, tuples: Iterable[CheckpointTuple]) -> frozenset[str]:
    """Checkpoint ids whose writes are on the branch that ends at ``head`` (see module)."""
    by_id = {t.config["configurable"]["checkpoint_id"]: t for t in tuples}
    visible, current = {head}, head
    if head not in by_id:
        # Checkpoints are saved in the background while the next step runs, so the head may
        # not be stored yet. Ids are time-ordered; the newest stored one before it is where
        # the loop came from (the steps in between were the loop's own).
        earlier = [i for i in by_id if i < head]
        if not earlier:
            return frozenset(visible)
        current = max(earlier)
        visible.add(current)
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
