"""Checks of the engine's call arguments, each raising an :class:`InvalidInputError` that
says what to pass instead; they run before anything is written.

    >>> check_metadata({"topic": "food"})
    {'topic': 'food'}
    >>> check_page(10, 0)
    >>> epoch_or_none("1970-01-01T00:00:10Z", "valid_from")
    10.0
    >>> is_uuid("not-a-uuid")
    False
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeAlias

from memory_core.errors import InvalidInputError
from memory_core.validation import check_finite, check_json, check_text, check_time, check_vector

TimeArg: TypeAlias = str | datetime | float | None


def check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of the caller's metadata, which must be strict JSON (see
    :func:`memory_core.validation.check_json`: no NaN, bounded depth and size, valid Unicode)."""
    return check_json(metadata, "metadata")


def check_search_args(
    query: str, threshold: Any, query_vector: Sequence[float] | None, dims: int
) -> None:
    """A search's query (valid Unicode), ``threshold`` (a finite number) and ``query_vector``
    (finite, of the embedder's dimension): a NaN would silently match nothing."""
    check_text(query, "query")
    if threshold is not None:
        check_finite(threshold, "threshold", fix="Pass a float such as threshold=0.5.")
    if query_vector is not None:
        check_vector(query_vector, "query_vector", dims)


def check_page(limit: int, offset: int) -> None:
    if not isinstance(limit, int) or limit < 1:
        raise InvalidInputError(f"limit must be a positive integer, got {limit!r}.")
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInputError(f"offset must be a non-negative integer, got {offset!r}.")


def epoch_or_none(value: TimeArg, name: str) -> float | None:
    """Epoch seconds for a datetime, number or ISO-8601 string; ``None`` stays ``None``."""
    return check_time(value, name)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
