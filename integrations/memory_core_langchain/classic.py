"""The classic API (``langchain-classic``): ``MemoryCoreMemory`` for chains that take a
``memory=``.

    >>> import tempfile
    >>> from memory_core import Memory
    >>> memory = Memory.from_config({"home": tempfile.mkdtemp()})
    >>> chain_memory = MemoryCoreMemory(memory=memory, user_id="alice")
    >>> chain_memory.save_context({"input": "I am vegetarian"}, {"output": "Noted!"})
    >>> "I am vegetarian" in chain_memory.load_memory_variables({"input": "dinner?"})["history"]
    True
    >>> memory.close()

``load_memory_variables`` searches the scope for the chain's input and returns the relevant
memories under ``memory_key``: as text (the kit's renderer), or with ``return_messages=True``
as one ``SystemMessage`` (none when nothing is relevant) for a ``MessagesPlaceholder``.
``save_context`` adds the exchange (inferred by the engine's LLM when it has one, unless
``infer=False``). ``clear`` erases the scope's memories, and only when built with
``allow_clear=True``: chains may call it, and erasing a user's long-term memory must be asked
for.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_classic.base_memory import BaseMemory
from langchain_classic.memory.utils import get_prompt_input_key
from langchain_core.messages import SystemMessage
from pydantic import Field, PrivateAttr

from memory_core import Scope
from memory_core.adapters import EngineHandle, render_memories
from memory_core.errors import InvalidInputError
from memory_core_langchain._runtime import ScopeRule, ids_of


class MemoryCoreMemory(BaseMemory):
    """A classic chain memory over one scope of the engine."""

    memory: Any = Field(default=None, exclude=True)
    """A ``Memory``, ``AsyncMemory``, ``EngineHandle`` or configuration (a new engine)."""
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    scope: Scope | None = None
    memory_key: str = "history"
    input_key: str | None = None
    output_key: str | None = None
    return_messages: bool = False
    limit: int = 5
    threshold: float | None = None
    max_tokens: int | None = None
    style: Literal["bullets", "xml"] = "bullets"
    infer: bool = True
    allow_clear: bool = False
    _handle: EngineHandle = PrivateAttr()
    _scope: Scope = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        self._handle = EngineHandle.of(self.memory)
        rule = ScopeRule.of(
            self.scope, user_id=self.user_id, agent_id=self.agent_id, run_id=self.run_id
        )
        self._scope = rule.resolve(None, None, "MemoryCoreMemory")

    @property
    def memory_variables(self) -> list[str]:
        return [self.memory_key]

    def load_memory_variables(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return self._variables(self._handle.run(self._search(inputs)))

    async def aload_memory_variables(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return self._variables(await self._handle.arun(self._search(inputs)))

    def save_context(self, inputs: dict[str, Any], outputs: dict[str, str]) -> None:
        self._handle.run(self._add(inputs, outputs))

    async def asave_context(self, inputs: dict[str, Any], outputs: dict[str, str]) -> None:
        await self._handle.arun(self._add(inputs, outputs))

    def clear(self) -> None:
        self._handle.run(self._clear())

    async def aclear(self) -> None:
        await self._handle.arun(self._clear())

    # --- the engine calls ----------------------------------------------------------------

    async def _search(self, inputs: dict[str, Any]) -> list[Any]:
        query = str(inputs[self._input_key(inputs)])
        if not query.strip():
            return []
        found = await self._handle.engine.search(
            query, limit=self.limit, threshold=self.threshold, **ids_of(self._scope)
        )
        return list(found["results"])

    async def _add(self, inputs: dict[str, Any], outputs: dict[str, str]) -> None:
        said = str(inputs[self._input_key(inputs)])
        answer = str(outputs[self.output_key or _only_key(outputs)])
        exchange = [{"role": "user", "content": said}, {"role": "assistant", "content": answer}]
        await self._handle.engine.add(exchange, infer=self.infer, **ids_of(self._scope))

    async def _clear(self) -> None:
        if not self.allow_clear:
            raise InvalidInputError(
                "MemoryCoreMemory.clear() would erase every long-term memory of "
                f"{self._scope.ids()}. Build it with allow_clear=True to allow that."
            )
        await self._handle.engine.delete_all(**ids_of(self._scope))

    def _input_key(self, inputs: dict[str, Any]) -> str:
        return self.input_key or get_prompt_input_key(inputs, self.memory_variables)

    def _variables(self, items: list[Any]) -> dict[str, Any]:
        text = render_memories(items, style=self.style, max_tokens=self.max_tokens)
        if self.return_messages:
            return {self.memory_key: [SystemMessage(text)] if text else []}
        return {self.memory_key: text}


def _only_key(outputs: dict[str, str]) -> str:
    if len(outputs) != 1:
        raise InvalidInputError(
            f"MemoryCoreMemory got several outputs ({sorted(outputs)}); pass output_key= to "
            "say which one is the reply to remember."
        )
    return next(iter(outputs))
