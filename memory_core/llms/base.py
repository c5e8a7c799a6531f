"""The LLM protocol: chat messages in, a validated pydantic object (or text) out.

    >>> # With the scripted server from memory_core.testing, or any OpenAI-compatible endpoint:
    >>> # llm = OpenAILLM(model="gpt-4.1-mini")
    >>> # reply = await llm.structured(messages, Operations)
    >>> # reply.value        -> an Operations instance, validated
    >>> # reply.usage        -> Usage(calls=1, prompt_tokens=..., completion_tokens=...)

The engine never sees an unvalidated reply: :meth:`LLM.structured` either returns an
instance of the schema or raises :class:`~memory_core.errors.LLMError`. Every call's token
usage is returned with its result, so ``add`` can report what it cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeAlias, TypeVar, runtime_checkable

from pydantic import BaseModel

ChatMessage: TypeAlias = Mapping[str, Any]
"""An OpenAI-style chat message: ``{"role": ..., "content": str | list of parts}``."""

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Usage:
    """What LLM calls cost. Adds up with ``+``."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.calls + other.calls,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, int]) -> Usage:
        """The inverse of :meth:`as_dict` (missing keys count as 0)."""
        return cls(
            data.get("llm_calls", 0), data.get("prompt_tokens", 0), data.get("completion_tokens", 0)
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "llm_calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


@dataclass(frozen=True, slots=True)
class LLMReply(Generic[T]):
    value: T
    usage: Usage


@runtime_checkable
class LLM(Protocol):
    """Async chat model. Implementations retry transient failures themselves."""

    @property
    def model_name(self) -> str: ...

    async def structured(
        self, messages: Sequence[ChatMessage], schema: type[M], *, name: str | None = None
    ) -> LLMReply[M]:
        """A reply validated against ``schema``. Raises :class:`LLMError` when the model
        keeps failing or keeps answering something that does not validate."""
        ...

    async def text(self, messages: Sequence[ChatMessage]) -> LLMReply[str]:
        """A plain-text reply (image descriptions, for example)."""
        ...

    async def close(self) -> None: ...
