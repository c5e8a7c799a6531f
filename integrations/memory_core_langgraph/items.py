"""Translation between LangGraph items and engine records, and of LangGraph's value filters.

    >>> [(c.field, c.op, c.value) for c in value_filter({"k": "a", "n": {"$gte": 3}}).items]
    [('metadata.k', 'eq', 'a'), ('metadata.n', 'gte', 3)]
    >>> index_text({"text": "Alice likes tea", "n": 1}, None)
    ('Alice likes tea', True)

An item stored through the store becomes one engine record: its namespace is the record's
``path`` (the kit's paths: indexed with every prefix, matched label by label), ``metadata`` is
the value exactly as given, ``text`` is what is indexed (the ``index`` fields' texts, else the
value's strings), and ``source`` says the rest (``key``, whether it is indexed, its TTL, the
run that wrote it). A record the store did not write shows as the item ``key = id``,
``value = {"content", "kind", "metadata"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from langgraph.store.base import Item, get_text_at_path, tokenize_path

from memory_core.adapters import Cond, FilterNode, IsEmpty, Not, and_
from memory_core.errors import InvalidFilterError
from memory_core.types import MemoryRecord

FRAMEWORK = "langgraph"
_OPERATORS = {"$eq": "eq", "$ne": "ne", "$gt": "gt", "$gte": "gte", "$lt": "lt", "$lte": "lte"}


def index_text(value: Mapping[str, Any], paths: Sequence[str] | None) -> tuple[str, bool]:
    """The text to index and whether the value had any at ``paths`` (``None``: the value's
    strings, the engine's own choice when no ``index`` is configured)."""
    if paths is None:
        texts = _strings(value)
    else:
        texts = []
        for path in paths:
            tokens = path if path == "$" else tokenize_path(path)
            texts.extend(get_text_at_path(value, tokens))
    if texts:
        return "\n".join(texts), True
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), False


def value_filter(spec: Mapping[str, Any] | None) -> FilterNode | None:
    """LangGraph's filter on values (equality, nested dicts, ``$eq $ne $gt $gte $lt $lte``)
    as an engine filter on the record's metadata."""
    if not spec:
        return None
    return and_(*(_condition(("metadata",), key, wanted) for key, wanted in spec.items()))


def _condition(path: tuple[str, ...], key: str, wanted: Any) -> FilterNode | None:
    if not isinstance(key, str) or not key or "." in key or key.startswith("$"):
        raise InvalidFilterError(
            f"Filter key {key!r}: use a non-empty value key without dots (nest dicts to reach "
            "inner keys), e.g. {'profile': {'city': 'Lisbon'}}."
        )
    field = ".".join((*path, key))
    if isinstance(wanted, Mapping):
        if any(str(k).startswith("$") for k in wanted):
            return and_(*(_operator(field, op, operand) for op, operand in wanted.items()))
        return and_(*(_condition((*path, key), k, v) for k, v in wanted.items()))
    return _operator(field, "$eq", wanted)


def _operator(field: str, op: Any, operand: Any) -> FilterNode:
    if op not in _OPERATORS:
        raise InvalidFilterError(
            f"Unsupported filter operator {op!r}; use one of {', '.join(_OPERATORS)}."
        )
    if operand is None and op in ("$eq", "$ne"):
        empty = IsEmpty(field)
        return empty if op == "$eq" else _not(empty)
    if isinstance(operand, list | tuple | Mapping):
        raise InvalidFilterError(
            f"Filter on {field.removeprefix('metadata.')!r}: compare with a string, number or "
            "boolean (lists and objects cannot be compared)."
        )
    return Cond(field, _OPERATORS[op], operand)  # type: ignore[arg-type]


def _not(node: FilterNode) -> FilterNode:
    return Not((node,))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, Mapping):
        return [text for v in value.values() for text in _strings(v)]
    if isinstance(value, list | tuple):
        return [text for v in value for text in _strings(v)]
    return []


def to_item(record: MemoryRecord, namespace: tuple[str, ...]) -> Item:
    """The LangGraph item of a record shown under ``namespace``."""
    source = record.source
    if source.get("framework") == FRAMEWORK and "key" in source:
        key, value = str(source["key"]), record.metadata
    else:
        key = record.id
        value = {"content": record.text, "kind": record.kind, "metadata": record.metadata}
    return Item(
        value=value, key=key, namespace=namespace,
        created_at=_time(record.created_at), updated_at=_time(record.updated_at),
    )  # fmt: skip


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)
