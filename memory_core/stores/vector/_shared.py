"""What the two Qdrant backends share: one filter translation, and small argument checks.

    >>> from memory_core.filters import parse_filter
    >>> from memory_core.stores.vector._shared import json_path, to_filter
    >>> json_path("metadata.my key")
    'metadata."my key"'
    >>> class Show:  # a toy dialect that prints what a backend would build
    ...     def match(self, key, value): return f"{key}=={value!r}"
    ...     def match_any(self, key, values): return f"{key} in {values}"
    ...     def substring(self, key, text): return f"{text!r} in {key}"
    ...     def range(self, key, **bounds): return f"{key} {bounds}"
    ...     def is_empty(self, key): return f"empty({key})"
    ...     def group(self, must=None, should=None, must_not=None):
    ...         return {k: v for k, v in [("must", must), ("should", should),
    ...                                   ("must_not", must_not)] if v}
    >>> to_filter(parse_filter({"topic": {"ne": "food"}}), Show())
    {'must': [{'must_not': ["metadata.topic=='food'"]}]}

The two backends build different classes (``qdrant_edge`` vs ``qdrant_client.models``) but the
same *tree*: each passes a tiny :class:`Dialect` and this module decides the meaning, so the
meaning cannot drift between them. The rules (pinned by ``tests/conformance``):

* numbers compare as numbers: ``eq 3`` matches ``3`` and ``3.0``. Qdrant's exact match is
  type-strict (and never matches a float), so numeric ``eq`` is a closed range.
* ``ne`` / ``nin`` are ``NOT eq`` / ``NOT in``, so they match records lacking the field.
  (Qdrant's own ``except`` match does not, which is why it is not used.)
* ``contains "s"``: a string field holding ``s``, or a list field with an element equal to
  ``s``. ``path[]`` resolves only through lists, which is how a scalar is told from a list.
* ``contains n`` (an integer): a list field holding ``n``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from memory_core.errors import InvalidFilterError, InvalidInputError
from memory_core.filters import And, Cond, FilterNode, IsEmpty, Not, Or
from memory_core.stores.vector.base import KEYWORD_INDEXES, Hit, VectorPoint, VectorQuery

C = TypeVar("C")

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+")


class Dialect(Protocol[C]):
    """Builds one backend's filter classes. A group is itself usable as a condition."""

    def match(self, key: str, value: str | int | bool) -> C: ...

    def match_any(self, key: str, values: list[str]) -> C: ...

    def substring(self, key: str, text: str) -> C: ...

    def range(
        self,
        key: str,
        *,
        gt: float | None = None,
        gte: float | None = None,
        lt: float | None = None,
        lte: float | None = None,
    ) -> C: ...

    def is_empty(self, key: str) -> C: ...

    def has_id(self, ids: list[str]) -> C: ...

    def group(
        self,
        must: list[C] | None = None,
        should: list[C] | None = None,
        must_not: list[C] | None = None,
    ) -> C: ...


def json_path(field: str) -> str:
    """A dotted field (``metadata.topic``) as a Qdrant JSON path, quoting unusual keys."""
    parts = field.split(".")
    if any(not part or '"' in part for part in parts):
        raise InvalidFilterError(
            f"Cannot filter on {field!r}: every dotted part must be a non-empty key without "
            "double quotes, e.g. 'metadata.topic'."
        )
    return ".".join(part if _PLAIN_KEY.fullmatch(part) else f'"{part}"' for part in parts)


def to_filter(node: FilterNode, dialect: Dialect[C]) -> C:
    """The backend filter for ``node`` (always a group at the top)."""
    if isinstance(node, And | Or | Not):
        return _group(node, dialect)
    return dialect.group(must=[_leaf(node, dialect)])


def _node(node: FilterNode, dialect: Dialect[C]) -> C:
    return _group(node, dialect) if isinstance(node, And | Or | Not) else _leaf(node, dialect)


def _group(node: And | Or | Not, dialect: Dialect[C]) -> C:
    items = [_node(item, dialect) for item in node.items]
    if isinstance(node, And):
        return dialect.group(must=items)
    if isinstance(node, Or):
        return dialect.group(should=items)
    return dialect.group(must_not=items)


def _leaf(node: Cond | IsEmpty, dialect: Dialect[C]) -> C:
    if isinstance(node, Cond) and node.field == "id":
        return _by_id(node, dialect)
    key = json_path(node.field)
    if isinstance(node, IsEmpty):
        return dialect.is_empty(key)
    op, value = node.op, node.value
    if op == "eq":
        return _eq(key, value, dialect)
    if op == "ne":
        return dialect.group(must_not=[_eq(key, value, dialect)])
    if op in ("gt", "gte", "lt", "lte"):
        return dialect.range(key, **{op: float(value)})
    if op == "in":
        return _in(key, value, dialect)
    if op == "nin":
        return dialect.group(must_not=[_in(key, value, dialect)])
    return _contains(key, value, dialect)


def _by_id(node: Cond, dialect: Dialect[C]) -> C:
    """The point id is not in the payload: ``eq`` / ``in`` (and their negations) on ``id``
    become the backend's id condition."""
    if node.op not in ("eq", "ne", "in", "nin"):
        raise InvalidFilterError(f"Filter on 'id' supports eq, ne, in, nin; got {node.op!r}.")
    values = node.value if node.op in ("in", "nin") else [node.value]
    if not all(isinstance(value, str) for value in values):
        raise InvalidFilterError("Filter on 'id' needs memory id strings.")
    condition = dialect.has_id(point_ids(values))
    return condition if node.op in ("eq", "in") else dialect.group(must_not=[condition])


