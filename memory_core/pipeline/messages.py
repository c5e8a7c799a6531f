"""The one message normaliser: every framework's chat messages as :class:`ChatMessage`.

    >>> [(m.role, m.content) for m in to_messages([{"type": "ai", "content": "I am the bot"}])]
    [('assistant', 'I am the bot')]
    >>> to_messages("I like tea")[0].role
    'user'
    >>> message_id({"role": "user", "content": "hi"})[:15]
    'sha256:ef6f4a7b'

Accepted, alone or in a list (mixed freely):

* a string — one user message;
* a dict — OpenAI's ``{"role", "content", "name", "tool_calls", "tool_call_id"}``, LangChain's
  serialised ``{"type": "human" | "ai" | "system" | "tool", ...}``, CrewAI's role dicts;
  ``content`` a string or a list of parts (``text``, ``image_url`` / ``image`` /
  ``input_image``; other parts, such as ``tool_use`` or reasoning, carry no text);
* a LangChain ``BaseMessage`` (read through its attributes: ``type``, ``content``,
  ``tool_calls``, ``tool_call_id``, ``status``, ``name``, ``id``) — no import of LangChain;
* a LlamaIndex ``ChatMessage`` (``role`` — an enum or a string —, ``blocks`` or ``content``,
  ``additional_kwargs`` holding ``tool_calls`` / ``tool_call_id`` / ``name``).

One role table (:data:`ROLES`) and one content-part parser serve ``add()``, the procedural
trace parser and every adapter, so an AI turn is the assistant's wherever it comes from.
Invalid input raises :class:`~memory_core.errors.InvalidMessageError` naming the message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from memory_core.errors import InvalidMessageError

Role = Literal["system", "user", "assistant", "tool"]

#: Every role name a framework uses, to the four roles the engine knows.
ROLES: dict[str, Role] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "model": "assistant",
    "chatbot": "assistant",
    "tool": "tool",
    "function": "tool",
}

#: What an image part becomes in the text (vision, when on, replaces it with a description).
IMAGE_PLACEHOLDER = "[image]"
_IMAGE_PARTS = ("image_url", "image", "input_image")

_EXPECTED = (
    "Messages are a string, a message dict ({'role' or 'type', 'content'}), a LangChain or "
    "LlamaIndex message, or a list of them"
)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the assistant called; ``arguments`` is one-line JSON (or the model's raw text)."""

    id: str | None
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message, whatever framework it came from."""

    role: Role
    content: str
    name: str | None = None
    #: The framework's own id for the message, when it has one.
    id: str | None = None
    #: Image URLs (or data URIs), in the order their placeholders appear in ``content``.
    images: tuple[str, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    #: Tool results: the call they answer.
    tool_call_id: str | None = None
    #: Tool results: flagged as an error by the message itself.
    error: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)


def to_messages(
    messages: Any, *, expected: str = _EXPECTED, label: str = "Message"
) -> list[ChatMessage]:
    """Every message in ``messages``, normalised (empty ones included: callers decide).

    ``expected`` names what the caller takes, for the error a wrong type raises; errors about
    one message name it as ``f"{label} {index}"``.
    """
    listed = _as_list(messages, expected)
    return [_message(item, f"{label} {index}") for index, item in enumerate(listed)]


def message_id(message: Any) -> str:
    """A stable id: the framework's own id when the message has one, else a hash of its role,
    text and tool calls (the same message gives the same id in every process)."""
    [parsed] = to_messages([message])
    if parsed.id:
        return parsed.id
    calls = [(c.id, c.name, c.arguments) for c in parsed.tool_calls]
    key = json.dumps([parsed.role, parsed.content, parsed.name, calls, parsed.tool_call_id])
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _as_list(messages: Any, expected: str) -> Sequence[Any]:
    if isinstance(messages, str | Mapping) or _is_object_message(messages):
        return [messages]
    if isinstance(messages, Sequence):
        return messages
    raise InvalidMessageError(f"{expected}; got {type(messages).__name__}.")


def _is_object_message(item: Any) -> bool:
    """A framework message object: LangChain's (``type`` + ``content``) or LlamaIndex's
    (``role`` + ``blocks`` / ``content``)."""
    if isinstance(item, str | Mapping | Sequence):
        return False
    return hasattr(item, "content") and (hasattr(item, "type") or hasattr(item, "role"))


def _message(item: Any, where: str) -> ChatMessage:
    if isinstance(item, ChatMessage):
        return item
    if isinstance(item, str):
        return ChatMessage("user", item)
    if isinstance(item, Mapping):
        return _from_fields(dict(item), where)
    if _is_object_message(item):
        return _from_fields(_object_fields(item), where)
    raise InvalidMessageError(
        f"{where} is a {type(item).__name__}; use a dict with 'role' and 'content' (or a "
        "string, or a LangChain / LlamaIndex message)."
    )


def _object_fields(item: Any) -> dict[str, Any]:
    """A framework message object's fields, as a message dict."""
    extra = getattr(item, "additional_kwargs", None) or {}
    role = getattr(item, "role", None)
    blocks = getattr(item, "blocks", None) or []
    block_calls = [b for b in blocks if getattr(b, "block_type", None) == "tool_call"]
    fields: dict[str, Any] = {
        "role": getattr(role, "value", role) if role is not None else None,
        "type": getattr(item, "type", None),
        "content": getattr(item, "blocks", None) or getattr(item, "content", None),
        "name": getattr(item, "name", None) or extra.get("name"),
        "id": getattr(item, "id", None) or extra.get("id"),
        "tool_calls": getattr(item, "tool_calls", None) or extra.get("tool_calls") or block_calls,
        "tool_call_id": getattr(item, "tool_call_id", None) or extra.get("tool_call_id"),
        "status": getattr(item, "status", None),
    }
    return {key: value for key, value in fields.items() if value is not None}


