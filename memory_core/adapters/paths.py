"""Paths under a scope: LangGraph namespaces and CrewAI's ``/a/b`` scopes as one engine concept.

    >>> from memory_core.adapters import paths
    >>> paths.under(("a",))
    Cond(field='path_prefixes', op='eq', value='["a"]')
    >>> paths.parse("/a/b/"), paths.to_text(("a", "b"))
    (('a', 'b'), '/a/b')
    >>> counts = {'["a"]': 3, '["a","b"]': 2, '["a","c"]': 1, '["a","b","d"]': 1}
    >>> paths.children(counts, ("a",))
    ['b', 'c']

A record's path (``MemoryRecord.path``, a tuple of labels) is stored with its encoded form and
every encoded prefix, all keyword-indexed. :func:`under` matches a path and everything below
it, label by label (``("a",)`` never matches ``("ab",)`` nor ``("a/b",)``); :func:`exactly`
matches one path. Which children a path has, and how many records sit below each, come from
``records.facets("path", where)`` (the store's index), read with :func:`children` and
:func:`tree` — never from scanning records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from memory_core.errors import InvalidInputError
from memory_core.filters import (
    Path,
    check_path,
    decode_path,
    encode_path,
    path_exactly,
    path_under,
)

under = path_under
exactly = path_exactly
encode = encode_path
decode = decode_path


def tree(counts: Mapping[str, int]) -> dict[Path, int]:
    """A path facet (``records.facets("path", ...)``) keyed by label tuples."""
    return {decode_path(key): count for key, count in counts.items()}


def children(counts: Mapping[str, int], parent: Sequence[str]) -> list[str]:
    """The labels one level below ``parent`` in a path facet, sorted."""
    return sorted(child_counts(counts, parent))


def child_counts(counts: Mapping[str, int], parent: Sequence[str]) -> dict[str, int]:
    """``{label: records at or below parent/label}`` for each child of ``parent``."""
    base = check_path(parent)
    depth = len(base) + 1
    return {
        path[-1]: count
        for path, count in tree(counts).items()
        if len(path) == depth and path[:-1] == base
    }


def parse(text: str) -> Path:
    """A ``/``-separated path (CrewAI's scopes: ``"/a/b"``) as labels; ``"/"`` is the root.

    Labels cannot hold ``/`` in this spelling; give tuples to keep such labels.
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"A path string such as '/a/b' is needed, got {text!r}.")
    return tuple(label for label in text.split("/") if label)


def to_text(path: Sequence[str]) -> str:
    """Labels as a ``/``-separated path: ``("a", "b")`` -> ``"/a/b"``; the root is ``"/"``."""
    return "/" + "/".join(check_path(path))


__all__ = [
    "Path",
    "child_counts",
    "children",
    "decode",
    "encode",
    "exactly",
    "parse",
    "to_text",
    "tree",
    "under",
]
