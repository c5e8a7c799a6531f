"""The memory manager's model: any OpenAI-compatible chat endpoint, through ``AsyncOpenAI``.

    >>> import asyncio
    >>> from pydantic import BaseModel
    >>> from memory_core.llms import OpenAILLM
    >>> from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion
    >>> class Facts(BaseModel):
    ...     facts: list[str]
    >>> async def demo(base_url):
    ...     async with OpenAILLM(model="gpt-4.1-mini", base_url=base_url, api_key="k") as llm:
    ...         messages = [{"role": "user", "content": "I moved to Lisbon and I love tea."}]
    ...         return await llm.structured(messages, Facts)
    >>> with ScriptedOpenAIServer() as server:
    ...     _ = server.script(Reply(chat_completion({"facts": ["Lives in Lisbon", "Loves tea"]})))
    ...     reply = asyncio.run(demo(server.base_url))
    >>> reply.value.facts, reply.usage.calls
    (['Lives in Lisbon', 'Loves tea'], 1)

Endpoints
---------
One class for every endpoint; only the configuration (``MemoryConfig.llm`` or these keyword
arguments) changes between them::

    OpenAI        {"model": "gpt-4.1-mini"}                    key: api_key or OPENAI_API_KEY
    Azure OpenAI  {"provider": "azure_openai", "model": "<deployment name>",
                   "base_url": "https://<resource>.openai.azure.com",
                   "api_version": "2024-10-21", "api_key": "..."}
                  (or AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION, AZURE_OPENAI_API_KEY; Azure's
                   newer v1 API is plain OpenAI: {"model": "<deployment>",
                   "base_url": "https://<resource>.openai.azure.com/openai/v1/", "api_key": ...})
    Ollama        {"model": "qwen2.5:7b", "base_url": "http://localhost:11434/v1"}
    vLLM          {"model": "Qwen/Qwen2.5-7B-Instruct", "base_url": "http://localhost:8000/v1"}
    llama.cpp     {"model": "local", "base_url": "http://localhost:8080/v1"}   (llama-server)

Local servers need no key: with a ``base_url`` and no key a placeholder is sent. OpenAI's
reasoning models (o-series, gpt-5) accept only ``temperature=1`` and no ``max_tokens``: set
``temperature: 1`` and leave ``max_tokens`` unset for them.

Structured output
-----------------
:meth:`OpenAILLM.structured` asks for ``response_format={"type": "json_schema", ...}`` with a
strict schema built from the pydantic model (see :mod:`memory_core.llms.structured`).
With ``response_format="auto"`` (the default), an endpoint that refuses it (a 400/422 whose
error names ``response_format`` or ``json_schema``, as older vLLM, Ollama and llama.cpp builds
answer) is asked again at once in JSON mode (``{"type": "json_object"}``, the schema in the
system message), and this object remembers to use JSON mode from then on. ``"json_schema"``
never falls back (a refusal is an :class:`~memory_core.errors.LLMError`); ``"json_object"``
never tries ``json_schema``.

Every reply is validated with pydantic. One that is empty, cut off (``finish_reason ==
"length"``), not JSON or not of the schema gets ONE repair retry: the model is shown its reply
and what was wrong with it, and asked for the corrected JSON. If that fails too,
:class:`~memory_core.errors.LLMError` is raised; the malformed text never leaves this module.

Retries, usage, logs
--------------------
429, 408, 409, 5xx, timeouts and dropped connections are retried by the ``openai`` client
itself, ``max_retries`` times with exponential backoff (0.5 s doubling to 8 s, with jitter),
honouring ``Retry-After`` / ``retry-after-ms``. Then an :class:`LLMError` says what to check.
:class:`~memory_core.llms.base.Usage` sums the tokens of every answered request of a call,
the repair included; ``calls`` counts answered requests (a retried 429 is not one). Each
request's model, tokens and latency are logged at DEBUG on ``memory_core``; keys and message
contents never are.

The ``AsyncOpenAI`` client's connection pool belongs to the event loop that first uses it:
use one ``OpenAILLM`` from one loop (the engine's), and ``await close()`` on that loop.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, cast

import openai
from pydantic import BaseModel

from memory_core.errors import ConfigError, InvalidInputError, LLMError
from memory_core.llms.base import ChatMessage, LLMReply, M, Usage
from memory_core.llms.repair import Attempt, RepairMessages, with_one_repair
from memory_core.llms.structured import (
    ReplyProblem,
    parse_reply,
    schema_instructions,
    schema_name,
    strict_json_schema,
)
from memory_core.openai_errors import error_detail, error_status

logger = logging.getLogger("memory_core")

Provider = Literal["openai", "azure_openai"]
ResponseFormat = Literal["auto", "json_schema", "json_object"]
StructuredMode = Literal["json_schema", "json_object"]

#: Sent when a ``base_url`` is given without any key: local servers (Ollama, vLLM, llama.cpp,
#: the scripted test server) ignore it; a real OpenAI endpoint answers 401, which becomes an
#: error that says to set the key.
PLACEHOLDER_KEY = "not-needed"
_RESPONSE_FORMATS = ("auto", "json_schema", "json_object")
_REFUSAL_HINTS = ("response_format", "response format", "json_schema", "json schema")


@dataclass(frozen=True, slots=True)
class _Answer:
    content: str | None
    finish_reason: str | None
    usage: Usage
    refused: bool = False

    def parse(self, schema: type[M]) -> M:
        if self.refused and not self.content:
            raise ReplyProblem("the model refused to answer (a refusal instead of content)")
        return parse_reply(self.content, self.finish_reason, schema)


class OpenAILLM:
    """An :class:`~memory_core.llms.base.LLM` over one ``AsyncOpenAI`` (or Azure) client."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        provider: Provider = "openai",
        api_version: str | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        response_format: ResponseFormat = "auto",
    ) -> None:
        _check_options(model, provider, temperature, max_tokens, timeout, max_retries)
        if response_format not in _RESPONSE_FORMATS:
            raise ConfigError(
                f"llm.response_format must be one of {', '.join(_RESPONSE_FORMATS)}, "
                f"not {response_format!r}."
            )
        self._model = model
        self._provider: Provider = provider
        self._temperature = temperature
        self._max_tokens = max_tokens
        self._timeout = timeout
        self._max_retries = max_retries
        self._response_format: ResponseFormat = response_format
        self._mode: StructuredMode = (
            "json_object" if response_format == "json_object" else "json_schema"
        )
        self._client: openai.AsyncOpenAI
        if provider == "azure_openai":
            self._client = _azure_client(base_url, api_key, api_version, timeout, max_retries)
        else:
            if api_version is not None:
                raise ConfigError(
                    "llm.api_version is for provider 'azure_openai' only. Set provider: "
                    "azure_openai (with base_url = your Azure endpoint and model = the "
                    "deployment name), or unset api_version."
                )
            key = api_key or os.environ.get("OPENAI_API_KEY")
            if not key:
                if base_url is None and not os.environ.get("OPENAI_BASE_URL"):
                    raise ConfigError(
                        "The LLM has no API key: set llm.api_key or the OPENAI_API_KEY "
                        "environment variable (or llm.base_url for a local server, such as "
                        "Ollama at http://localhost:11434/v1, that needs no key)."
                    )
                key = PLACEHOLDER_KEY
            self._client = openai.AsyncOpenAI(
                api_key=key, base_url=base_url, timeout=timeout, max_retries=max_retries
            )
        self.base_url = str(self._client.base_url)
        self._closed = False

    # --- protocol ---------------------------------------------------------------------------

    @property
    def model_name(self) -> str:
        return self._model

    @property
    def structured_mode(self) -> StructuredMode:
        """What :meth:`structured` asks for now: ``json_schema``, or ``json_object`` once
        configured so or after the endpoint refused ``json_schema``."""
        return self._mode

    async def structured(
        self, messages: Sequence[ChatMessage], schema: type[M], *, name: str | None = None
    ) -> LLMReply[M]:
        """A reply validated against ``schema``; at most one repair retry
        (:func:`~memory_core.llms.repair.with_one_repair`); else LLMError."""
        sent = _copy_messages(messages)
        label = schema_name(schema, name)
        # The first request as sent (after any JSON-mode fallback): the repair extends it.
        first: tuple[list[dict[str, Any]], dict[str, Any]] | None = None

        async def ask(repair: RepairMessages) -> Attempt[M]:
            nonlocal first
            if first is None:
                request, response_format, answer = await self._first_structured(sent, schema, label)
                first = (request, response_format)
            else:
                request, response_format = first
                answer = await self._complete_or_raise(
                    [*request, *repair], response_format, structured=self._mode
                )
            return Attempt.of(lambda: answer.parse(schema), answer.usage, answer.content)

        return await with_one_repair(
            ask, model=f"The model {self._model!r} at {self.base_url}", label=label,
            advice=lambda first, then: _advice(first, then, self._mode),
        )  # fmt: skip

    async def _first_structured(
        self, sent: list[dict[str, Any]], schema: type[BaseModel], label: str
    ) -> tuple[list[dict[str, Any]], dict[str, Any], _Answer]:
        """The first structured request; in ``auto``, an endpoint refusing ``json_schema``
        switches this provider to JSON mode (from now on) and the request is sent again."""
        mode = self._mode
        try:
            request, response_format = self._structured_request(sent, schema, label, mode)
            return request, response_format, await self._complete(request, response_format)
        except openai.OpenAIError as exc:
            if not (self._response_format == "auto" and mode == "json_schema"):
                raise LLMError(self._explain(exc, structured=mode)) from exc
            if not _refuses_json_schema(exc):
                raise LLMError(self._explain(exc)) from exc
            self._mode = mode = "json_object"
            logger.warning(
                "%s refused structured output (json_schema: %s); using JSON mode with "
                "validation from now on",
                self.base_url,
                error_detail(exc),
            )
        request, response_format = self._structured_request(sent, schema, label, mode)
        answer = await self._complete_or_raise(request, response_format, structured=mode)
        return request, response_format, answer

    async def text(self, messages: Sequence[ChatMessage]) -> LLMReply[str]:
        """A plain-text reply; an empty one is an :class:`LLMError`."""
        answer = await self._complete_or_raise(_copy_messages(messages), None)
        if answer.content is None or not answer.content.strip():
            raise LLMError(
                f"The model {self._model!r} at {self.base_url} answered with an empty reply "
                f"(finish_reason={answer.finish_reason}). "
                + (
                    "Raise llm.max_tokens: the limit was reached before any text."
                    if answer.finish_reason == "length"
                    else "Try again, or check that llm.model is a chat model."
                )
            )
        if answer.finish_reason == "length":
            logger.warning(
                "%s (model %s): the text reply was cut at llm.max_tokens=%s",
                self.base_url,
                self._model,
                self._max_tokens,
            )
        return LLMReply(answer.content, answer.usage)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._client.close()

    async def __aenter__(self) -> OpenAILLM:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:  # never the key
        return (
            f"OpenAILLM(model={self._model!r}, base_url={self.base_url!r}, "
            f"provider={self._provider!r}, structured_mode={self._mode!r})"
        )

    # --- requests -----------------------------------------------------------------------------

    def _structured_request(
        self,
        messages: list[dict[str, Any]],
        schema: type[BaseModel],
        label: str,
        mode: StructuredMode,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        if mode == "json_schema":
            json_schema = {"name": label, "schema": strict_json_schema(schema), "strict": True}
            return messages, {"type": "json_schema", "json_schema": json_schema}
        return _with_system(messages, schema_instructions(schema)), {"type": "json_object"}

    async def _complete_or_raise(
        self,
        messages: list[dict[str, Any]],
        response_format: dict[str, Any] | None,
        *,
        structured: StructuredMode | None = None,
    ) -> _Answer:
        try:
            return await self._complete(messages, response_format)
        except openai.OpenAIError as exc:
            raise LLMError(self._explain(exc, structured=structured)) from exc

    async def _complete(
        self, messages: list[dict[str, Any]], response_format: dict[str, Any] | None
    ) -> _Answer:
        """One chat completion (the client retries transient failures); raw openai errors."""
        if self._closed:
            raise LLMError(
                f"This OpenAILLM ({self._model!r} at {self.base_url}) is closed. Create a new "
                "one, or use it as `async with OpenAILLM(...) as llm:` for the whole block."
            )
        if not messages:
            raise InvalidInputError("An LLM call needs at least one message.")
        options: dict[str, Any] = {
            "model": self._model,
            "messages": messages,
            "temperature": self._temperature,
        }
        if self._max_tokens is not None:
            options["max_tokens"] = self._max_tokens
        if response_format is not None:
            options["response_format"] = response_format
        started = time.perf_counter()
        try:
            completion = await self._client.chat.completions.create(**options)
        except openai.OpenAIError as exc:
            logger.debug(
                "llm %s failed after %.0f ms: %s",
                self._model,
                (time.perf_counter() - started) * 1000,
                type(exc).__name__,
            )
            raise
        elapsed = time.perf_counter() - started
        completion = cast("openai.types.chat.ChatCompletion", completion)
        tokens = completion.usage
        usage = Usage(
            calls=1,
            prompt_tokens=tokens.prompt_tokens if tokens else 0,
            completion_tokens=tokens.completion_tokens if tokens else 0,
        )
        choice = completion.choices[0] if completion.choices else None
        finish_reason = choice.finish_reason if choice else None
        logger.debug(
            "llm %s: %d prompt + %d completion tokens in %.0f ms (finish_reason=%s, %s)",
            self._model,
            usage.prompt_tokens,
            usage.completion_tokens,
            elapsed * 1000,
            finish_reason,
            (response_format or {}).get("type", "text"),
        )
        if choice is None:
            return _Answer(None, None, usage)
        refused = bool(getattr(choice.message, "refusal", None))
        return _Answer(choice.message.content, finish_reason, usage, refused)

    # --- errors -------------------------------------------------------------------------------

    def _explain(self, exc: openai.OpenAIError, *, structured: StructuredMode | None = None) -> str:
        """A message that says what to check, by kind of failure."""
        where = f"{self.base_url} (model {self._model!r})"
        detail, status = error_detail(exc), error_status(exc)
        retries = f"after {self._max_retries} {'retry' if self._max_retries == 1 else 'retries'}"
        key_hint = (
            "llm.api_key or AZURE_OPENAI_API_KEY"
            if self._provider == "azure_openai"
            else "llm.api_key or OPENAI_API_KEY"
        )
        if isinstance(exc, openai.APITimeoutError):
            return (
                f"The LLM request to {where} timed out (llm.timeout={self._timeout}s) "
                f"{retries}. Check that the server is up and the model is loaded; raise "
                "llm.timeout for slow local models."
            )
        if isinstance(exc, openai.APIConnectionError):
            return (
                f"Cannot connect to the LLM at {where} {retries}: {detail}. Check llm.base_url "
                "(host, port and the /v1 suffix) and that the server is running."
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return f"{where} refused the API key ({status}: {detail}). Check {key_hint}."
        if isinstance(exc, openai.NotFoundError):
            deployment = " (for Azure: the deployment name)" if self._provider != "openai" else ""
            return (
                f"{where} answered {status} ({detail}). Check llm.model{deployment}: the "
                "server must serve it; and llm.base_url (usually ending in /v1)."
            )
        if isinstance(exc, openai.RateLimitError):
            return (
                f"{where} kept rate-limiting ({status}) {retries} ({detail}). Slow down, "
                "raise llm.max_retries, or check your quota."
            )
        if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
            if structured == "json_schema" and _refuses_json_schema(exc):
                return (
                    f"{where} refused structured output ({status}: {detail}). Set "
                    "llm.response_format to 'auto' (falls back to JSON mode) or 'json_object'."
                )
            if structured == "json_object" and _refuses_json_schema(exc, json_mode=True):
                return (
                    f"{where} refused JSON mode ({status}: {detail}). Use a server or "
                    "model that supports response_format json_object or json_schema."
                )
            return (
                f"{where} rejected the request ({status}: {detail}). Check llm.model, "
                "llm.temperature and llm.max_tokens (reasoning models accept only "
                "temperature=1 and no max_tokens) and that the prompt fits the context window."
            )
        if isinstance(exc, openai.APIStatusError):
            return (
                f"{where} failed with {status} {retries} ({detail}). Check the server's "
                "logs, llm.base_url and llm.model; try again later."
            )
        return f"The LLM request to {where} failed: {detail}. Check llm.base_url and llm.model."


# --- helpers ---------------------------------------------------------------------------------


def _check_options(
    model: str,
    provider: str,
    temperature: float,
    max_tokens: int | None,
    timeout: float,
    max_retries: int,
) -> None:
    if not model:
        raise ConfigError(
            "The LLM needs a model name: set llm.model, e.g. 'gpt-4.1-mini', the Azure "
            "deployment name, or the name your local server serves."
        )
    if provider not in ("openai", "azure_openai"):
        raise ConfigError(f"llm.provider must be 'openai' or 'azure_openai', not {provider!r}.")
    if not 0.0 <= temperature <= 2.0:
        raise ConfigError(f"llm.temperature must be between 0 and 2, got {temperature}.")
    if max_tokens is not None and max_tokens <= 0:
        raise ConfigError(f"llm.max_tokens must be positive, got {max_tokens}; or unset it.")
    if timeout <= 0:
        raise ConfigError(f"llm.timeout must be positive seconds, got {timeout}.")
    if max_retries < 0:
        raise ConfigError(f"llm.max_retries must be 0 or more, got {max_retries}.")


def _azure_client(
    endpoint: str | None,
    api_key: str | None,
    api_version: str | None,
    timeout: float,
    max_retries: int,
) -> openai.AsyncAzureOpenAI:
    endpoint = endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
    api_version = api_version or os.environ.get("OPENAI_API_VERSION")
    api_key = api_key or os.environ.get("AZURE_OPENAI_API_KEY")
    missing = [
        what
        for what, value in (
            ("llm.base_url (your endpoint, https://<resource>.openai.azure.com)", endpoint),
            ("llm.api_version (e.g. 2024-10-21)", api_version),
            ("llm.api_key (or AZURE_OPENAI_API_KEY)", api_key),
        )
        if not value
    ]
    if missing or endpoint is None:
        raise ConfigError(
            "Provider azure_openai needs " + ", ".join(missing) + ". llm.model is the "
            "deployment name. (Azure's v1 API needs no api_version: use provider 'openai' "
            "with base_url https://<resource>.openai.azure.com/openai/v1/.)"
        )
    return openai.AsyncAzureOpenAI(
        azure_endpoint=endpoint,
        api_version=api_version,
        api_key=api_key,
        timeout=timeout,
        max_retries=max_retries,
    )


def _copy_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Shallow copies, sent as given: image parts and any other content pass through."""
    if isinstance(messages, str | bytes):
        raise InvalidInputError(
            "messages must be a list of {'role', 'content'} dicts, not a string: wrap it as "
            "[{'role': 'user', 'content': text}]."
        )
    return [dict(message) for message in messages]


def _with_system(messages: list[dict[str, Any]], instructions: str) -> list[dict[str, Any]]:
    """Add ``instructions`` to the leading system message (many chat templates allow only
    one, first), or put a system message first."""
    if messages and messages[0].get("role") == "system":
        content = messages[0].get("content")
        if isinstance(content, str):
            return [{**messages[0], "content": f"{content}\n\n{instructions}"}, *messages[1:]]
    return [{"role": "system", "content": instructions}, *messages]


def _refuses_json_schema(exc: openai.OpenAIError, *, json_mode: bool = False) -> bool:
    """A 400/422 about ``response_format``: the endpoint does not do this kind of output."""
    if not isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return False
    said = f"{error_detail(exc)} {getattr(exc, 'param', None) or ''}".lower()
    hints = (*_REFUSAL_HINTS, "json_object", "json mode") if json_mode else _REFUSAL_HINTS
    return any(hint in said for hint in hints)


def _advice(first: ReplyProblem, second: ReplyProblem, mode: StructuredMode) -> str:
    if "cut off" in f"{first} {second}":
        return "Raise llm.max_tokens (or unset it), or send fewer messages per call."
    if mode == "json_object":
        return (
            "The endpoint runs in JSON mode without schema enforcement: use a stronger model, "
            "the two-call mode for weak models, or a server that supports json_schema."
        )
    return "Use a stronger model, or the two-call mode for weak models."
