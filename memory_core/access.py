"""Who may reach a memory by id, and which ``source`` keys belong to the adapters.

    >>> from memory_core.types import Scope
    >>> scope = by_id_scope(None, "alice", None, None)
    >>> admits(scope, {"user_id": "alice", "agent_id": "chef"})
    True
    >>> admits(scope, {"user_id": "bob"})
    False
    >>> admits(None, {"user_id": "bob"})  # no scope given: today's Mem0 shape
    True

An id is computable by whoever knows a scope and a text, so a by-id call (``get``,
``history``, ``update``, ``delete``) made *with* a scope answers "not found" for an id outside
it, exactly as a read would: a user-level scope admits that user's agent and run sub-scopes.

``source`` records provenance. The keys the adapters own (``framework``, thread and
checkpoint ids, a store's namespace, key and path…) decide where a record shows up in a
framework, so a plain ``source`` dict passed to ``add`` may not set them; an adapter wraps its
stamp in :class:`~memory_core.types.Provenance` to say it means to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memory_core.errors import InvalidInputError, ReservedSourceKeyError
from memory_core.types import Provenance, Scope
from memory_core.validation import check_json

#: ``source`` keys owned by the adapters (their provenance stamps and keyed-record addresses).
RESERVED_SOURCE_KEYS = frozenset({
    "framework", "thread_id", "checkpoint_id", "checkpoint_ns", "checkpoint",
    "parent_checkpoint_id", "namespace", "put_namespace", "key", "path", "lg_prefixes",
    "indexed", "ttl",
    "message_id", "message_ids", "turn_id", "handed",
})  # fmt: skip


def by_id_scope(
    scope: Scope | None, user_id: str | None, agent_id: str | None, run_id: str | None
) -> Scope | None:
    """The scope a by-id call is limited to (``None``: not limited). ``scope=`` and the keyword
    ids are two spellings of one thing; giving both with different values is an error."""
    keywords = Scope(user_id, agent_id, run_id)
    if scope is None:
        return None if keywords.empty else keywords
    if not isinstance(scope, Scope):
        raise InvalidInputError(
            f"scope must be a memory_core.Scope, got {type(scope).__name__}; pass "
            "scope=Scope(user_id=...) or the keyword ids user_id= / agent_id= / run_id=."
        )
    for name, value in keywords.ids().items():
        if getattr(scope, name) != value:
            raise InvalidInputError(
                f"{name}={value!r} contradicts scope.{name}={getattr(scope, name)!r}: pass the "
                "scope once, either as scope=Scope(...) or as keyword ids."
            )
    return None if scope.empty else scope


def call_scope(
    scope: Scope | None, user_id: str | None, agent_id: str | None, run_id: str | None
) -> Scope:
    """The scope of a call taking ``scope=`` or the keyword ids (the same rules as
    :func:`by_id_scope`); the empty scope when neither is given."""
    return by_id_scope(scope, user_id, agent_id, run_id) or Scope()


def admits(scope: Scope | None, ids: Mapping[str, Any]) -> bool:
    """Whether a record with these scope ids is inside ``scope`` (every id the scope sets
    must match; the ids it leaves unset are free, so a user admits its agents and runs)."""
    if scope is None:
        return True
    return all(ids.get(name) == value for name, value in scope.ids().items())


def check_source(source: Mapping[str, Any] | Provenance | None) -> dict[str, Any]:
    """A copy of a caller's ``source``; adapters' keys only through :class:`Provenance`."""
    if source is None:
        return {}
    if isinstance(source, Provenance):
        return check_json(source.stamp, "source")
    checked = check_json(source, "source")
    reserved = sorted(RESERVED_SOURCE_KEYS.intersection(checked))
    if reserved:
        raise ReservedSourceKeyError(reserved)
    return checked


__all__ = ["RESERVED_SOURCE_KEYS", "admits", "by_id_scope", "check_source"]
