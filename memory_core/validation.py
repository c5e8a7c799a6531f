"""The one validator of what may be written: nothing enters the journal that cannot be applied.

    >>> check_json({"a": [1, 2.5, "x"]}, "metadata")
    {'a': [1, 2.5, 'x']}
    >>> check_json({"x": float("nan")}, "metadata")
    Traceback (most recent call last):
    ...
    memory_core.errors.InvalidInputError: metadata['x'] is nan: ...
    >>> check_text("caf\\udce9", "text")
    Traceback (most recent call last):
    ...
    memory_core.errors.InvalidInputError: text holds a lone surrogate ...

Every write path (``add``, ``update``, the keyed puts of ``records``, ``import_records``)
checks its arguments with these functions, naming the argument; and
:func:`check_record` checks every record once more in ``Writer.commit``, before the journal
transaction, so a value that a store would refuse on replay can never be journaled.

Strict JSON is what every store keeps: dicts with string keys, lists, strings, booleans, None,
finite floats and integers that fit in 64 bits (Qdrant keeps integers as int64), nested at most
:data:`MAX_DEPTH` deep and :data:`MAX_JSON_BYTES` long. Text must be valid Unicode (no lone
surrogates: they cannot be encoded as UTF-8, so SQLite and Qdrant refuse them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from memory_core.errors import InvalidInputError
from memory_core.timeutil import to_epoch
from memory_core.types import MemoryRecord, Scope

#: How deep metadata and source may nest (a dict in a list in a dict is depth 3).
MAX_DEPTH = 32
#: The largest metadata / source / procedure, serialised as JSON (UTF-8 bytes).
MAX_JSON_BYTES = 1_000_000
INT64 = (-(2**63), 2**63 - 1)
#: Epoch seconds of 0001-01-01 and 9999-12-31T23:59:59 UTC: what ISO-8601 can show.
EPOCH_RANGE = (-62135596800.0, 253402300799.0)
TIME_FIELDS = ("created_at", "updated_at", "valid_from", "valid_until", "expired_at", "expires_at")


def check_text(text: str, name: str) -> str:
    """``text`` if it is a string of valid Unicode, else :class:`InvalidInputError`."""
    if not isinstance(text, str):
        raise InvalidInputError(f"{name} must be a string, got {type(text).__name__}.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{name} holds a lone surrogate ({text[exc.start : exc.end]!r} at {exc.start}): not "
            "valid Unicode. Decode your input with errors='replace' (or fix its encoding)."
        ) from None
    return text


def check_json(value: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
    """A copy of a JSON object that every store can keep, or an error naming the bad part."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{name} must be a dict with string keys, got {value!r:.80}.")
    _walk(value, name)
    size = len(json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8"))
    if size > MAX_JSON_BYTES:
        raise InvalidInputError(
            f"{name} is {size} bytes as JSON, over the limit of {MAX_JSON_BYTES}. Keep large "
            "payloads elsewhere and store a reference to them."
        )
    return dict(value)


def _walk(root: Any, name: str) -> None:
    """Check a JSON value without recursion (a hostile depth must not overflow the stack)."""
    stack: list[tuple[Any, str, int]] = [(root, name, 1)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, Mapping | list | tuple) and depth > MAX_DEPTH:
            raise InvalidInputError(
                f"{where} nests deeper than {MAX_DEPTH} levels. Flatten it (e.g. join the path "
                "into one key) or store it as a JSON string."
            )
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InvalidInputError(f"{where} has a non-string key {key!r}; use strings.")
                check_text(key, f"a key of {where}")
                stack.append((item, f"{where}[{key!r}]", depth + 1))
        elif isinstance(value, list | tuple):
            stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
        else:
            _check_scalar(value, where)


def _check_scalar(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        check_text(value, where)
    elif isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            raise InvalidInputError(
                f"{where} is an integer beyond 64 bits ({str(value)[:20]}…); store it as a string."
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(
                f"{where} is {value}: not JSON. Use None, a finite number or a string."
            )
    else:
        raise InvalidInputError(
            f"{where} is a {type(value).__name__}, not JSON; use str, int, float, bool, None, "
            "list or dict (convert dates to ISO-8601 strings)."
        )


def check_finite(value: Any, name: str, *, fix: str = "") -> float:
    """A real, finite number (not a bool, not a string), or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(
            f"{name} must be a number, got {type(value).__name__} {value!r:.40}. {fix}".strip()
        )
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInputError(f"{name} must be a finite number, got {value}. {fix}".strip())
    return number


def check_vector(vector: Sequence[float], name: str, dims: int | None = None) -> None:
    """A dense vector of finite numbers (of ``dims`` entries, when given)."""
    if isinstance(vector, str | bytes) or not isinstance(vector, Sequence):
        raise InvalidInputError(f"{name} must be a list of floats, got {type(vector).__name__}.")
    if dims is not None and len(vector) != dims:
        raise InvalidInputError(
            f"{name} has {len(vector)} dimensions; this store uses {dims}-d vectors from its "
            "embedder."
        )
    for i, x in enumerate(vector):
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
            raise InvalidInputError(
                f"{name}[{i}] is {x!r}: every entry must be a finite number (a NaN or inf would "
                "make every score meaningless)."
            )


def check_time(value: Any, name: str) -> float | None:
    """Epoch seconds for a datetime, a finite number or an ISO-8601 string; ``None`` stays."""
    if value is None:
        return None
    must = f"{name} must be a datetime, epoch seconds or an ISO-8601 string such as "
    must += "'2024-05-01T12:00:00Z'"
    if isinstance(value, bool) or not isinstance(value, str | datetime | int | float):
        raise InvalidInputError(f"{must}, got a {type(value).__name__} ({value!r:.40}).")
    if isinstance(value, str):
        check_text(value, name)
    try:
        epoch = to_epoch(value)
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidInputError(f"{must}: {exc}.") from None
    return check_epoch(epoch, name)


def check_epoch(value: Any, name: str) -> float:
    """Epoch seconds that show as an ISO-8601 time (years 1 to 9999), or an error."""
    epoch = check_finite(value, name, fix="Pass epoch seconds or an ISO-8601 string.")
    if not EPOCH_RANGE[0] <= epoch <= EPOCH_RANGE[1]:
        raise InvalidInputError(
            f"{name} = {epoch} is outside the years 1 to 9999; pass a real time (epoch "
            "seconds, a datetime or an ISO-8601 string)."
        )
    return epoch


def check_record(record: MemoryRecord) -> None:
    """Everything a store will be asked to keep of ``record``: the last check before the
    journal (``Writer.commit``), shared by every write path."""
    check_text(record.id, "record id")
    check_text(record.text, "text")
    Scope(record.user_id, record.agent_id, record.run_id)  # checks the ids it is given
    for name in ("actor_id", "role", "supersedes", "hash"):
        if (value := getattr(record, name)) is not None:
            check_text(value, name)
    check_json(record.metadata, "metadata")
    check_json(record.source, "source")
    if record.procedure is not None:
        check_json(record.procedure, "procedure")
    for entity in record.entities:
        check_text(entity, "an entity name")
    for label in record.path:
        check_text(label, "a path label")
    for tag in record.tags:
        check_text(tag, "a tag")
    for name in TIME_FIELDS:
        if (value := getattr(record, name)) is not None:
            check_epoch(value, name)
