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
was made by running the graph (``"loop"``). What is hidden is the *stored* checkpoints off
that branch: checkpoints are saved in the background while the next step runs, so a stamp
naming a checkpoint the saver does not hold yet belongs to the run in progress and stays
visible.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple
from langgraph.config import get_config

from memory_core.adapters import And, Cond, FilterNode, Not

_CHECKPOINTER_KEY = "__pregel_checkpointer"  # where LangGraph puts the run's checkpointer


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
    """Which stored checkpoints of a thread are off a run's branch (read per batch: a later
    fork adds abandoned checkpoints, so the answer is not cached)."""

    @staticmethod
    def applies(run: RunContext | None, saver: BaseCheckpointSaver[Any] | None) -> bool:
        return run is not None and run.checkpoint_id is not None and (
            saver or run.checkpointer) is not None  # fmt: skip

    def load(self, run: RunContext, saver: BaseCheckpointSaver[Any] | None) -> frozenset[str]:
        """The ids to hide from ``run``, reading the thread's checkpoints (sync)."""
        chosen = saver or run.checkpointer
        assert chosen is not None and run.checkpoint_id is not None
        return hidden_ids(run.checkpoint_id, list(chosen.list(_thread_config(run))))

    async def aload(
        self, run: RunContext, saver: BaseCheckpointSaver[Any] | None
    ) -> frozenset[str]:
        """The ids to hide from ``run``, reading the thread's checkpoints (async)."""
        chosen = saver or run.checkpointer
        assert chosen is not None and run.checkpoint_id is not None
        config = _thread_config(run)
        try:
            tuples = [t async for t in chosen.alist(config)]
        except NotImplementedError:  # a sync-only saver (SqliteSaver): read it off the loop
            tuples = await asyncio.to_thread(lambda: list(chosen.list(config)))
        return hidden_ids(run.checkpoint_id, tuples)


def hidden_ids(head: str, tuples: list[CheckpointTuple]) -> frozenset[str]:
    """Stored checkpoints whose writes are off the branch ending at ``head``."""
    stored = {t.config["configurable"]["checkpoint_id"] for t in tuples}
    return frozenset(stored - visible_ids(head, tuples))


def on_branch(run: RunContext, hidden: frozenset[str], source: Mapping[str, Any]) -> bool:
    """Whether an item with this ``source`` stamp is on ``run``'s branch (for reads by id)."""
    return source.get("thread_id") != run.thread_id or source.get("checkpoint_id") not in hidden


def hide_filter(run: RunContext, hidden: frozenset[str]) -> FilterNode | None:
    """Records written on checkpoints off ``run``'s branch are filtered out (other threads'
    never are); ``None`` when nothing is hidden."""
    if not hidden:
        return None
    return Not((And((Cond("source.thread_id", "eq", run.thread_id),
                     Cond("source.checkpoint_id", "in", tuple(sorted(hidden))))),))  # fmt: skip


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
