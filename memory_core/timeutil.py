"""Time helpers: the engine stores epoch seconds (UTC) and shows ISO-8601 strings.

>>> to_epoch("1970-01-01T00:01:00Z")
60.0
>>> to_iso(60.0)
'1970-01-01T00:01:00+00:00'
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    """Current UTC time as epoch seconds."""
    return time.time()


def to_epoch(value: str | datetime | float | int) -> float:
    """Epoch seconds from an ISO-8601 string, a datetime (naive = UTC) or a number."""
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def to_iso(epoch: float | None) -> str | None:
    """ISO-8601 (UTC) for epoch seconds; ``None`` stays ``None``."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()
