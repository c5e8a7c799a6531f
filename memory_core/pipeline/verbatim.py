"""Verbatim mode (no LLM, or ``infer=False``): each message becomes a ``message`` record.

    >>> from memory_core.pipeline.normalize import Message
    >>> from memory_core.types import Scope
    >>> message = Message("user", "I like tea", "alice")
    >>> [draft] = verbatim_drafts([message], Scope(user_id="u"), {}, 0.0)
    >>> draft.record.text, draft.embed_text
    ('I like tea', 'alice: I like tea')

The speaker stays in the embedded text (without it, dense recall on LOCOMO fell from 0.438
to 0.301) but not in the stored memory. System messages are instructions, not memories.
Each draft is the message alone (with its date, when configured); neighbours from its
conversation are added under the writer's lock by
:class:`~memory_core.pipeline.context.ConversationIndexer`, never from the rest of the call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from memory_core.config import IndexConfig
from memory_core.ids import memory_id, text_hash
from memory_core.pipeline.context import message_op, speaker_line
from memory_core.pipeline.normalize import Message
from memory_core.pipeline.ops import UpsertOp
from memory_core.types import Kind, MemoryRecord, Scope

SKIPPED_ROLES = frozenset({"system", "developer"})
_MESSAGE_ONLY = IndexConfig(context_before=0, context_after=0, date_in_text=False)


def embed_text_of(text: str, actor_id: str | None) -> str:
    return speaker_line(text, actor_id)


def new_record(
    scope: Scope,
    kind: Kind,
    text: str,
    *,
    stamp: float,
    role: str | None = None,
    actor_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    valid_from: float | None = None,
    source: Mapping[str, Any] | None = None,
) -> MemoryRecord:
    """A fresh current record with its deterministic id."""
    return MemoryRecord(
        id=memory_id(scope, kind, text, role=role, actor_id=actor_id),
        text=text,
        hash=text_hash(text),
        user_id=scope.user_id,
        agent_id=scope.agent_id,
        run_id=scope.run_id,
        actor_id=actor_id,
        role=role,
        kind=kind,
        metadata=dict(metadata or {}),
        created_at=stamp,
        updated_at=stamp,
        valid_from=valid_from,
        source=dict(source or {}),
    )


def verbatim_drafts(
    messages: Sequence[Message],
    scope: Scope,
    metadata: Mapping[str, Any],
    stamp: float,
    *,
    valid_from: float | None = None,
    source: Mapping[str, Any] | None = None,
    index: IndexConfig | None = None,
) -> list[UpsertOp]:
    """One upsert per non-system message; repeats within the batch collapse. ``index`` says
    whether the date is indexed with the message; none: the message alone."""
    kept = [message for message in messages if message.role not in SKIPPED_ROLES]
    drafts: dict[str, UpsertOp] = {}
    for message in kept:
        record = new_record(
            scope, "message", message.content, stamp=stamp, role=message.role,
            actor_id=message.actor_id, metadata={**metadata, **message.metadata},
            valid_from=valid_from, source=source,
        )  # fmt: skip
        drafts.setdefault(record.id, message_op(record, index or _MESSAGE_ONLY))
    return list(drafts.values())
