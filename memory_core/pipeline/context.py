"""What gets indexed for verbatim messages: the message, its neighbours in its conversation,
and its date.

    >>> from memory_core.config import IndexConfig
    >>> lines = [Line("bo: Where did you go?", None), Line("ann: Paris!", 1683554160.0)]
    >>> window(lines, 1, IndexConfig(context_before=1, context_after=0))
    '8 May 2023: bo: Where did you go?\\nann: Paris!'

The stored memory stays the message itself; only the BM25 text grows. A reply such as
"Paris!" or "Yes, last week" means little alone: the turn before it says what it answers.
Neighbours come from the *conversation*, not from the ``add()`` call: a conversation is the
verbatim messages of one run scope (``run_id`` set: a thread, a chat session) — or, without
a run, those added with the same ``source={"conversation_id": ...}`` — in the order they
arrived, across calls. So a chat added turn by turn, by exchanges or a session at a
time is indexed the same, and facts told in one call without a run (an onboarding form, a
list of preferences) are each indexed alone, never with each other's words.

Where: at index time, and at query time too. Each conversation message keeps its
``position``; a new message is indexed with the ``context_before`` messages before it, and
the ``context_after`` messages before it are re-indexed with it (through the journaled
writer, like any write). Index time lets a neighbour's words *find* a turn that no
candidate list had; query time (:mod:`memory_core.retrieval.neighbours`) re-scores the
candidates found with their neighbours' evidence. On LOCOMO's dev half (recall@10,
categories 1-4; benchmarks/retrieval_matrix.py): messages indexed alone 0.689, query time
alone at best 0.736, index time alone 0.785, both 0.798.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from memory_core.config import IndexConfig
from memory_core.filters import Cond, FilterNode, and_
from memory_core.pipeline.ops import UpsertOp
from memory_core.scoping import exact_scope_filter
from memory_core.stores.vector.base import VectorStore
from memory_core.types import MemoryRecord


def speaker_line(text: str, actor_id: str | None) -> str:
    """A message as indexed: ``speaker: text`` (the speaker helps dense recall a lot)."""
    return f"{actor_id}: {text}" if actor_id else text


def date_words(stamp: float) -> str:
    """A UTC timestamp as words, the way people write dates.

    >>> date_words(0.0)
    '1 January 1970'
    """
    day = datetime.fromtimestamp(stamp, UTC)
    return f"{day.day} {day:%B %Y}"


def dated(text: str, config: IndexConfig, valid_from: float | None) -> str:
    """``text`` with its date in words in front, when ``date_in_text`` is on and it has one."""
    if config.date_in_text and valid_from is not None:
        return f"{date_words(valid_from)}: {text}"
    return text


@dataclass(frozen=True, slots=True)
class Line:
    """One message of a conversation as it is indexed: its speaker line and its date."""

    text: str
    valid_from: float | None


def window(lines: Sequence[Line], i: int, config: IndexConfig) -> str:
    """The text indexed for ``lines[i]``: its neighbours around it, under its own date."""
    around = lines[max(0, i - config.context_before) : i + config.context_after + 1]
    return dated("\n".join(line.text for line in around), config, lines[i].valid_from)


#: ``add(..., source={"conversation_id": ...})`` says the messages belong to one
#: conversation without a run scope (a chat kept at user level, say).
CONVERSATION_KEY = "conversation_id"


def conversation_of(record: MemoryRecord) -> str | None:
    """The conversation a verbatim message belongs to: its run, else the caller's
    ``source["conversation_id"]``; ``None`` for messages that form no conversation."""
    if record.kind != "message":
        return None
    if record.run_id is not None:
        return record.run_id
    given = record.source.get(CONVERSATION_KEY)
    return str(given) if given is not None else None


def line_of(record: MemoryRecord) -> Line:
    return Line(speaker_line(record.text, record.actor_id), record.valid_from)


def message_op(record: MemoryRecord, config: IndexConfig, sparse: str | None = None) -> UpsertOp:
    """An upsert of a message: dense text = the dated speaker line, BM25 text = ``sparse``
    (the window), or both the window with ``context_for="both"``."""
    alone = dated(speaker_line(record.text, record.actor_id), config, record.valid_from)
    if sparse is None or sparse == alone:
        return UpsertOp(record, alone)
    if config.context_for == "both":
        return UpsertOp(record, sparse)
    return UpsertOp(record, alone, sparse)


class ConversationIndexer:
    """Gives new conversation messages their position and window, and re-indexes the
    messages before them whose window now reaches them. Runs under the writer's lock."""

    def __init__(self, store: VectorStore, config: IndexConfig) -> None:
        self.store = store
        self.config = config

    async def arrange(self, new: Sequence[UpsertOp]) -> list[UpsertOp]:
        """The ops to write for ``new`` (placed message upserts of one add, in order): the
        new messages with their positions, then the earlier messages re-indexed. Outside a
        conversation each message is indexed alone, and has no position."""
        messages = [op for op in new if conversation_of(op.record) is not None]
        if not messages:
            return list(new)
        conversation = _conversation(messages[0].record)
        reach = self.config.context_before + self.config.context_after
        start = await self.store.count(conversation)
        earlier = await self._tail(conversation, start, reach)
        records = [replace_position(op.record, start + i) for i, op in enumerate(messages)]
        lines = [line_of(r) for r in earlier] + [line_of(r) for r in records]
        first_new = len(earlier)
        ops = [message_op(r, self.config, window(lines, first_new + i, self.config))
               for i, r in enumerate(records)]  # fmt: skip
        reindexed = [
            message_op(record, self.config, window(lines, i, self.config))
            for i, record in enumerate(earlier)
            if i >= first_new - self.config.context_after
        ]
        others = [op for op in new if conversation_of(op.record) is None]
        return ops + reindexed + others

    async def _tail(
        self, conversation: FilterNode | None, start: int, reach: int
    ) -> list[MemoryRecord]:
        """The conversation's last ``reach`` messages before position ``start``, in order."""
        if start == 0 or reach == 0:
            return []
        recent = and_(conversation, Cond("position", "gte", max(0, start - reach)))
        hits, _ = await self.store.scroll(recent, reach * 4)
        records = [MemoryRecord.from_payload(hit.id, hit.payload) for hit in hits]
        return sorted(records, key=lambda r: r.position or 0)[-reach:]


def replace_position(record: MemoryRecord, position: int) -> MemoryRecord:
    return record.model_copy(update={"position": position})


def _conversation(record: MemoryRecord) -> FilterNode | None:
    """The verbatim messages of ``record``'s conversation (exactly its scope; and its
    conversation id when it has no run) that have a position."""
    parts = [exact_scope_filter(record.scope), Cond("kind", "eq", "message"),
             Cond("position", "gte", 0)]  # fmt: skip
    if record.run_id is None:
        parts.append(Cond(f"source.{CONVERSATION_KEY}", "eq", conversation_of(record)))
    return and_(*parts)
