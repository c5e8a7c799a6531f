"""A scripted CrewAI LLM, for tests and offline examples: a peer at the LLM boundary.

    >>> from types import SimpleNamespace
    >>> llm = ScriptedLLM(replies={"Clerk": ["Final Answer: done"]})
    >>> llm.call("Do the thing", from_agent=SimpleNamespace(role="Clerk"))
    'Final Answer: done'
    >>> llm.prompts
    [('Clerk', 'Do the thing')]

Each agent role has its own list of replies, in order. A reply is a string (CrewAI's ReAct
text: ``Action: ... / Action Input: {...}`` or ``Final Answer: ...``) or a function of the
prompt CrewAI sent (to answer from what a tool or a memory recall put in it). Every prompt
is kept in :attr:`ScriptedLLM.prompts`, by role, so a test can see what the agent was shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crewai.llms.base_llm import BaseLLM
from pydantic import Field

from memory_core.errors import InvalidInputError

#: A reply: text, or a function of the prompt (which may return a pydantic object, as a
#: model with structured output does for ``response_model``).
Reply = str | Callable[[str], Any]


class ScriptedLLM(BaseLLM):
    """A ``BaseLLM`` that answers from a script, per agent role; never leaves the process."""

    model: str = "scripted"
    replies: dict[str, list[Any]] = Field(default_factory=dict)  # of Reply
    prompts: list[tuple[str, str]] = Field(default_factory=list)

    def __init__(self, **data: Any) -> None:
        data.setdefault("model", "scripted")  # CrewAI refuses an LLM without a model name
        super().__init__(**data)

    def call(
        self,
        messages: Any,
        tools: Any = None,
        callbacks: Any = None,
        available_functions: Any = None,
        from_task: Any = None,
        from_agent: Any = None,
        response_model: Any = None,
    ) -> Any:
        prompt = messages if isinstance(messages, str) else "\n".join(
            str(m.get("content", "")) for m in messages)  # fmt: skip
        role = str(getattr(from_agent, "role", "") or "")
        self.prompts.append((role, prompt))
        script = self.replies.get(role) or []
        if not script:
            raise InvalidInputError(
                f"ScriptedLLM has no reply left for agent {role!r}; add replies for it."
            )
        reply = script.pop(0)
        return reply(prompt) if callable(reply) else reply

    def supports_function_calling(self) -> bool:
        return False  # CrewAI's ReAct text protocol: the script is plain text

    def get_context_window_size(self) -> int:
        return 32_000
