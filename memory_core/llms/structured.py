"""Structured replies: strict JSON schemas from pydantic models, and reply validation.

    >>> from pydantic import BaseModel
    >>> from memory_core.llms.structured import ReplyProblem, parse_reply, strict_json_schema
    >>> class Fact(BaseModel):
    ...     text: str
    ...     year: int | None = None
    >>> schema = strict_json_schema(Fact)
    >>> schema["required"], schema["additionalProperties"]
    (['text', 'year'], False)
    >>> parse_reply('```json\\n{"text": "Alice likes tea", "year": null}\\n```', "stop", Fact)
    Fact(text='Alice likes tea', year=None)
    >>> try:
    ...     parse_reply('{"text": "Alice lik', "length", Fact)
    ... except ReplyProblem as problem:
    ...     print(problem)
    it was cut off before the end (finish_reason=length: the max_tokens limit was reached)

Provider-independent, so any chat model (the OpenAI-compatible provider here, a LangChain or
LlamaIndex model behind an adapter) gets the same schema, the same tolerance (code fences and
prose around one JSON object are stripped) and the same problem descriptions for its one
repair retry. A :class:`ReplyProblem` message never quotes the reply itself: malformed model
output must not leak into logs or errors.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

_FENCED = re.compile(r"```[ \t]*(?:json5?|JSON)?[ \t]*\r?\n?(.*?)```", re.DOTALL)
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_MAX_ERRORS = 8


class ReplyProblem(ValueError):
    """Why a reply cannot be used, in words fit for the model (the repair prompt) and for logs."""


def strict_json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of ``schema`` in the subset ``"strict": true`` structured output accepts.

    The ``openai`` package's own converter (through its public ``pydantic_function_tool``)
    sets ``additionalProperties: false`` on every object, lists every property as required
    (optional fields stay nullable: ``anyOf [..., {"type": "null"}]``) and inlines ``$ref`` s
    that carry siblings. It strips only ``None`` defaults; every other ``default`` is removed
    here too, because strict mode rejects them ("'default' is not permitted", seen on Azure)
    and a required property's default can never apply anyway. ``title`` keywords go as well:
    pydantic derives them from the property names, and the schema is billed as prompt tokens
    on every call. Returns a fresh copy.
    """
    return copy.deepcopy(_strict_json_schema(schema))


@lru_cache(maxsize=256)
def _strict_json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    import openai  # lazily: importing memory_core.llms must stay cheap

    parameters = openai.pydantic_function_tool(schema)["function"].get("parameters")
    if not isinstance(parameters, dict):  # pragma: no cover - the helper always sets it
        raise TypeError(f"No JSON schema could be built for {schema.__name__}.")
    strict: dict[str, Any] = _drop_defaults(dict(parameters))
    return strict


_DROPPED_KEYWORDS = frozenset({"default", "title"})


def _drop_defaults(node: Any) -> Any:
    """Remove the ``default`` and ``title`` keywords from every (sub)schema, never a property
    named so."""
    if isinstance(node, list):
        return [_drop_defaults(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYWORDS:
            continue
        if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(
            value, dict
        ):
            result[key] = {name: _drop_defaults(sub) for name, sub in value.items()}
        elif key in ("enum", "const", "examples", "required"):
            result[key] = value  # data, not schemas
        else:
            result[key] = _drop_defaults(value)
    return result


def schema_name(schema: type[BaseModel], name: str | None = None) -> str:
    """A ``json_schema.name`` the API accepts: ``[A-Za-z0-9_-]{1,64}``."""
    cleaned = _NAME_CHARS.sub("_", name or schema.__name__)[:64]
    return cleaned or "reply"


def schema_instructions(schema: type[BaseModel]) -> str:
    """What JSON mode needs in a system message: the schema, and the shape of the reply."""
    return (
        "Reply with exactly one JSON object and nothing else: no prose, no markdown code "
        "fences. It must validate against this JSON schema (every property is required; use "
        "null where a value is unknown):\n"
        + json.dumps(strict_json_schema(schema), ensure_ascii=False, separators=(",", ":"))
    )


def parse_reply(content: str | None, finish_reason: str | None, schema: type[M]) -> M:
    """Validate one reply against ``schema``, or raise :class:`ReplyProblem` saying why not.

    A reply cut off by ``max_tokens`` (``finish_reason == "length"``) is a problem even if
    what arrived happens to parse. Code fences (```json … ```) and text around a single JSON
    object are tolerated: small local models add them even in JSON mode.
    """
    if finish_reason == "length":
        raise ReplyProblem(
            "it was cut off before the end (finish_reason=length: the max_tokens limit was reached)"
        )
    if content is None or not content.strip():
        raise ReplyProblem("it was empty")
    errors: list[ValidationError] = []
    for candidate in _candidates(content):
        try:
            return schema.model_validate_json(candidate)
        except ValidationError as exc:
            errors.append(exc)
    # Say what is wrong with the most promising candidate: JSON that misses the schema.
    best = next((e for e in errors if not _is_invalid_json(e)), errors[0])
    raise ReplyProblem(describe_validation_error(best)) from None


def _is_invalid_json(exc: ValidationError) -> bool:
    return any(error["type"] == "json_invalid" for error in exc.errors())


def _candidates(content: str) -> list[str]:
    text = content.strip()
    fenced = _FENCED.search(text)
    if fenced:
        text = fenced.group(1).strip()
    elif text.startswith("```"):  # an opening fence whose closing one never came
        text = text.partition("\n")[2].strip()
    candidates = [text]
    start, end = text.find("{"), text.rfind("}")
    if end > start >= 0 and (start, end) != (0, len(text) - 1):
        candidates.append(text[start : end + 1])  # prose around one object
    return candidates


def describe_validation_error(exc: ValidationError) -> str:
    """Each error's location and message, without the input values pydantic would quote."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    if len(errors) == 1 and errors[0]["type"] == "json_invalid":
        return f"it is not valid JSON ({errors[0]['msg']})"
    parts = []
    for error in errors[:_MAX_ERRORS]:
        location = ".".join(str(part) for part in error["loc"]) or "(the whole object)"
        parts.append(f"{location}: {error['msg']}")
    more = f"; and {len(errors) - _MAX_ERRORS} more" if len(errors) > _MAX_ERRORS else ""
    return "it does not match the schema (" + "; ".join(parts) + more + ")"


def repair_request(problem: ReplyProblem) -> str:
    """The user message of the one repair retry, sent after the model's bad reply."""
    if "cut off" in str(problem):
        advice = "Reply again with a shorter, complete JSON object."
    else:
        advice = "Reply again with the corrected JSON object."
    return (
        f"Your previous reply could not be used: {problem}. {advice} Reply with the JSON "
        "object only, valid against the schema, with no code fences and no other text."
    )
