"""Scoping and time: the one place that decides which records a read may see.

    >>> from memory_core.types import Scope
    >>> node = read_filter(Scope(user_id="alice"), {"topic": "food"}, TimeView())
    >>> [type(n).__name__ for n in node.items]
    ['Cond', 'IsEmpty', 'Or', 'Cond', 'Cond']

* **Scope**: a read filters on exactly the ids it is given — a user-level read sees that
  user's memories from every agent and run; it never sees another user's.
* **Time**: by default only current records (``expired_at`` unset), and never a record past
  its ``expires_at`` (a TTL). ``as_of=T`` shows what
  held at ``T`` (``t_from <= T < t_until``); ``include_expired=True`` shows everything.
* **Kind**: a read offers memories (``fact``, ``message``, ``procedure``); ``transcript``
  records — a conversation an adapter keeps and also forms memories from — only when asked
  for (``kind="transcript"``), so a turn is never offered twice, once as itself and once as
  the memory formed from it. An export (:func:`record_filter`) carries them all.
* **Writes** look at the write's scope *and its parents* (``parent_scopes``), so a write with
  user+agent sees the user-level memories and does not duplicate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from memory_core.errors import InvalidInputError
from memory_core.filters import And, Cond, FilterNode, IsEmpty, Or, and_, parse_filter
from memory_core.timeutil import now
from memory_core.types import SCOPE_FIELDS, Kind, MemoryRecord, Scope
from memory_core.validation import check_time

#: The kinds a read offers when it names none.
MEMORY_KINDS: tuple[Kind, ...] = ("fact", "message", "procedure")
KINDS: tuple[Kind, ...] = (*MEMORY_KINDS, "transcript")


@dataclass(frozen=True, slots=True)
class TimeView:
    """Which versions a read sees: current (default), as of a time, or all."""

    as_of: float | None = None
    include_expired: bool = False

    @classmethod
    def of(cls, as_of: str | datetime | float | None, include_expired: bool) -> TimeView:
        if as_of is not None and include_expired:
            raise InvalidInputError("Pass as_of= or include_expired=True, not both.")
        return cls(check_time(as_of, "as_of"), include_expired)

    def filter(self) -> FilterNode | None:
        if self.include_expired:
            return None
        if self.as_of is None:
            return visible()
        return and_(
            Cond("t_from", "lte", self.as_of),
            Or((IsEmpty("t_until"), Cond("t_until", "gt", self.as_of))),
        )


def visible(at: float | None = None) -> FilterNode:
    """The records a default read may see at ``at`` (default: now): current (``expired_at``
    unset) and not past their ``expires_at`` (a TTL). :func:`is_visible` is the same rule on
    one record; a test runs both on the same records."""
    return And((IsEmpty("expired_at"), live_filter(at)))


def is_visible(record: MemoryRecord, at: float | None = None) -> bool:
    """Whether a default read may see ``record`` at ``at`` (default: now): :func:`visible`."""
    moment = now() if at is None else at
    return record.expired_at is None and (record.expires_at is None or record.expires_at > moment)


def live_filter(at: float | None = None) -> FilterNode:
    """Records whose expiry (``expires_at``, a TTL) has not passed at ``at`` (default: now)."""
    return Or((IsEmpty("expires_at"), Cond("expires_at", "gt", now() if at is None else at)))


def scope_filter(scope: Scope) -> FilterNode | None:
    """Equality on every id the scope sets (``None`` for an empty scope: every record).

    The whole of scoping on the read side: a user-level read sees that user's records from
    every agent and run, and never another user's."""
    return and_(*(Cond(name, "eq", value) for name, value in scope.ids().items()))


def read_filter(
    scope: Scope,
    filters: Mapping[str, Any] | None,
    view: TimeView,
    kind: Kind | None = None,
) -> FilterNode | None:
    """Scope AND time AND kind AND the caller's filter: what ``search`` and ``get_all`` see."""
    return and_(scope_filter(scope), view.filter(), kind_filter(kind), parse_filter(filters))


def kind_filter(kind: Kind | None) -> FilterNode:
    """The kind asked for; with none, every kind of memory (``MEMORY_KINDS``): an adapter's
    transcript records are not offered unless asked for by name."""
    if kind is None:
        return Cond("kind", "in", MEMORY_KINDS)
    if kind not in KINDS:
        raise InvalidInputError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}.")
    return Cond("kind", "eq", kind)


def record_filter(scope: Scope, view: TimeView) -> FilterNode | None:
    """Scope AND time, every kind: the records an export carries (transcripts too)."""
    return and_(scope_filter(scope), view.filter())


def parent_scopes(scope: Scope) -> list[Scope]:
    """The scope and its ancestors, most specific first: (u, a, r) → (u, a) → (u)."""
    ids = scope.ids()
    chain: list[Scope] = []
    for cut in range(len(SCOPE_FIELDS), 0, -1):
        kept = {name: ids[name] for name in SCOPE_FIELDS[:cut] if name in ids}
        candidate = Scope(**kept)
        if kept and candidate not in chain:
            chain.append(candidate)
    return chain


def exact_scope_filter(scope: Scope) -> FilterNode | None:
    """Records of exactly this scope: its ids equal, the ids it lacks absent."""
    return and_(*(
        Cond(name, "eq", value) if (value := getattr(scope, name)) else IsEmpty(name)
        for name in SCOPE_FIELDS
    ))  # fmt: skip


def lineage_filter(scope: Scope, kind: Kind | None = None) -> FilterNode | None:
    """Current records of the scope and its parents — what a write reconciles against.

    A write for (alice, chef) sees alice's user-level facts and the (alice, chef) ones, not
    those of (alice, another agent) nor of a sibling run.
    """
    lineage = [exact_scope_filter(s) for s in parent_scopes(scope)]
    nodes = tuple(node for node in lineage if node is not None)
    scoped = nodes[0] if len(nodes) == 1 else Or(nodes)
    return and_(scoped, TimeView().filter(), Cond("kind", "eq", kind) if kind else None)
