"""A CrewAI LLM as the engine's LLM: ``Memory(config, llm=CrewAIChatModel(LLM(model=...)))``.

The engine asks for replies validated against a pydantic schema. CrewAI's ``BaseLLM.call``
takes a ``response_model``: when the model returns an instance of the schema, that is the
reply; otherwise its text is parsed as JSON and validated with the engine's own rules (code
fences tolerated), with ONE repair retry that says what was wrong, then
:class:`~memory_core.errors.LLMError`. The model's text never appears in an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from crewai.llms.base_llm import BaseLLM
from pydantic import BaseModel

from memory_core.adapters import (
    Attempt,
    LLMReply,
    Usage,
    parse_reply,
    schema_instructions,
    with_one_repair,
)
from memory_core.errors import LLMError

M = TypeVar("M", bound=BaseModel)


class CrewAIChatModel:
    """The engine's LLM protocol over a CrewAI ``BaseLLM`` (``crewai.LLM`` or a custom one).

    CrewAI's ``call`` is blocking, so it runs in a worker thread; the engine's loop stays free.
    """

    def __init__(self, llm: BaseLLM) -> None:
        self.llm = llm

    @property
    def model_name(self) -> str:
        return f"crewai:{self.llm.model}"

    async def structured(
        self, messages: Sequence[Mapping[str, Any]], schema: type[M], *, name: str | None = None
    ) -> LLMReply[M]:
        prompt = [{"role": "system", "content": schema_instructions(schema)}, *_plain(messages)]

        async def ask(repair: list[dict[str, str]]) -> Attempt[M]:
            reply = await self._call([*prompt, *repair], schema)
            # No reply text to show back: the repair is the request alone, as CrewAI asks.
            return Attempt.of(lambda: _validated(reply, schema), Usage(calls=1))

        return await with_one_repair(
            ask, model=f"The CrewAI model {self.llm.model!r}", label=schema.__name__,
            advice="Use a model that follows JSON instructions, or one with structured output.",
        )  # fmt: skip

    async def text(self, messages: Sequence[Mapping[str, Any]]) -> LLMReply[str]:
        reply = await self._call(_plain(messages), None)
        return LLMReply(str(reply), Usage(calls=1))

    async def close(self) -> None:
        return None

    async def _call(self, messages: list[dict[str, Any]], schema: type[BaseModel] | None) -> Any:
        try:
            prompt: Any = messages  # CrewAI's LLMMessage is a TypedDict of the same shape
            return await asyncio.to_thread(self.llm.call, prompt, response_model=schema)
        except Exception as exc:  # CrewAI raises provider errors of every kind
            raise LLMError(
                f"The CrewAI model {self.llm.model!r} failed ({type(exc).__name__}); check "
                "its configuration (model name, key, endpoint)."
            ) from exc


def _validated(reply: Any, schema: type[M]) -> M:
    if isinstance(reply, schema):
        return reply
    if isinstance(reply, BaseModel):
        reply = reply.model_dump_json()
    return parse_reply(str(reply), "stop", schema)


def _plain(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """CrewAI expects text contents; image parts become their text placeholders."""
    plain = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        plain.append({"role": str(message.get("role", "user")), "content": content or ""})
    return plain
