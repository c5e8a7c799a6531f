"""Namespaces are engine scopes: which LangGraph namespace holds which user, agent or run.

    >>> mapping = NamespaceMap()
    >>> mapping.scope_of(("memories", "alice", "prefs"))
    Scope(user_id='alice', agent_id=None, run_id=None)
    >>> mapping.scope_of(("threads", "t-1"))
    Scope(user_id=None, agent_id=None, run_id='t-1')
    >>> mapping.scope_of(("docs",))
    Scope(user_id=None, agent_id='langgraph', run_id=None)
    >>> from memory_core.types import Scope
    >>> mapping.namespace_of(Scope(user_id="alice", agent_id="chef"))
    ('memories', 'alice')

The default templates are ``("memories", "{user_id}")``, ``("agents", "{agent_id}")`` and
``("threads", "{run_id}")`` (a LangGraph thread is an engine run). A namespace whose first
labels match a template belongs to that scope; deeper labels are sub-folders of it. A namespace
that matches no template belongs to ``default_scope`` (the agent ``"langgraph"``).

Memories the engine wrote itself (through ``Memory.add`` or another framework's adapter) have
no namespace; they appear under the *canonical* namespace of their scope: the first template
whose variables their scope sets.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field

from memory_core.adapters import And, Cond, FilterNode, IsEmpty, Not, Or, and_
from memory_core.errors import ConfigError
from memory_core.types import SCOPE_FIELDS, Scope

DEFAULT_TEMPLATES: tuple[tuple[str, ...], ...] = (
    ("memories", "{user_id}"),
    ("agents", "{agent_id}"),
    ("threads", "{run_id}"),
)

#: The scope of namespaces that match no template.
DEFAULT_SCOPE = Scope(agent_id="langgraph")


@dataclass(frozen=True, slots=True)
class Template:
    """One namespace template: fixed labels and ``{user_id}``-style variables."""

    labels: tuple[str, ...]
    variables: dict[int, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, labels: Sequence[str]) -> Template:
        if not labels:
            raise ConfigError("A namespace template needs at least one label.")
        variables: dict[int, str] = {}
        for i, label in enumerate(labels):
            names = [n for _, n, _, _ in string.Formatter().parse(label) if n is not None]
            if not names:
                continue
            if label != f"{{{names[0]}}}" or names[0] not in SCOPE_FIELDS:
                raise ConfigError(
                    f"Namespace template label {label!r}: a variable label must be exactly one "
                    f"of {', '.join('{' + f + '}' for f in SCOPE_FIELDS)}."
                )
            variables[i] = names[0]
        if not variables:
            raise ConfigError(f"Namespace template {tuple(labels)} names no scope variable.")
        return cls(tuple(labels), variables)

    def match(self, namespace: Sequence[str]) -> Scope | None:
        """The scope of ``namespace`` if it starts with this template."""
        if len(namespace) < len(self.labels):
            return None
        ids: dict[str, str] = {}
        for i, label in enumerate(self.labels):
            if i in self.variables:
                ids[self.variables[i]] = namespace[i]
            elif namespace[i] != label:
                return None
        return Scope(**ids)

    def fill(self, scope: Scope) -> tuple[str, ...] | None:
        ids = scope.ids()
        if any(name not in ids for name in self.variables.values()):
            return None
        return tuple(
            ids[self.variables[i]] if i in self.variables else label
            for i, label in enumerate(self.labels)
        )

    def compatible(self, prefix: Sequence[str]) -> bool:
        """Whether a namespace filled from this template can start with ``prefix``."""
        return len(prefix) <= len(self.labels) and all(
            i in self.variables or self.labels[i] == label for i, label in enumerate(prefix)
        )


class NamespaceMap:
    """Maps namespaces to scopes and back; see the module docs for the rules."""

    def __init__(
        self,
        templates: Sequence[Sequence[str]] = DEFAULT_TEMPLATES,
        default_scope: Scope = DEFAULT_SCOPE,
    ) -> None:
        self.templates = [Template.parse(t) for t in templates]
        self.default_scope = default_scope.require("a default namespace scope")

    def scope_of(self, namespace: Sequence[str]) -> Scope:
        for template in self.templates:
            if (scope := template.match(namespace)) is not None:
                return scope
        return self.default_scope

    def scope_under(self, prefix: Sequence[str]) -> Scope | None:
        """The scope of every namespace starting with ``prefix``, if they all share one."""
        for template in self.templates:
            if (scope := template.match(prefix)) is not None:
                return scope
        if prefix and not any(t.compatible(prefix) for t in self.templates):
            return self.default_scope
        return None

    def namespace_of(self, scope: Scope) -> tuple[str, ...] | None:
        """The canonical namespace of an engine memory with this scope (None: not shown)."""
        for template in self.templates:
            if (namespace := template.fill(scope)) is not None:
                return namespace
        return None

    def engine_filter(self, prefix: Sequence[str]) -> FilterNode | None:
        """Engine memories (no namespace) whose canonical namespace starts with ``prefix``;
        ``None`` when there can be none."""
        branches = [node for _, node in self.engine_branches(prefix)]
        if not branches:
            return None
        return branches[0] if len(branches) == 1 else Or(tuple(branches))

    def engine_branches(self, prefix: Sequence[str]) -> list[tuple[Template, FilterNode]]:
        """Per template: the engine memories whose canonical namespace comes from it and
        starts with ``prefix`` (they set its variables, and not all of an earlier one's)."""
        branches: list[tuple[Template, FilterNode]] = []
        for n, template in enumerate(self.templates):
            if not template.compatible(prefix):
                continue
            earlier = [_has_all(t) for t in self.templates[:n]]
            equal = [
                Cond(template.variables[i], "eq", label)
                for i, label in enumerate(prefix)
                if i in template.variables
            ]
            node = and_(_has_all(template), *equal, *(Not((e,)) for e in earlier))
            if node is not None:
                branches.append((template, node))
        return branches


def _has_all(template: Template) -> FilterNode:
    return And(tuple(Not((IsEmpty(name),)) for name in template.variables.values()))
