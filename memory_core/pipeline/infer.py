"""Inferred ``add``: candidates → one structured LLM call → validated, mapped operations.

    >>> # Used by AsyncMemory.add(..., infer=True) when an LLM is configured:
    >>> #   candidates = await manager.candidates(messages, scope)
    >>> #   decision = await manager.decide(messages, candidates)
    >>> #   decision.operations -> ops on real records; decision.rejected -> what was refused

The LLM sees existing memories under small integer ids only. Whatever it answers is checked
here before anything is planned: an id it was not shown, a second operation on the same
memory, an ADD or UPDATE without text, an UPDATE that changes nothing — each is rejected and
logged, never applied.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from memory_core.config import InferenceConfig
from memory_core.ids import normalize_text
from memory_core.llms.base import LLM, ChatMessage, Usage
from memory_core.pipeline.normalize import Message
from memory_core.prompts import extraction, fill, memory_manager
from memory_core.prompts.memory_manager import (
    FactOperations,
    MemoryOperations,
    Operation,
    Relation,
)
from memory_core.retrieval.search import Retriever
from memory_core.scoping import lineage_filter
from memory_core.timeutil import to_epoch
from memory_core.types import MemoryRecord, Scope

log = logging.getLogger("memory_core")


@dataclass(frozen=True, slots=True)
class Decided:
    """One accepted operation, on real records."""

    event: str  # ADD, UPDATE, DELETE, NONE
    text: str | None = None
    target: MemoryRecord | None = None
    valid_from: float | None = None
    valid_until: float | None = None
    entities: tuple[str, ...] = ()


@dataclass(slots=True)
class Decision:
    operations: list[Decided] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


class MemoryManager:
    """Talks to the LLM for ``add``; holds no state between calls."""

    def __init__(self, llm: LLM, retriever: Retriever, config: InferenceConfig) -> None:
        self.llm = llm
        self.retriever = retriever
        self.config = config

    async def candidates(self, messages: Sequence[Message], scope: Scope) -> list[MemoryRecord]:
        """Current facts of the write's scope and its parents that the messages are about."""
        queries = [m.content for m in messages if m.role not in ("system", "developer")][-10:]
        if not queries:
            return []
        per_query = max(3, self.config.max_candidates // len(queries))
        flt = lineage_filter(scope, kind="fact")
        found: dict[str, MemoryRecord] = {}
        for query in queries:
            for hit in await self.retriever.search(query, flt, limit=per_query):
                found.setdefault(hit.record.id, hit.record)
        return list(found.values())[: self.config.max_candidates]

    async def decide(
        self,
        messages: Sequence[Message],
        candidates: Sequence[MemoryRecord],
        *,
        said_at: float | None = None,
    ) -> Decision:
        """The LLM's operations, validated against the candidates it was shown.

        ``said_at`` is when the messages were said (``add(valid_from=...)``): the model's
        "today", so "last month" means the month before the messages, not before the call."""
        usage = Usage()
        conversation = _render_messages(messages)
        today = datetime.fromtimestamp(said_at, UTC) if said_at is not None else datetime.now(UTC)
        if self.config.mode == "two_call":
            facts = await self.llm.structured(
                self._prompt("extraction", conversation=conversation, today=today),
                extraction.Facts, name="facts",
            )  # fmt: skip
            usage += facts.usage
            if not facts.value.facts:
                return Decision(usage=usage)
            conversation = "\n".join(f"- {fact}" for fact in facts.value.facts)
        schema = MemoryOperations if self.config.extract_relations else FactOperations
        reply = await self.llm.structured(
            self._prompt(
                "memory_manager", conversation=conversation, candidates=candidates, today=today
            ),
            schema,
            name="memory_operations",
        )
        decision = _validate(reply.value, candidates)
        decision.usage = usage + reply.usage
        return decision

    def _prompt(
        self,
        family: str,
        *,
        conversation: str,
        today: datetime,
        candidates: Sequence[MemoryRecord] = (),
    ) -> list[ChatMessage]:
        module = memory_manager if family == "memory_manager" else extraction
        system = self.config.prompts.get(f"{family}.system", module.SYSTEM)
        user = self.config.prompts.get(f"{family}.user", module.USER)
        instructions = self.config.custom_instructions or ""
        memories = "\n".join(f"[{i}] {rec.text}" for i, rec in enumerate(candidates)) or "(none)"
        values = {
            "today": today.date().isoformat(),
            "custom_instructions": f"\nAdditional instructions:\n{instructions}" if instructions
            else "",
            "memories": memories,
            "messages": conversation,
            "relations": memory_manager.RELATIONS if self.config.extract_relations else "",
        }  # fmt: skip
        return [
            {"role": "system", "content": fill(f"{family}.system", system, values)},
            {"role": "user", "content": fill(f"{family}.user", user, values)},
        ]


def _render_messages(messages: Sequence[Message]) -> str:
    lines = []
    for message in messages:
        # The speaker's name when there is one, else the role: "Caroline: …", "user: …".
        lines.append(f"{message.actor_id or message.role}: {message.content}")
    return "\n".join(lines)


def _validate(reply: FactOperations, candidates: Sequence[MemoryRecord]) -> Decision:
    relations = reply.relations if isinstance(reply, MemoryOperations) else []
    decision = Decision(relations=list(relations))
    touched: set[int] = set()
    written: set[str] = set()  # texts that earlier accepted ADD / UPDATE operations write
    shown = {normalize_text(rec.text): i for i, rec in enumerate(candidates)}
    for op in reply.operations:
        text = normalize_text(op.text or "")
        if op.event in ("ADD", "UPDATE") and text and text in written:
            reason = f"{op.event} repeats the text of an earlier operation"
            log.warning("memory-core: rejected LLM operation %s: %s", op.model_dump(), reason)
            decision.rejected.append(reason)
            continue
        repeated = shown.get(normalize_text(op.text or "")) if op.event == "ADD" else None
        if repeated is not None:
            # An ADD of a fact already shown (often from a parent scope) is no new memory.
            if repeated in touched:
                continue
            op = op.model_copy(update={"event": "NONE", "id": repeated})
        problem = _problem(op, candidates, touched)
        if problem:
            log.warning("memory-core: rejected LLM operation %s: %s", op.model_dump(), problem)
            decision.rejected.append(problem)
            continue
        target = candidates[op.id] if op.id is not None and op.event != "ADD" else None
        if target is not None and op.id is not None:
            touched.add(op.id)
        if op.event in ("ADD", "UPDATE"):
            written.add(text)
        if (
            op.event == "UPDATE"
            and target
            and normalize_text(target.text) == normalize_text(op.text or "")
        ):
            op = op.model_copy(update={"event": "NONE"})  # an update that changes nothing
        decision.operations.append(
            Decided(
                op.event,
                (op.text or "").strip() or None,
                target,
                _date(op.valid_from),
                _date(op.valid_until),
                tuple(op.entities),
            )
        )
    return decision


def _problem(op: Operation, candidates: Sequence[MemoryRecord], touched: set[int]) -> str | None:
    if op.event in ("ADD", "UPDATE") and not (op.text or "").strip():
        return f"{op.event} without text"
    if op.event == "ADD":
        return None
    if op.id is None:
        return None if op.event == "NONE" else f"{op.event} without an id"
    if not 0 <= op.id < len(candidates):
        shown = f"ids 0..{len(candidates) - 1} were" if candidates else "no memories were"
        return f"{op.event} names id {op.id}, which was not shown ({shown} shown)"
    if op.id in touched:
        return f"a second operation on id {op.id}"
    return None


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return to_epoch(value)
    except ValueError:
        log.warning("memory-core: ignored unreadable date %r from the LLM", value)
        return None
