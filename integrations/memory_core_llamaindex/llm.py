"""Any LlamaIndex ``LLM`` as the engine's LLM (the protocol the engine calls for extraction,
reconciliation and procedural summaries).

    >>> from llama_index.core.llms.mock import MockLLM
    >>> LlamaIndexLLM(MockLLM()).model_name
    'llamaindex:MockLLM'

Structured replies go through LlamaIndex's own structured output when the model calls
functions (``as_structured_llm``: the schema as a tool, validated by LlamaIndex); any other
model is asked for JSON with the schema in the prompt, and its reply is validated by the
engine's own parser — one repair round with the validation error, then ``LLMError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.llms.llm import LLM as LlamaLLM
from pydantic import BaseModel, ValidationError

from memory_core.adapters import (
    Attempt,
    LLMReply,
    Usage,
    describe_validation_error,
    parse_reply,
    schema_instructions,
    with_one_repair,
)
from memory_core.errors import LLMError

M = TypeVar("M", bound=BaseModel)
#: Engine messages are OpenAI-style dicts; LlamaIndex takes these roles as they are.
_ROLES = {"system", "user", "assistant", "tool", "developer"}


class LlamaIndexLLM:
    """The engine's LLM protocol over a LlamaIndex ``LLM``: pass it as
    ``Memory(config, llm=LlamaIndexLLM(llm))``."""

    def __init__(self, llm: LlamaLLM, *, structured_output: bool | None = None) -> None:
        self.llm = llm
        #: Use ``as_structured_llm`` (default: when the model calls functions).
        self.structured_output = (
            llm.metadata.is_function_calling_model if structured_output is None
            else structured_output
        )  # fmt: skip

    @property
    def model_name(self) -> str:
        name = self.llm.metadata.model_name
        return f"llamaindex:{name if name and name != 'unknown' else type(self.llm).__name__}"

    async def structured(
        self, messages: Sequence[Mapping[str, Any]], schema: type[M], *, name: str | None = None
    ) -> LLMReply[M]:
        chat = to_llamaindex(messages)
        if self.structured_output:
            return await self._with_structured_llm(chat, schema)
        return await self._with_json(chat, schema)

    async def text(self, messages: Sequence[Mapping[str, Any]]) -> LLMReply[str]:
        response = await self._chat(to_llamaindex(messages))
        return LLMReply(response.message.content or "", _usage(response))

    async def close(self) -> None:
        """Nothing to release: the LlamaIndex LLM is the caller's."""

    async def _with_structured_llm(self, chat: list[ChatMessage], schema: type[M]) -> LLMReply[M]:
        structured = self.llm.as_structured_llm(schema)
        try:
            response = await structured.achat(chat)
            value = schema.model_validate(response.raw)
        except ValidationError as exc:
            raise LLMError(
                f"{self._name} answered outside the {schema.__name__} schema: "
                f"{describe_validation_error(exc)}",
                usage=Usage(calls=1).as_dict(),
            ) from exc
        except (ValueError, TypeError) as exc:
            raise LLMError(
                f"{self._name} gave no structured {schema.__name__} reply: {exc}. Try "
                "structured_output=False (JSON in the prompt) for this model.",
                usage=Usage(calls=1).as_dict(),
            ) from exc
        return LLMReply(value, _usage(response))

    async def _with_json(self, chat: list[ChatMessage], schema: type[M]) -> LLMReply[M]:
        request = [ChatMessage(role="system", content=schema_instructions(schema)), *chat]

        async def ask(repair: list[dict[str, str]]) -> Attempt[M]:
            response = await self._chat([*request, *to_llamaindex(repair)])
            content = response.message.content
            return Attempt.of(lambda: parse_reply(content, None, schema), _usage(response), content)

        return await with_one_repair(ask, model=self._name, label=schema.__name__)

    async def _chat(self, chat: list[ChatMessage]) -> ChatResponse:
        try:
            return await self.llm.achat(chat)
        except Exception as exc:
            raise LLMError(f"{self._name} failed: {exc}") from exc

    @property
    def _name(self) -> str:
        return type(self.llm).__name__


def to_llamaindex(messages: Sequence[Mapping[str, Any]]) -> list[ChatMessage]:
    """The engine's OpenAI-style messages as LlamaIndex messages (text parts joined)."""
    converted = []
    for message in messages:
        role = str(message.get("role", "user"))
        converted.append(
            ChatMessage(role=role if role in _ROLES else "user", content=_text(message))
        )
    return converted


def _text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, Mapping))


def _usage(response: Any) -> Usage:
    """Token counts when the provider reported them (OpenAI-style ``usage``), else one call."""
    raw = getattr(response, "raw", None)
    reported = getattr(raw, "usage", None) or (raw.get("usage") if isinstance(raw, dict) else None)
    if isinstance(reported, Mapping):
        return Usage(1, int(reported.get("prompt_tokens", 0)),
                     int(reported.get("completion_tokens", 0)))  # fmt: skip
    if reported is not None:
        return Usage(1, int(getattr(reported, "prompt_tokens", 0) or 0),
                     int(getattr(reported, "completion_tokens", 0) or 0))  # fmt: skip
    return Usage(calls=1)
