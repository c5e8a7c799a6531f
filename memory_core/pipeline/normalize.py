"""Turn what callers pass to ``add()`` into a list of :class:`Message`.

    >>> [m.content for m in normalize_messages("I like tea")]
    ['I like tea']
    >>> normalize_messages([{"role": "user", "content": "hi", "name": "alice"}])[0].actor_id
    'alice'

Accepted: a string (a user message), one ``{"role", "content"}`` dict, or a list of them
(OpenAI style; ``content`` may be a list of ``text`` / ``image_url`` parts). ``name`` becomes
the ``actor_id``; a message's own ``metadata`` dict is merged over the call's. Framework
adapters convert their own message types before calling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from memory_core.errors import EmptyTextError, InvalidMessageError, TextTooLongError
from memory_core.validation import check_json, check_text

IMAGE_PLACEHOLDER = "[image]"


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    content: str
    actor_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    #: Image URLs (or data URIs), in the order their placeholders appear in ``content``.
    images: tuple[str, ...] = ()


def normalize_messages(messages: Any, *, max_length: int | None = None) -> list[Message]:
    """Validate and normalize; raises before anything is written.

    Empty messages are dropped; if nothing is left, :class:`EmptyTextError`. A message
    longer than ``max_length`` raises :class:`TextTooLongError`.
    """
    raw = as_message_list(
        messages, "add() takes a string, a {'role': ..., 'content': ...} dict or a list of them"
    )
    parsed = [_message(item, index) for index, item in enumerate(raw)]
    kept = [m for m in parsed if m.content.strip()]
    if not kept:
        raise EmptyTextError()
    for number, message in enumerate(kept):  # valid Unicode, before anything is written
        check_text(message.content, f"message {number}'s content")
        check_text(message.actor_id or "", f"message {number}'s name")
        check_text(message.role, f"message {number}'s role")
        check_json(message.metadata, f"message {number}'s metadata")
    if max_length is not None:
        for message in kept:
            if len(message.content) > max_length:
                raise TextTooLongError(len(message.content), max_length)
    return kept


def as_message_list(messages: Any, expected: str) -> Sequence[Any]:
    """A string is one user message, a dict one message, a list many; anything else raises
    :class:`InvalidMessageError` with ``expected`` (what the caller takes) in its message."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    if isinstance(messages, Mapping):
        return [messages]
    if isinstance(messages, Sequence):
        return messages
    raise InvalidMessageError(f"{expected}; got {type(messages).__name__}.")


def _message(item: Any, index: int) -> Message:
    if isinstance(item, str):
        return Message("user", item.strip())
    if not isinstance(item, Mapping):
        raise InvalidMessageError(
            f"Message {index} is a {type(item).__name__}; use a string or a dict with "
            "'role' and 'content'."
        )
    role = item.get("role", "user")
    if not isinstance(role, str) or not role:
        raise InvalidMessageError(f"Message {index} has role {role!r}; use e.g. 'user'.")
    name = item.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise InvalidMessageError(f"Message {index} has name {name!r}; use a non-empty string.")
    metadata = item.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise InvalidMessageError(f"Message {index} has metadata {metadata!r}; use a dict.")
    content = item.get("content")
    images = tuple(_image_urls(content)) if isinstance(content, Sequence) else ()
    return Message(role, _content_text(content, index).strip(), name, metadata, images)


def _content_text(content: Any, index: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "\n".join(_part_text(part, index) for part in content).strip()
    raise InvalidMessageError(
        f"Message {index} content is a {type(content).__name__}; use a string or a list of "
        "{'type': 'text', 'text': ...} parts."
    )


def _image_urls(content: Sequence[Any]) -> list[str]:
    urls = []
    for part in content:
        if isinstance(part, Mapping) and part.get("type") in ("image_url", "image", "input_image"):
            ref = part.get("image_url", part.get("url", part.get("image")))
            url = ref.get("url") if isinstance(ref, Mapping) else ref
            urls.append(url if isinstance(url, str) else "")
    return urls


def _part_text(part: Any, index: int) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Mapping):
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            return str(part["text"])
        if kind in ("image_url", "image", "input_image"):
            # Without vision an image is kept as a placeholder, so the turn is not lost.
            return IMAGE_PLACEHOLDER
    raise InvalidMessageError(
        f"Message {index} has a content part {part!r}; use {{'type': 'text', 'text': ...}} "
        "or an image_url part."
    )
