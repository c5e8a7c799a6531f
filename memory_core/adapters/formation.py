"""Memory formation off the hot path: hand a conversation's new messages to the engine.

    >>> import tempfile
    >>> from memory_core.adapters import EngineHandle, FormationQueue
    >>> from memory_core.types import Provenance, Scope
    >>> handle = EngineHandle.of({"home": tempfile.mkdtemp()})
    >>> queue = FormationQueue(handle, infer=False)
    >>> turns = [{"role": "user", "content": "I'm Ann and I love jazz"},
    ...          {"role": "assistant", "content": "Noted!"}]
    >>> queue.submit("thread-1", Scope(user_id="ann"), turns)
    >>> queue.flush()
    True
    >>> queue.submit("thread-1", Scope(user_id="ann"), turns)  # nothing new: nothing added
    >>> queue.flush(), queue.formed
    (True, 1)
    >>> len(handle.run(handle.engine.get_all(user_id="ann"))["results"])
    2
    >>> queue.close(); handle.close()

What every adapter needs after an agent turn, a finished graph run, a flushed chat buffer or a
finished task: the conversation's messages go to the engine — its user and assistant turns
through ``add`` (extracted facts with an LLM and ``infer=True``, verbatim otherwise) and, with a
``procedure_agent_id``, the whole run (tool calls and results included) as one procedural
summary for that agent. Only messages not handed over before count: which ones were is
recorded *in the engine* (by :func:`~memory_core.pipeline.messages.message_id`, per
conversation), so a restart neither loses nor re-infers a message.

:meth:`FormationQueue.submit` returns at once: one worker thread drains a bounded queue, one
entry per conversation (a newer submit of the same conversation replaces a waiting one: it
carries the same messages and more). A failure is logged and retried with backoff, then given
up (counted in :attr:`FormationQueue.failed`) — never raised into the host framework.
:meth:`FormationQueue.form` does the same work now, in the caller (an adapter's ``inline``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from memory_core.adapters.handle import EngineHandle
from memory_core.pipeline.messages import message_id, to_messages
from memory_core.types import Provenance, Scope

log = logging.getLogger("memory_core")

#: The roles whose turns become memories of the user (tool traffic goes to procedures only).
SAID_ROLES = ("user", "assistant")


@dataclass(frozen=True, slots=True)
class _Job:
    conversation: str
    scope: Scope
    messages: tuple[Any, ...]
    procedure_agent_id: str | None
    task: str | None
    source: Provenance
    attempt: int = 0


class FormationQueue:
    """Forms memories from conversations in the background; see the module docs."""

    def __init__(
        self,
        handle: EngineHandle,
        *,
        infer: bool = True,
        retries: int = 3,
        backoff: float = 0.5,
        max_queue: int = 1000,
    ) -> None:
        self.handle = handle
        self.infer = infer
        self.retries = retries
        self.backoff = backoff
        #: Conversations handed over, and given up on after their retries.
        self.formed = 0
        self.failed = 0
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=max_queue)
        self._pending: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="memory-core-formation",
                                        daemon=True)  # fmt: skip
        self._worker.start()

    # --- submitting ----------------------------------------------------------------------

    def submit(
        self,
        thread_id: str,
        scope: Scope,
        messages: Sequence[Any],
        *,
        procedure_agent_id: str | None = None,
        task: str | None = None,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue ``messages`` of conversation ``thread_id`` (in ``scope``); returns at once
        unless the queue is full."""
        self._enqueue(self._job(thread_id, scope, messages, procedure_agent_id, task, source))

    async def asubmit(
        self,
        thread_id: str,
        scope: Scope,
        messages: Sequence[Any],
        *,
        procedure_agent_id: str | None = None,
        task: str | None = None,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        """:meth:`submit` from async code: never blocks the event loop."""
        job = self._job(thread_id, scope, messages, procedure_agent_id, task, source)
        if self._queue.full():  # rare: wait for room off the loop
            await asyncio.to_thread(self._enqueue, job)
        else:
            self._enqueue(job)

    def form(
        self,
        thread_id: str,
        scope: Scope,
        messages: Sequence[Any],
        *,
        procedure_agent_id: str | None = None,
        task: str | None = None,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        """Do the work of :meth:`submit` now and wait for it (errors propagate)."""
        job = self._job(thread_id, scope, messages, procedure_agent_id, task, source)
        self.handle.run(self._hand_over(job), async_name="aform")

    async def aform(
        self,
        thread_id: str,
        scope: Scope,
        messages: Sequence[Any],
        *,
        procedure_agent_id: str | None = None,
        task: str | None = None,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        """Async :meth:`form`."""
        job = self._job(thread_id, scope, messages, procedure_agent_id, task, source)
        await self.handle.arun(self._hand_over(job))

    # --- waiting and closing -------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted has been handed over (or given up on); False if
        ``timeout`` seconds passed first."""
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
        """Finish what is queued and stop the worker (the engine stays open)."""
        if self._worker.is_alive():
            self._queue.put(None)
            self._worker.join()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    # --- the work ------------------------------------------------------------------------

    @staticmethod
    def _job(
        thread_id: str,
        scope: Scope,
        messages: Sequence[Any],
        procedure_agent_id: str | None,
        task: str | None,
        source: Mapping[str, Any] | None,
    ) -> _Job:
        to_messages(messages)  # a malformed message fails the caller now, not the worker later
        scope.require("submit")
        conversation = json.dumps([thread_id, scope.ids()], sort_keys=True)
        # The adapter's stamp; the thread is the conversation, so its turns, handed over one
        # submit at a time, are indexed with their neighbours even without a run scope.
        stamp = Provenance({"conversation_id": thread_id, **(source or {}), "thread_id": thread_id})
        return _Job(conversation, scope, tuple(messages), procedure_agent_id, task, stamp)

    def _enqueue(self, job: _Job) -> None:
        with self._lock:
            waiting = job.conversation in self._pending
            self._pending[job.conversation] = job  # the newer submit carries more
        if not waiting:
            self._queue.put(job.conversation)

    def _work(self) -> None:
        while (conversation := self._queue.get()) is not None:
            try:
                with self._lock:
                    job = self._pending.pop(conversation, None)
                if job is not None:
                    self._attempt(job)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _attempt(self, job: _Job) -> None:
        while True:
            try:
                self.handle.run(self._hand_over(job))
                return
            except Exception:
                if job.attempt + 1 >= self.retries:
                    self.failed += 1
                    log.exception("memory-core: gave up forming memories of %s", job.conversation)
                    return
                log.warning("memory-core: forming memories of %s failed; retrying",
                            job.conversation, exc_info=True)  # fmt: skip
                time.sleep(self.backoff * 2**job.attempt)
                with self._lock:  # a newer submit carries the same messages and more
                    newer = self._pending.pop(job.conversation, None)
                job = newer or replace(job, attempt=job.attempt + 1)

    async def _hand_over(self, job: _Job) -> None:
        """Add the messages not handed over before, then record them as handed over (only
        after success: a retry hands the same messages again)."""
        engine = self.handle.engine
        done = await engine.handed_over(job.conversation)
        ids = [message_id(m) for m in job.messages]
        new = [m for m, i in zip(job.messages, ids, strict=True) if i not in done]
        if not new:
            return
        parsed = to_messages(new)
        said = [m for m in parsed if m.role in SAID_ROLES and m.content]
        user_id, run_id = job.scope.user_id, job.scope.run_id
        if said:
            await engine.add(said, user_id=user_id, agent_id=job.scope.agent_id, run_id=run_id,
                             infer=self.infer, source=job.source)  # fmt: skip
        if job.procedure_agent_id is not None:
            await engine.add(
                parsed, user_id=user_id, agent_id=job.procedure_agent_id, run_id=run_id,
                memory_type="procedural", infer=self.infer,
                metadata={"task": job.task} if job.task else None, source=job.source,
            )  # fmt: skip
        await engine.record_handover(job.conversation, [i for i in ids if i not in done])
        self.formed += 1


__all__ = ["SAID_ROLES", "FormationQueue"]
