"""Where an adapter's scope comes from: ids fixed at construction, else LangChain's runtime.

    >>> from memory_core import Scope
    >>> rule = ScopeRule(Scope(agent_id="helper"))
    >>> rule.resolve({"user_id": "alice"}, {"user_id": "bob", "thread_id": "t1"}, "search")
    Scope(user_id='alice', agent_id='helper', run_id=None)
    >>> thread_of({"thread_id": "t1"})
    't1'

Ids given to the adapter's constructor win; a missing id is taken from the runtime context
(``create_agent(context_schema=...)``: a dataclass, a TypedDict or a pydantic model with
``user_id`` / ``agent_id`` / ``run_id``), then from ``config["configurable"]``. The model never
supplies a scope: tool arguments do not carry one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from memory_core import Scope

SCOPE_KEYS = ("user_id", "agent_id", "run_id")


@dataclass(frozen=True, slots=True)
class ScopeRule:
    """The fixed part of a scope; the rest is looked up at call time."""

    fixed: Scope = field(default_factory=Scope)

    @classmethod
    def of(
        cls,
        scope: Scope | None = None,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> ScopeRule:
        base = scope or Scope()
        return cls(
            Scope(
                user_id=user_id or base.user_id,
                agent_id=agent_id or base.agent_id,
                run_id=run_id or base.run_id,
            )
        )

    def resolve(
        self, context: Any, configurable: Mapping[str, Any] | None, operation: str
    ) -> Scope:
        """The scope for one call; raises :class:`~memory_core.errors.MissingScopeError` (saying
        which ids to pass) when neither the constructor nor the runtime gives one."""
        ids = {
            key: getattr(self.fixed, key) or _lookup(context, key) or _lookup(configurable, key)
            for key in SCOPE_KEYS
        }
        return Scope(**ids).require(operation)


class ScopeIds(TypedDict, total=False):
    user_id: str
    agent_id: str
    run_id: str


def ids_of(scope: Scope) -> ScopeIds:
    """The scope as the engine's keyword ids (``search(q, **ids_of(scope))``).

    The kit contract has every engine call take ``scope=``; until search / add / delete_all do,
    the ids go as keywords, which they will keep accepting.
    """
    ids = ScopeIds()
    if scope.user_id:
        ids["user_id"] = scope.user_id
    if scope.agent_id:
        ids["agent_id"] = scope.agent_id
    if scope.run_id:
        ids["run_id"] = scope.run_id
    return ids


def thread_of(configurable: Mapping[str, Any] | None) -> str | None:
    """The conversation thread of a run (``config["configurable"]["thread_id"]``)."""
    return _lookup(configurable, "thread_id")


def _lookup(source: Any, key: str) -> str | None:
    if source is None:
        return None
    value = source.get(key) if isinstance(source, Mapping) else getattr(source, key, None)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # numeric user ids are common in web apps
    return value if isinstance(value, str) and value else None
