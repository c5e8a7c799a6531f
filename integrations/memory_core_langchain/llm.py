"""Any LangChain chat model as the engine's LLM (the memory manager's structured call).

    engine = AsyncMemory(config, llm=ChatModelLLM(ChatOpenAI(model="gpt-4.1-mini")))

``structured`` asks through the model's own structured-output support
(``with_structured_output``, usually tool calling); a model without it (``NotImplementedError``)
is asked for JSON instead, with the schema in a system message. Either way the reply is
validated against the engine's schema, and an unusable one gets the engine's single repair
retry (the same problem descriptions the OpenAI-compatible provider sends); then
:class:`~memory_core.errors.LLMError`, which the engine turns into its verbatim fallback
unless configured to raise. Token usage comes from the replies' ``usage_metadata``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    SystemMessage,
    convert_to_messages,
)
from pydantic import BaseModel, ValidationError

from memory_core.adapters import (
    Attempt,
    LLMReply,
    ReplyProblem,
    Usage,
    describe_validation_error,
    parse_reply,
    schema_instructions,
    with_one_repair,
)
from memory_core.errors import LLMError

M = TypeVar("M", bound=BaseModel)

StructuredMode = Literal["auto", "tools", "json"]


class ChatModelLLM:
    """The engine's LLM protocol over a LangChain ``BaseChatModel``."""

    def __init__(self, model: BaseChatModel, *, structured: StructuredMode = "auto") -> None:
        self.model = model
        self._mode: StructuredMode = structured

    @property
    def model_name(self) -> str:
        name = getattr(self.model, "model_name", None) or getattr(self.model, "model", None)
        return f"langchain:{name or type(self.model).__name__}"

    async def structured(
        self, messages: Sequence[Mapping[str, Any]], schema: type[M], *, name: str | None = None
    ) -> LLMReply[M]:
        prompt = convert_to_messages([dict(m) for m in messages])

        async def ask(repair: list[dict[str, str]]) -> Attempt[M]:
            value, usage = await self._ask([*prompt, *convert_to_messages(repair)], schema)
            return Attempt(value, usage)  # the request alone: a tool call has no text to show

        return await with_one_repair(
            ask, model=f"The chat model {self.model_name}", label=schema.__name__,
            advice="Use a model with tool calling or JSON output, or set "
            "inference.on_llm_error to store verbatim.",
        )  # fmt: skip

    async def text(self, messages: Sequence[Mapping[str, Any]]) -> LLMReply[str]:
        reply = await self._invoke(self.model, convert_to_messages([dict(m) for m in messages]))
        if not reply.text.strip():
            raise LLMError(f"The chat model {self.model_name} answered with an empty reply.")
        return LLMReply(reply.text, _usage(reply))

    async def close(self) -> None:
        return None  # the chat model belongs to the caller

    # --- one attempt -------------------------------------------------------------------------

    async def _ask(
        self, prompt: list[BaseMessage], schema: type[M]
    ) -> tuple[M | ReplyProblem, Usage]:
        if self._mode != "json":
            try:
                runnable = self.model.with_structured_output(schema, include_raw=True)
            except NotImplementedError:
                self._mode = "json"  # the model has no structured output: JSON from now on
            else:
                answer = await self._invoke(runnable, prompt)
                return _from_structured(answer, schema)
        reply = await self._invoke(
            self.model, [SystemMessage(schema_instructions(schema)), *prompt]
        )
        try:
            return parse_reply(reply.text, _finish(reply), schema), _usage(reply)
        except ReplyProblem as problem:
            return problem, _usage(reply)

    async def _invoke(self, runnable: Any, prompt: list[BaseMessage]) -> Any:
        try:
            return await runnable.ainvoke(prompt)
        except Exception as exc:  # a provider's own error types are unknown here
            raise LLMError(
                f"The chat model {self.model_name} failed: {type(exc).__name__}: {exc}. Check "
                "its configuration (key, endpoint, model name)."
            ) from exc


def _from_structured(answer: Mapping[str, Any], schema: type[M]) -> tuple[M | ReplyProblem, Usage]:
    raw = answer.get("raw")
    usage = _usage(raw) if isinstance(raw, AIMessage) else Usage(calls=1)
    parsed = answer.get("parsed")
    try:
        if isinstance(parsed, schema):
            return parsed, usage
        if parsed is not None:
            return schema.model_validate(parsed), usage
    except ValidationError as exc:
        return ReplyProblem(describe_validation_error(exc)), usage
    error = answer.get("parsing_error")
    if isinstance(error, ValidationError):
        return ReplyProblem(describe_validation_error(error)), usage
    if isinstance(raw, AIMessage) and raw.text.strip():  # JSON in the text, not in a tool call
        try:
            return parse_reply(raw.text, _finish(raw), schema), usage
        except ReplyProblem as problem:
            return problem, usage
    return ReplyProblem(f"it did not call the {schema.__name__} tool"), usage


def _usage(reply: AIMessage) -> Usage:
    meta = reply.usage_metadata
    if meta is None:
        return Usage(calls=1)
    return Usage(1, meta.get("input_tokens", 0), meta.get("output_tokens", 0))


def _finish(reply: AIMessage) -> str | None:
    reason = reply.response_metadata.get("finish_reason") or reply.response_metadata.get(
        "stop_reason"
    )
    return "length" if reason in ("length", "max_tokens") else None
