"""Scoping and time: the one place that decides which records a read may see.

    >>> from memory_core.types import Scope
    >>> node = read_filter(Scope(user_id="alice"), {"topic": "food"}, TimeView())
    >>> [type(n).__name__ for n in node.items]
    ['Cond', 'IsEmpty', 'Or', 'Cond']

* **Scope**: a read filters on exactly the ids it is given — a user-level read sees that
  user's memories from every agent and run; it never sees another user's.
* **Time**: by default only current records (``expired_at`` unset), and never a record past
  its ``expires_at`` (a TTL). ``as_of=T`` shows what
  held at ``T`` (``t_from <= T < t_until``); ``include_expired=True`` shows everything.
* **Writes** look at the write's scope *and its parents* (``parent_scopes``), so a write with
  user+agent sees the user-level memories and does not duplicate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from memory_core.errors import InvalidInputError
from memory_core.filters import Cond, FilterNode, IsEmpty, Or, and_, parse_filter
from memory_core.timeutil import now
from memory_core.types import SCOPE_FIELDS, Kind, Scope
from memory_core.validation import check_time

KINDS: tuple[Kind, ...] = ("fact", "message", "procedure")


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
            return and_(IsEmpty("expired_at"), live_filter())
        return and_(
            Cond("t_from", "lte", self.as_of),
            Or((IsEmpty("t_until"), Cond("t_until", "gt", self.as_of))),
        )


def live_filter(at: float | None = None) -> FilterNode:
    """Records whose expiry (``expires_at``, a TTL) has not passed at ``at`` (default: now)."""
    return Or((IsEmpty("expires_at"), Cond("expires_at", "gt", now() if at is None else at)))


def read_filter(
    scope: Scope,
    filters: Mapping[str, Any] | None,
    view: TimeView,
    kind: Kind | None = None,
) -> FilterNode | None:
    """Scope AND time AND kind AND the caller's filter."""
    if kind is not None and kind not in KINDS:
        raise InvalidInputError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}.")
    kind_node = Cond("kind", "eq", kind) if kind else None
    return and_(scope.filter(), view.filter(), kind_node, parse_filter(filters))


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
