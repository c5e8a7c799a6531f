"""Turn what callers pass to ``add()`` into a list of :class:`Message`.

    >>> [m.content for m in normalize_messages("I like tea")]
    ['I like tea']
    >>> normalize_messages([{"role": "user", "content": "hi", "name": "alice"}])[0].actor_id
    'alice'

Accepted: whatever :func:`~memory_core.pipeline.messages.to_messages` accepts — a string (a
user message), OpenAI / LangChain / CrewAI message dicts, LangChain and LlamaIndex message
objects, or a list of them. ``name`` becomes the ``actor_id``; a message's own ``metadata`` dict
is merged over the call's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from memory_core.errors import EmptyTextError, TextTooLongError
from memory_core.pipeline.messages import IMAGE_PLACEHOLDER, to_messages
from memory_core.validation import check_json, check_text

__all__ = ["IMAGE_PLACEHOLDER", "Message", "normalize_messages"]

_EXPECTED = (
    "add() takes a string, a {'role': ..., 'content': ...} dict, a LangChain or LlamaIndex "
    "message, or a list of them"
)


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    content: str
    actor_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    #: Image URLs (or data URIs), in the order their placeholders appear in ``content``.
    images: tuple[str, ...] = ()


def normalize_messages(messages: Any, *, max_length: int | None = None) -> list[Message]:
    """Validate and normalize (through :func:`~memory_core.pipeline.messages.to_messages`, the
    one normaliser); raises before anything is written.

    Empty messages are dropped; if nothing is left, :class:`EmptyTextError`. A message
    longer than ``max_length`` raises :class:`TextTooLongError`.
    """
    parsed = [
        Message(m.role, m.content, m.name, m.metadata, m.images)
        for m in to_messages(messages, expected=_EXPECTED)
    ]
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
