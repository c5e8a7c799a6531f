"""The six memory tools for LangChain agents: search, add, update, delete, get, history.

    >>> import tempfile
    >>> from memory_core import Memory
    >>> memory = Memory.from_config({"home": tempfile.mkdtemp()})
    >>> add = AddMemoryTool(memory=memory, user_id="alice")
    >>> "Alice is vegetarian" in add.invoke({"text": "Alice is vegetarian"})
    True
    >>> search = SearchMemoryTool(memory=memory, user_id="alice")
    >>> "Alice is vegetarian" in search.invoke({"query": "what does Alice eat?"})
    True
    >>> memory.close()

The scope is never a tool argument. It is fixed at construction (``user_id=`` ...) or taken
from the agent's runtime (``ToolRuntime``: the ``context_schema`` object, then
``config["configurable"]``), so a model cannot reach another scope's memories: arguments it
invents (a ``user_id``) are dropped by the schema, and an id from another scope is "not
found". Errors the model can fix (an unknown id, an empty text) come back to it as the tool's
answer instead of stopping the agent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool, InjectedToolArg, ToolException
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from memory_core import Scope
from memory_core.adapters import EngineHandle
from memory_core.errors import MemoryCoreError, MemoryNotFoundError
from memory_core.types import MemoryItem
from memory_core_langchain._runtime import ScopeRule, ids_of

# What ToolNode fills in (never the model): LangGraph injects the ``ToolRuntime`` into a field
# named ``runtime``; InjectedToolArg keeps it out of the schema the model sees.
RuntimeArg = Annotated[Any, InjectedToolArg]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a model's invented scope ids are dropped
    runtime: RuntimeArg = None


class SearchInput(_Input):
    query: str = Field(description="What to look for, in natural language.")
    limit: int = Field(default=5, ge=1, le=50, description="How many memories to return.")


class AddInput(_Input):
    text: str = Field(description="The fact or preference to remember, as one sentence.")


class UpdateInput(_Input):
    memory_id: str = Field(description="The id of the memory to change (from a search).")
    text: str = Field(description="The memory's new text.")


class IdInput(_Input):
    memory_id: str = Field(description="The id of a memory (from a search).")


class MemoryTool(BaseTool):
    """What the six tools share: the engine handle, the scope rule, error handling."""

    memory: Any = Field(default=None, exclude=True)
    """A ``Memory``, ``AsyncMemory``, ``EngineHandle`` or configuration (a new engine)."""
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    scope: Scope | None = None
    handle_tool_error: bool | str | Any = True
    _handle: EngineHandle = PrivateAttr()
    _rule: ScopeRule = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        self._handle = EngineHandle.of(self.memory)
        self._rule = ScopeRule.of(
            self.scope, user_id=self.user_id, agent_id=self.agent_id, run_id=self.run_id
        )

    @property
    def handle(self) -> EngineHandle:
        return self._handle

    def _scope(self, runtime: Any) -> Scope:
        context = getattr(runtime, "context", None)
        config = getattr(runtime, "config", None) or {}
        return self._rule.resolve(context, config.get("configurable"), self.name)

    def _run(
        self, *, runtime: Any = None, run_manager: CallbackManagerForToolRun | None = None,
        **args: Any,
    ) -> str:  # fmt: skip
        scope = self._scope(runtime)  # a missing scope is the developer's to fix: it raises
        try:
            return self._handle.run(self._call(scope, **args))
        except MemoryCoreError as exc:
            raise ToolException(self._explain(exc)) from exc

    async def _arun(
        self, *, runtime: Any = None, run_manager: AsyncCallbackManagerForToolRun | None = None,
        **args: Any,
    ) -> str:  # fmt: skip
        scope = self._scope(runtime)
        try:
            return await self._handle.arun(self._call(scope, **args))
        except MemoryCoreError as exc:
            raise ToolException(self._explain(exc)) from exc

    async def _call(self, scope: Scope, **args: Any) -> str:
        """The tool's engine call, with the validated arguments the model gave."""
        raise NotImplementedError

    @staticmethod
    def _explain(exc: MemoryCoreError) -> str:
        if isinstance(exc, MemoryNotFoundError):
            return _not_found(exc.memory_id)
        return f"Error: {exc}"


