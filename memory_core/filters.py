"""Mem0's filter language, parsed once into a small AST that every backend translates.

    >>> from memory_core.filters import parse_filter, Cond, And
    >>> parse_filter({"category": "food", "score": {"gte": 3}}) == And((
    ...     Cond("metadata.category", "eq", "food"), Cond("metadata.score", "gte", 3)))
    True

The language:

* ``{"key": value}`` — equality; several keys are ANDed.
* ``{"key": {"op": value, ...}}`` with ``op`` one of :data:`OPERATORS`.
* ``{"AND": [f, ...]}``, ``{"OR": [f, ...]}``, ``{"NOT": [f, ...]}`` (NOT of a list means
  none of them holds).

Meaning, identical on every backend (the conformance suite pins it):

* ``eq`` on a list field matches when the list holds the value.
* ``ne`` / ``nin`` also match records that lack the field.
* ``gt gte lt lte`` compare numbers; on time fields they also take ISO-8601 strings and
  ``datetime`` objects.
* ``contains`` matches a string field holding the substring (case-sensitive), or a list
  field holding the value.

Keys are caller metadata unless they name a reserved record field (:data:`RESERVED_FIELDS`);
``metadata.x`` is accepted as an explicit spelling of ``x``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeAlias

from memory_core.errors import InvalidFilterError, UnknownFilterOperatorError
from memory_core.timeutil import to_epoch

Operator: TypeAlias = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains"]
OPERATORS: tuple[Operator, ...] = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains")
GROUPS = ("AND", "OR", "NOT")
#: How deep AND / OR / NOT groups may nest.
MAX_FILTER_DEPTH = 32

#: Record fields stored at the top level of the payload; any other key is caller metadata.
RESERVED_FIELDS = frozenset(
    {
        "id", "hash", "user_id", "agent_id", "run_id", "actor_id", "role", "kind",
        "created_at", "updated_at", "valid_from", "valid_until", "expired_at", "supersedes",
        "entities", "expires_at",
    }
)  # fmt: skip
#: Reserved fields stored as epoch seconds, so range operators work on them.
TIME_FIELDS = frozenset(
    {"created_at", "updated_at", "valid_from", "valid_until", "expired_at", "expires_at"}
)
METADATA_PREFIX = "metadata."

Scalar: TypeAlias = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Cond:
    """``field op value`` on one payload path (``metadata.`` prefix for caller metadata)."""

    field: str
    op: Operator
    value: Any


@dataclass(frozen=True, slots=True)
class IsEmpty:
    """The field is missing, null or an empty list (used for ``expired_at``: current)."""

    field: str


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[FilterNode, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[FilterNode, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """None of ``items`` holds."""

    items: tuple[FilterNode, ...]


FilterNode: TypeAlias = Cond | IsEmpty | And | Or | Not


def parse_filter(spec: Mapping[str, Any] | None, _depth: int = 0) -> FilterNode | None:
    """Parse a Mem0-style filter dict; ``None`` or ``{}`` means no filter."""
    if _depth > MAX_FILTER_DEPTH:  # a hostile nesting must not overflow the stack
        raise InvalidFilterError(
            f"The filter nests AND / OR / NOT groups deeper than {MAX_FILTER_DEPTH} levels; "
            "flatten it (an AND of ANDs is one AND)."
        )
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        raise InvalidFilterError(
            f"A filter must be a dict such as {{'category': 'food'}}, got {type(spec).__name__}."
        )
    if not spec:
        return None
    items = [_parse_entry(key, value, _depth) for key, value in spec.items()]
    return items[0] if len(items) == 1 else And(tuple(items))


def and_(*nodes: FilterNode | None) -> FilterNode | None:
    """AND the given nodes, dropping ``None`` and flattening nested ANDs."""
    flat: list[FilterNode] = []
    for node in nodes:
        if node is None:
            continue
        flat.extend(node.items if isinstance(node, And) else (node,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def field_path(key: str) -> str:
    """Map a user-facing key to its payload path."""
    if key.startswith(METADATA_PREFIX):
        rest = key[len(METADATA_PREFIX) :]
        if not rest:
            raise InvalidFilterError(
                "'metadata.' needs a key after the dot, e.g. 'metadata.topic'."
            )
        return key
    return key if key in RESERVED_FIELDS else METADATA_PREFIX + key


def _parse_entry(key: str, value: Any, depth: int) -> FilterNode:
    if not isinstance(key, str) or not key:
        raise InvalidFilterError(f"Filter keys must be non-empty strings, got {key!r}.")
    _check_unicode(key, "a filter key")
    if key in GROUPS:
        return _parse_group(key, value, depth)
    if key.upper() in GROUPS:
        raise InvalidFilterError(f"Write the group operator in capitals: {key.upper()!r}.")
    path = field_path(key)
    if isinstance(value, Mapping):
        if not value:
            raise InvalidFilterError(f"Empty condition for {key!r}: give a value or {{'op': v}}.")
        conds = [_make_cond(path, op, operand) for op, operand in value.items()]
        return conds[0] if len(conds) == 1 else And(tuple(conds))
    return _make_cond(path, "eq", value)


def _parse_group(group: str, value: Any, depth: int) -> FilterNode:
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise InvalidFilterError(f"{group} takes a non-empty list of filters, got {value!r}.")
    parsed = []
    for sub in value:
        node = parse_filter(sub, depth + 1)
        if node is None:
            raise InvalidFilterError(f"{group} holds an empty filter; remove it or fill it in.")
        parsed.append(node)
    items = tuple(parsed)
    if group == "AND":
        return And(items)
    return Or(items) if group == "OR" else Not(items)


def _make_cond(path: str, op: Any, value: Any) -> Cond:
    if op not in OPERATORS:
        raise UnknownFilterOperatorError(str(op), OPERATORS)
    field = path.removeprefix(METADATA_PREFIX) if path.startswith(METADATA_PREFIX) else path
    if path in TIME_FIELDS:
        value = _time_operand(path, op, value)
    if op in ("in", "nin"):
        if not isinstance(value, Sequence) or isinstance(value, str) or not value:
            raise InvalidFilterError(f"{op!r} on {field!r} takes a non-empty list of values.")
        for item in value:
            _check_scalar(field, op, item, allow_float=False)
        return Cond(path, op, tuple(value))
    if op in ("gt", "gte", "lt", "lte"):
        if isinstance(value, bool) or not isinstance(value, int | float) or _nan(value):
            raise InvalidFilterError(
                f"{op!r} on {field!r} compares numbers (finite ones; times on time fields), "
                f"got {value!r}."
            )
        return Cond(path, op, value)
    if op == "contains" and not isinstance(value, str | int):
        raise InvalidFilterError(f"'contains' on {field!r} takes a string or integer.")
    _check_scalar(field, op, value, allow_float=op in ("eq", "ne"))
    return Cond(path, op, value)


def _check_scalar(field: str, op: str, value: Any, *, allow_float: bool) -> None:
    kinds: tuple[type, ...] = (str, int, float, bool) if allow_float else (str, int, bool)
    if value is None or not isinstance(value, kinds) or _nan(value):
        raise InvalidFilterError(
            f"{op!r} on {field!r} takes a string, integer or boolean"
            f"{' or finite float' if allow_float else ''}, got {value!r}."
        )
    if isinstance(value, str):
        _check_unicode(value, f"the value of {field!r}")


def _nan(value: Any) -> bool:
    """A float that is NaN or infinite: it would match nothing, silently."""
    return isinstance(value, float) and not math.isfinite(value)


def _check_unicode(text: str, name: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidFilterError(
            f"{name} ({text!r:.40}) holds a lone surrogate, not valid Unicode; fix its encoding."
        ) from None


def _time_operand(path: str, op: str, value: Any) -> Any:
    if isinstance(value, str | datetime):
        try:
            return to_epoch(value)
        except ValueError as exc:
            raise InvalidFilterError(
                f"{path!r} takes an ISO-8601 time such as '2024-05-01T12:00:00Z': {exc}"
            ) from exc
    if op in ("in", "nin") and isinstance(value, Sequence):
        return [_time_operand(path, "eq", v) for v in value]
    return value


# --- paths under a scope -----------------------------------------------------------------
#
# A record may sit at a path under its scope (a LangGraph namespace's labels, CrewAI's
# "/a/b" scope as ("a", "b")). The payload keeps the labels (``path``), the encoded full path
# (``path_key``) and every encoded prefix, the full path included (``path_prefixes``); both
# are keyword-indexed, so prefix matching and facets are index lookups, never scans. A path is
# encoded as the JSON list of its labels: unambiguous for any label ("/", "\x1e", quotes…),
# so ("a",) never matches ("ab",) nor ("a/b",).

Path: TypeAlias = tuple[str, ...]
PATH_KEY = "path_key"
PATH_PREFIXES = "path_prefixes"


def check_path(path: Sequence[str]) -> Path:
    """``path`` as a tuple of labels, or :class:`InvalidFilterError` naming the bad label."""
    if isinstance(path, str):
        raise InvalidFilterError(
            f"A path is a sequence of labels such as ('a', 'b'), got the string {path!r}."
        )
    labels = tuple(path)
    for label in labels:
        if not isinstance(label, str) or not label:
            raise InvalidFilterError(f"Path labels are non-empty strings, got {label!r}.")
    return labels


def encode_path(path: Sequence[str]) -> str:
    """The path's indexed form: the JSON list of its labels."""
    return json.dumps(list(check_path(path)), ensure_ascii=False, separators=(",", ":"))


def decode_path(key: str) -> Path:
    """The labels of an encoded path (a facet key)."""
    labels = json.loads(key)
    if not isinstance(labels, list):
        raise InvalidFilterError(f"{key!r} is not an encoded path.")
    return check_path(labels)


def path_fields(path: Sequence[str]) -> dict[str, Any]:
    """The indexed payload fields of a record at ``path`` (none at the root)."""
    labels = check_path(path)
    if not labels:
        return {}
    prefixes = [encode_path(labels[:depth]) for depth in range(1, len(labels) + 1)]
    return {PATH_KEY: prefixes[-1], PATH_PREFIXES: prefixes}


def path_under(path: Sequence[str]) -> FilterNode | None:
    """Records at ``path`` or below it; ``None`` (no condition) for the root ``()``."""
    labels = check_path(path)
    return Cond(PATH_PREFIXES, "eq", encode_path(labels)) if labels else None


def path_exactly(path: Sequence[str]) -> FilterNode:
    """Records exactly at ``path``; at the root ``()``, records with no path."""
    labels = check_path(path)
    return Cond(PATH_KEY, "eq", encode_path(labels)) if labels else IsEmpty(PATH_KEY)