def _from_fields(item: dict[str, Any], where: str) -> ChatMessage:
    role = _role(item, where)
    content = item.get("content")
    images = tuple(_image_urls(content)) if isinstance(content, list | tuple) else ()
    metadata = item.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise InvalidMessageError(f"{where} has metadata {metadata!r}; use a dict.")
    return ChatMessage(
        role=role,
        content=_text(content, role, where).strip(),
        name=_optional_text(item, "name", where),
        id=_optional_text(item, "id", where),
        images=images,
        tool_calls=_calls(item, where) if role == "assistant" else (),
        tool_call_id=_optional_text(item, "tool_call_id", where) if role == "tool" else None,
        error=item.get("is_error") is True or item.get("status") == "error",
        metadata=metadata,
    )


def _role(item: Mapping[str, Any], where: str) -> Role:
    given = item.get("role") or item.get("type") or "user"
    role = ROLES.get(given.lower()) if isinstance(given, str) else None
    if role is None:
        raise InvalidMessageError(
            f"{where} has role {given!r}; use one of {', '.join(sorted(ROLES))} "
            "(as 'role', or LangChain's 'type')."
        )
    return role


def _text(content: Any, role: Role, where: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping) and role == "tool":  # a tool result given as data
        return json.dumps(content, ensure_ascii=False, default=str)
    if isinstance(content, list | tuple):
        return "\n".join(filter(None, (_part_text(part, where) for part in content)))
    raise InvalidMessageError(
        f"{where} content is a {type(content).__name__}; use a string or a list of "
        "{'type': 'text', 'text': ...} parts."
    )


def _part_text(part: Any, where: str) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, Mapping):
        block = _block_fields(part)
        if block is None:
            raise InvalidMessageError(
                f"{where} has a content part {part!r}; use a string or a "
                "{'type': 'text', 'text': ...} dict."
            )
        part = block
    kind = part.get("type") or part.get("block_type")
    if kind in _IMAGE_PARTS:
        # Without vision an image is kept as a placeholder, so the turn is not lost.
        return IMAGE_PLACEHOLDER
    text = part.get("text")
    if isinstance(text, str):
        return text
    if not isinstance(kind, str):
        raise InvalidMessageError(
            f"{where} has a content part {part!r}; use {{'type': 'text', 'text': ...}} "
            "or an image_url part."
        )
    return ""  # a typed part without text (tool_use, reasoning…): carried elsewhere


def _block_fields(block: Any) -> dict[str, Any] | None:
    """A LlamaIndex content block (``TextBlock``, ``ImageBlock``…) as a part dict."""
    kind = getattr(block, "block_type", None)
    if not isinstance(kind, str):
        return None
    url = getattr(block, "url", None) or getattr(block, "path", None)
    return {"type": kind, "text": getattr(block, "text", None),
            "url": str(url) if url is not None else None}  # fmt: skip


def _image_urls(content: Sequence[Any]) -> list[str]:
    urls = []
    for raw in content:
        part = raw if isinstance(raw, Mapping) else _block_fields(raw)
        if part is None or (part.get("type") or part.get("block_type")) not in _IMAGE_PARTS:
            continue
        ref = part.get("image_url", part.get("url", part.get("image")))
        url = ref.get("url") if isinstance(ref, Mapping) else ref
        urls.append(url if isinstance(url, str) else "")
    return urls


def _calls(item: Mapping[str, Any], where: str) -> tuple[ToolCall, ...]:
    raw = item.get("tool_calls") or []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidMessageError(
            f"{where} has tool_calls {raw!r}; use a list of "
            "{'id', 'function': {'name', 'arguments'}} dicts."
        )
    calls = [_call(call, where) for call in raw]
    legacy = item.get("function_call")
    if legacy:
        calls.append(_call({"function": legacy}, where))
    return tuple(calls)


def _call(call: Any, where: str) -> ToolCall:
    if not isinstance(call, Mapping) and hasattr(call, "model_dump"):
        call = call.model_dump()  # OpenAI's tool-call objects, LlamaIndex's ToolCallBlock
    if isinstance(call, Mapping) and "tool_name" in call:  # LlamaIndex's own field names
        call = {"id": call.get("tool_call_id", call.get("tool_id")), "name": call["tool_name"],
                "args": call.get("tool_kwargs")}  # fmt: skip
    if not isinstance(call, Mapping):
        raise InvalidMessageError(f"{where} has a tool call {call!r}; use a dict.")
    spec = call.get("function", call)
    name = spec.get("name") if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping) or not _is_text(name):
        raise InvalidMessageError(
            f"{where} has a tool call {call!r}; use {{'id': ..., 'function': "
            "{'name': ..., 'arguments': '<JSON>'}} (or LangChain's {'id', 'name', 'args'})."
        )
    call_id = call.get("id")
    arguments = spec.get("arguments", spec.get("args"))
    return ToolCall(
        call_id if _is_text(call_id) else None, str(name).strip(), _arguments(arguments)
    )


def _arguments(arguments: Any) -> str:
    """Arguments as one-line JSON, the same for OpenAI's JSON string and LangChain's dict."""
    value: Any = arguments
    if isinstance(arguments, str):
        try:
            value = json.loads(arguments) if arguments.strip() else None
        except ValueError:
            return arguments.strip()  # not JSON: shown exactly as the model wrote it
    if value is None or value == {}:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)


def _optional_text(item: Mapping[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not _is_text(value):
        raise InvalidMessageError(
            f"{where} has {key} {value!r}; use a non-empty string or leave it out."
        )
    return str(value)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