def _eq(key: str, value: Any, dialect: Dialect[C]) -> C:
    if isinstance(value, str | bool):
        return dialect.match(key, value)
    number = float(value)
    return dialect.range(key, gte=number, lte=number)


def _in(key: str, values: Sequence[Any], dialect: Dialect[C]) -> C:
    # Strings go in one match_any (served by a keyword index); numbers and booleans need
    # their own conditions (see _eq), ORed alongside.
    strings = [value for value in values if isinstance(value, str)]
    options = [dialect.match_any(key, strings)] if strings else []
    options += [_eq(key, value, dialect) for value in values if not isinstance(value, str)]
    return options[0] if len(options) == 1 else dialect.group(should=options)


def _contains(key: str, value: str | int, dialect: Dialect[C]) -> C:
    in_list = _eq(f"{key}[]", value, dialect)
    if not isinstance(value, str):
        return in_list
    # A list's elements also answer a substring match on the bare key, so the substring
    # branch is kept to values that are not lists (nothing resolves through `key[]`).
    in_string = dialect.group(must=[dialect.substring(key, value), dialect.is_empty(f"{key}[]")])
    return dialect.group(should=[in_string, in_list])


# --- helpers both backends share -------------------------------------------------------

#: Keys a :class:`VectorQuery` may carry in ``extra``.
QUERY_EXTRAS = frozenset({"hnsw_ef", "exact", "score_threshold"})


def point_id(value: str) -> str:
    """A point id in canonical UUID form (what Qdrant returns), or a clear error."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidInputError(
            f"Point ids are UUID strings, got {value!r}. Use memory_core.ids to make them."
        ) from None


def point_ids(values: Sequence[str]) -> list[str]:
    """Canonical ids, duplicates dropped, first occurrence kept."""
    return list(dict.fromkeys(point_id(value) for value in values))


def in_order(ids: Sequence[str], hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` rearranged into the order of ``ids`` (canonical), skipping missing points."""
    by_id = {hit.id: hit for hit in hits}
    return [by_id[i] for i in ids if i in by_id]


def check_dense(points: Sequence[VectorPoint], dims: int) -> None:
    """Reject a wrong-sized dense vector before the backend does so less clearly."""
    for point in points:
        if point.dense is not None and len(point.dense) != dims:
            raise InvalidInputError(
                f"Point {point.id} has a {len(point.dense)}-dimensional dense vector but the "
                f"collection holds {dims}-dimensional ones. Embed with the collection's embedder."
            )
        if len(point.sparse.indices) != len(point.sparse.values):
            raise InvalidInputError(
                f"Point {point.id} has a sparse vector with {len(point.sparse.indices)} indices "
                f"and {len(point.sparse.values)} values; they must pair up one to one."
            )


def search_options(
    query: VectorQuery, hnsw_ef: int | None
) -> tuple[int | None, bool, float | None]:
    """``(hnsw_ef, exact, score_threshold)`` for one query; unknown ``extra`` keys are errors."""
    unknown = set(query.extra) - QUERY_EXTRAS
    if unknown:
        raise InvalidInputError(
            f"Unknown VectorQuery.extra key(s) {sorted(unknown)}; "
            f"supported: {sorted(QUERY_EXTRAS)}."
        )
    if query.limit < 1:
        raise InvalidInputError(f"A query's limit must be at least 1, got {query.limit}.")
    ef = query.extra.get("hnsw_ef", hnsw_ef)
    threshold = query.extra.get("score_threshold")
    return ef, bool(query.extra.get("exact", False)), threshold


def cursor_id(cursor: str | None) -> str | None:
    """The point id a scroll cursor names (cursors are point ids)."""
    if cursor is None:
        return None
    try:
        return point_id(cursor)
    except InvalidInputError:
        raise InvalidInputError(
            f"Invalid scroll cursor {cursor!r}: pass back the cursor a previous scroll returned, "
            "or None to start from the beginning."
        ) from None


def facet_counts(hits: Sequence[tuple[Any, int]]) -> dict[str, int]:
    """A facet response as ``{value: count}``, most frequent first, ties by value."""
    pairs = sorted(((str(value), int(count)) for value, count in hits), key=_by_count)
    return dict(pairs)


def _by_count(pair: tuple[str, int]) -> tuple[int, str]:
    return -pair[1], pair[0]


def check_facet(key: str, limit: int) -> str:
    """The facet key as a JSON path; the key must be one the backends index."""
    if key not in KEYWORD_INDEXES:
        raise InvalidInputError(
            f"Cannot count values of {key!r}: facets need a keyword-indexed field, one of "
            f"{list(KEYWORD_INDEXES)}."
        )
    if limit < 1:
        raise InvalidInputError(f"facet() needs a limit of at least 1, got {limit}.")
    return key


def check_newest_first(newest_first: bool, cursor: str | None) -> None:
    if newest_first and cursor is not None:
        raise InvalidInputError(
            "scroll(newest_first=True) returns one page and takes no cursor: ask for a larger "
            "limit to go deeper."
        )


def check_limit(limit: int) -> None:
    if limit < 1:
        raise InvalidInputError(f"scroll() needs a limit of at least 1, got {limit}.")


def json_payload(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` as plain JSON: what every backend stores, so payloads read back alike.

    Tuples become lists; a value JSON cannot hold (a datetime, NaN) is an input error here
    rather than a backend's cryptic one.
    """
    try:
        payload: dict[str, Any] = json.loads(json.dumps(dict(values), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"Payloads must be JSON (strings, numbers, booleans, None, lists, dicts): {exc}. "
            "Convert times to epoch seconds or ISO strings first."
        ) from exc
    return payload
