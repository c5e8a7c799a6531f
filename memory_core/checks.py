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

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeAlias

from memory_core.errors import InvalidInputError
from memory_core.timeutil import to_epoch

TimeArg: TypeAlias = str | datetime | float | None


def check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of the caller's metadata, which must be a JSON-serialisable dict."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping) or not all(isinstance(k, str) for k in metadata):
        raise InvalidInputError("metadata must be a dict with string keys.")
    try:
        json.dumps(metadata)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"metadata must be JSON-serialisable: {exc}") from exc
    return dict(metadata)


def check_page(limit: int, offset: int) -> None:
    if not isinstance(limit, int) or limit < 1:
        raise InvalidInputError(f"limit must be a positive integer, got {limit!r}.")
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInputError(f"offset must be a non-negative integer, got {offset!r}.")


def epoch_or_none(value: TimeArg, name: str) -> float | None:
    """Epoch seconds for a datetime, number or ISO-8601 string; ``None`` stays ``None``."""
    if value is None:
        return None
    try:
        return to_epoch(value)
    except ValueError as exc:
        raise InvalidInputError(f"{name} must be a datetime or ISO-8601 string: {exc}") from exc


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
