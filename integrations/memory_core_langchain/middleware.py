"""``MemoryMiddleware``: long-term memory for ``langchain.agents.create_agent``.

    agent = create_agent(model, tools, middleware=[MemoryMiddleware(memory, tools=True)])
    agent.invoke({"messages": [...]}, {"configurable": {"user_id": "alice", "thread_id": "t1"}})

* Recall, around each model call: the latest user message is searched in the scope and the
  relevant memories are added to the system message of that call only (the thread's state is
  not changed, so memories never pile up in the conversation). Nothing is added when nothing
  is relevant.
* Capture, after the agent: the turn's new messages go to the kit's ``FormationQueue`` (in
  the background unless ``inline=True``), which stores them verbatim or lets the engine's LLM
  extract facts (``infer``), and optionally writes a procedural summary of the run for the
  agent (``procedural=True``).
* ``tools=True`` registers the six memory tools, bound to the same runtime scope.

The scope: ids given here win; the rest comes from the runtime context (``context_schema``
with ``user_id`` / ``agent_id`` / ``run_id``) or ``config["configurable"]``. Recall searches
the user / agent scope (every thread); captured messages also carry the thread as their
``run_id`` (``thread_as_run=True``) so one conversation can be found or erased on its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from langchain.agents.middleware import AgentMiddleware, AgentState, ModelRequest, ModelResponse
from langchain_core.messages import BaseMessage, SystemMessage
from langchain_core.runnables import ensure_config
from langgraph.runtime import Runtime

from memory_core import Scope
from memory_core.adapters import EngineHandle, FormationQueue, render_memories, to_messages
from memory_core.types import SearchResult
from memory_core_langchain._runtime import ScopeRule, ids_of, thread_of
from memory_core_langchain.tools import memory_tools

Handler = Callable[[ModelRequest[Any]], ModelResponse[Any]]
AsyncHandler = Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]]


class MemoryMiddleware(AgentMiddleware[AgentState[Any], Any, Any]):
    """Recall before each model call, capture after the agent; see the module docstring."""

    def __init__(
        self,
        memory: Any = None,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        scope: Scope | None = None,
        limit: int = 5,
        threshold: float | None = None,
        max_tokens: int | None = None,
        style: Literal["bullets", "xml"] = "bullets",
        template: str = "{memories}",
        filters: Mapping[str, Any] | None = None,
        recall: bool = True,
        capture: bool = True,
        infer: bool = True,
        inline: bool = False,
        thread_as_run: bool = True,
        procedural: bool | str = False,
        tools: bool = False,
    ) -> None:
        if "{memories}" not in template:
            raise ValueError("template must contain '{memories}' where the memories go.")
        self.handle = EngineHandle.of(memory)
        self.rule = ScopeRule.of(scope, user_id=user_id, agent_id=agent_id, run_id=run_id)
        self.limit, self.threshold, self.filters = limit, threshold, filters
        self.max_tokens, self.style, self.template = max_tokens, style, template
        self.recall, self.capture, self.inline = recall, capture, inline
        self.thread_as_run, self.procedural = thread_as_run, procedural
        self.queue = FormationQueue(self.handle, infer=infer)
        self.tools = memory_tools(self.handle, scope=self.rule.fixed) if tools else []

    # --- recall --------------------------------------------------------------------------

    def wrap_model_call(self, request: ModelRequest[Any], handler: Handler) -> ModelResponse[Any]:
        query, scope = self._recall_target(request)
        if query is None or scope is None:
            return handler(request)
        found = self.handle.run(self._search(query, scope))
        return handler(self._with_memories(request, found))

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: AsyncHandler
    ) -> ModelResponse[Any]:
        query, scope = self._recall_target(request)
        if query is None or scope is None:
            return await handler(request)
        found = await self.handle.arun(self._search(query, scope))
        return await handler(self._with_memories(request, found))

    def _recall_target(self, request: ModelRequest[Any]) -> tuple[str | None, Scope | None]:
        if not self.recall:
            return None, None
        query = _latest_user_text(request.messages)
        if query is None:
            return None, None
        configurable = ensure_config().get("configurable")
        return query, self.rule.resolve(request.runtime.context, configurable, "recall")

    async def _search(self, query: str, scope: Scope) -> SearchResult:
        return await self.handle.engine.search(
            query,
            limit=self.limit,
            threshold=self.threshold,
            filters=self.filters,
            **ids_of(scope),
        )

    def _with_memories(self, request: ModelRequest[Any], found: SearchResult) -> ModelRequest[Any]:
        rendered = render_memories(found["results"], style=self.style, max_tokens=self.max_tokens)
        if not rendered:
            return request  # nothing relevant: the prompt stays exactly as it was
        text = self.template.format(memories=rendered)
        return request.override(system_message=_append(request.system_message, text))

    # --- capture -------------------------------------------------------------------------

    def after_agent(self, state: AgentState[Any], runtime: Runtime[Any]) -> None:
        job = self._capture_job(state, runtime)
        if job is None:
            return
        thread, scope, messages, options = job
        if self.inline:
            self.queue.form(thread, scope, messages, **options)
        else:
            self.queue.submit(thread, scope, messages, **options)

    async def aafter_agent(self, state: AgentState[Any], runtime: Runtime[Any]) -> None:
        job = self._capture_job(state, runtime)
        if job is None:
            return
        thread, scope, messages, options = job
        if self.inline:
            await self.queue.aform(thread, scope, messages, **options)
        else:
            await self.queue.asubmit(thread, scope, messages, **options)

    def _capture_job(
        self, state: AgentState[Any], runtime: Runtime[Any]
    ) -> tuple[str, Scope, list[BaseMessage], dict[str, Any]] | None:
        messages: list[BaseMessage] = list(state.get("messages", []))
        if not self.capture or not messages:
            return None
        configurable = ensure_config().get("configurable")
        scope = self.rule.resolve(runtime.context, configurable, "capture")
        thread = thread_of(configurable)
        if thread is not None and self.thread_as_run and scope.run_id is None:
            scope = Scope(scope.user_id, scope.agent_id, thread)
        options: dict[str, Any] = {"source": {"framework": "langchain"}}
        agent = self.procedural if isinstance(self.procedural, str) else scope.agent_id
        if self.procedural and agent:
            options["procedure_agent_id"] = agent
        # Without a checkpointer there is no thread id: the scope names the conversation.
        return thread or f"scope:{scope.json_key()}", scope, messages, options

    # --- lifecycle -----------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every captured turn is formed; False if ``timeout`` ran out first."""
        return self.queue.flush(timeout)

    async def aflush(self) -> bool:
        """Async :meth:`flush` (bound it with ``asyncio.timeout`` if needed)."""
        return await self.queue.aflush()

    def close(self) -> None:
        """Finish the queued work, then close the engine if this middleware built it."""
        self.queue.close()
        self.handle.close()

    async def aclose(self) -> None:
        await self.queue.aclose()
        await self.handle.aclose()

    def __enter__(self) -> MemoryMiddleware:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _latest_user_text(messages: list[Any]) -> str | None:
    """The text of the latest user message (searched from the end: threads grow long)."""
    for message in reversed(messages):
        for said in to_messages([message]):
            if said.role == "user" and said.content.strip():
                return said.content
    return None


def _append(system: SystemMessage | None, text: str) -> SystemMessage:
    """The system message with the memories after its own instructions."""
    if system is None:
        return SystemMessage(text)
    if isinstance(system.content, str):
        content: Any = f"{system.content}\n\n{text}" if system.content else text
    else:
        content = [*system.content, {"type": "text", "text": text}]
    return system.model_copy(update={"content": content})