class SearchMemoryTool(MemoryTool):
    name: str = "search_memory"
    description: str = (
        "Search long-term memory about the user for facts relevant to a question. Returns "
        "the best matches (id, memory, score), best first."
    )
    args_schema: type[BaseModel] = SearchInput

    async def _call(self, scope: Scope, **args: Any) -> str:
        engine = self._handle.engine
        found = await engine.search(args["query"], limit=args["limit"], **ids_of(scope))
        if not found["results"]:
            return "No memories matched."
        return _json([_brief(item) for item in found["results"]])


class AddMemoryTool(MemoryTool):
    name: str = "add_memory"
    description: str = (
        "Remember a fact or preference about the user for later conversations. Pass one "
        "self-contained sentence."
    )
    args_schema: type[BaseModel] = AddInput
    infer: bool = False
    """False stores the text as given; True lets the engine's LLM extract and reconcile."""

    async def _call(self, scope: Scope, **args: Any) -> str:
        added = await self._handle.engine.add(args["text"], infer=self.infer, **ids_of(scope))
        return _json(added["results"])


class UpdateMemoryTool(MemoryTool):
    name: str = "update_memory"
    description: str = (
        "Change the text of a memory (by id, from a search) when a fact has changed. The old "
        "text stays in the memory's history."
    )
    args_schema: type[BaseModel] = UpdateInput

    async def _call(self, scope: Scope, **args: Any) -> str:
        updated = await self._handle.engine.update(args["memory_id"], args["text"], scope=scope)
        return _json(updated)


class DeleteMemoryTool(MemoryTool):
    name: str = "delete_memory"
    description: str = "Forget a memory (by id, from a search) that is wrong or unwanted."
    args_schema: type[BaseModel] = IdInput

    async def _call(self, scope: Scope, **args: Any) -> str:
        await self._handle.engine.delete(args["memory_id"], scope=scope)
        return f"Deleted memory {args['memory_id']}."


class GetMemoryTool(MemoryTool):
    name: str = "get_memory"
    description: str = "Read one memory (by id) with its dates and validity."
    args_schema: type[BaseModel] = IdInput

    async def _call(self, scope: Scope, **args: Any) -> str:
        item = await self._handle.engine.get(args["memory_id"], scope=scope)
        if item is None:
            raise ToolException(_not_found(args["memory_id"]))
        return _json(item)


class MemoryHistoryTool(MemoryTool):
    name: str = "memory_history"
    description: str = "How a memory (by id) changed over time: its events, oldest first."
    args_schema: type[BaseModel] = IdInput

    async def _call(self, scope: Scope, **args: Any) -> str:
        return _json(await self._handle.engine.history(args["memory_id"], scope=scope))


# Constructors (a type[MemoryTool] would not know that each subclass sets name and description).
TOOL_CLASSES: tuple[Callable[..., MemoryTool], ...] = (
    SearchMemoryTool,
    AddMemoryTool,
    UpdateMemoryTool,
    DeleteMemoryTool,
    GetMemoryTool,
    MemoryHistoryTool,
)


def memory_tools(
    memory: Any = None,
    *,
    user_id: str | None = None,
    agent_id: str | None = None,
    run_id: str | None = None,
    scope: Scope | None = None,
) -> list[MemoryTool]:
    """All six tools over one engine handle. Without ids, each call takes its scope from the
    agent's runtime (``context`` or ``configurable``)."""
    handle = EngineHandle.of(memory)
    return [
        cls(memory=handle, user_id=user_id, agent_id=agent_id, run_id=run_id, scope=scope)
        for cls in TOOL_CLASSES
    ]


def _brief(item: MemoryItem) -> dict[str, Any]:
    keep = ("id", "memory", "score", "created_at", "valid_from", "valid_until")
    return {key: item[key] for key in keep if item.get(key) is not None}  # type: ignore[literal-required]


def _not_found(memory_id: str) -> str:
    return (
        f"No memory with id {memory_id!r} among this user's memories. Search first and use "
        "an id from the results."
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
