"""The one repair retry, the same for every chat model the engine talks to.

A structured reply that cannot be used (not JSON, not of the schema, cut off, empty) gets ONE
retry: the model is shown its reply and told what was wrong (:func:`repair_request`). A second
unusable reply is an :class:`~memory_core.errors.LLMError` naming both problems; the usage of
both calls is counted either way. The OpenAI-compatible provider and every framework's model
bridge (LangChain, LlamaIndex, CrewAI) go through :func:`with_one_repair`; each says only how to
ask its model once.

    >>> import asyncio
    >>> from pydantic import BaseModel
    >>> from memory_core.llms.structured import parse_reply
    >>> class Fact(BaseModel):
    ...     text: str
    >>> replies = iter(['{"txt": "Alice likes tea"}', '{"text": "Alice likes tea"}'])
    >>> async def ask(repair: list[dict[str, str]]) -> Attempt[Fact]:
    ...     reply = next(replies)
    ...     return Attempt.of(lambda: parse_reply(reply, "stop", Fact), Usage(calls=1), reply)
    >>> answer = asyncio.run(with_one_repair(ask, model="scripted", label="Fact"))
    >>> answer.value.text, answer.usage.calls
    ('Alice likes tea', 2)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from memory_core.errors import LLMError
from memory_core.llms.base import LLMReply, Usage
from memory_core.llms.structured import ReplyProblem, repair_request

__all__ = ["Attempt", "RepairMessages", "repair_messages", "with_one_repair"]

M = TypeVar("M", bound=BaseModel)
logger = logging.getLogger("memory_core")

#: What the model is told the second time: its own reply, then what was wrong with it.
RepairMessages = list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class Attempt(Generic[M]):
    """One structured call's outcome: the value or why it is unusable, its usage, and the
    reply's text (shown back to the model in the repair; ``None`` when there is none to show)."""

    value: M | ReplyProblem
    usage: Usage
    reply: str | None = None

    @classmethod
    def of(cls, parse: Callable[[], M], usage: Usage, reply: str | None = None) -> Attempt[M]:
        """``parse()``'s value, or the :class:`ReplyProblem` it raised, as one attempt."""
        try:
            return cls(parse(), usage, reply)
        except ReplyProblem as problem:
            return cls(problem, usage, reply)


async def with_one_repair(
    ask: Callable[[RepairMessages], Awaitable[Attempt[M]]],
    *,
    model: str,
    label: str,
    advice: Callable[[ReplyProblem, ReplyProblem], str] | str = "",
) -> LLMReply[M]:
    """Ask once; if the reply is unusable, ask again with ``ask(repair_messages)`` (the
    messages to append to the prompt); a second unusable reply raises :class:`LLMError`."""
    first = await ask([])
    if not isinstance(first.value, ReplyProblem):
        return LLMReply(first.value, first.usage)
    logger.warning(
        "%s gave an unusable %s reply (%s); asking once for a repair", model, label, first.value
    )
    second = await ask(repair_messages(first.value, first.reply))
    usage = first.usage + second.usage
    if not isinstance(second.value, ReplyProblem):
        return LLMReply(second.value, usage)
    told = advice(first.value, second.value) if callable(advice) else advice
    raise LLMError(
        f"{model} gave no usable {label} reply, even after one repair retry: first "
        f"{first.value}; then {second.value}. {told}".rstrip(),
        usage=usage.as_dict(),
    )


def repair_messages(problem: ReplyProblem, reply: str | None) -> RepairMessages:
    """The model's own reply (when there is one to show) and what was wrong with it."""
    shown = [{"role": "assistant", "content": reply}] if reply and reply.strip() else []
    return [*shown, {"role": "user", "content": repair_request(problem)}]
