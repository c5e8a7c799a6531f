"""A scripted tool-calling chat model, for offline tests and cookbooks (no network, no key).

    >>> from langchain_core.messages import AIMessage, HumanMessage
    >>> model = ScriptedChatModel(script=[AIMessage("Hello Alice")])
    >>> model.invoke([HumanMessage("Hi, I'm Alice")]).content
    'Hello Alice'
    >>> [m.content for m in model.prompts[0]]
    ["Hi, I'm Alice"]

Each call takes the next step of ``script``: an ``AIMessage`` (with ``tool_calls`` to make the
agent call tools) or a function of the prompt returning one. Every prompt the model received
is kept in ``prompts``, so a test can assert what the agent put in front of the model.
``bind_tools`` records the tool names offered; ``with_structured_output`` works through
LangChain's default tool-calling implementation (script an ``AIMessage`` whose tool call is
named after the schema).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field, PrivateAttr

Step = AIMessage | Callable[[list[BaseMessage]], AIMessage]


class ScriptedChatModel(BaseChatModel):
    """Replies with the next scripted step; raises when the script is used up."""

    script: list[Any] = Field(default_factory=list)
    """The steps: ``AIMessage`` s or functions of the prompt (``Step``), used in order."""
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    tools_offered: list[list[str]] = Field(default_factory=list)
    _position: int = PrivateAttr(default=0)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "memory-core-scripted"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            if self._position >= len(self.script):
                raise RuntimeError(
                    f"ScriptedChatModel: the script has {len(self.script)} steps and all were "
                    "used; add a step for this call."
                )
            step = self.script[self._position]
            self._position += 1
            self.prompts.append(list(messages))
        # A copy: LangChain stamps an id on the reply, and a reused step must not repeat it.
        reply = step(list(messages)) if callable(step) else step.model_copy()
        return ChatResult(generations=[ChatGeneration(message=reply)])

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[Any, AIMessage]:
        self.tools_offered.append([_tool_name(tool) for tool in tools])
        return self

    @property
    def remaining(self) -> int:
        """Steps not used yet."""
        return len(self.script) - self._position


def tool_call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    """A script step that calls one tool: ``tool_call("search_memory", {"query": "x"}, "1")``."""
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id}])


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        return str(tool.get("name") or tool.get("function", {}).get("name", "?"))
    return str(getattr(tool, "name", None) or getattr(tool, "__name__", "?"))
