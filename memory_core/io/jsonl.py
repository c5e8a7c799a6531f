"""JSON Lines: one JSON object per line, the format of ``memory-core export`` / ``import``.

    >>> import io
    >>> buffer = io.StringIO()
    >>> write_jsonl([{"id": "a", "text": "Lisbon"}, {"id": "b", "text": "Porto"}], buffer)
    2
    >>> [row["text"] for row in read_jsonl(io.StringIO(buffer.getvalue()))]
    ['Lisbon', 'Porto']

Floats are written with Python's shortest round-tripping repr, so epoch-second timestamps
come back bit for bit: export → import is lossless. Blank lines are skipped on reading; any
other line that is not a JSON object raises :class:`~memory_core.errors.InvalidInputError`
naming the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel

from memory_core.errors import InvalidInputError


def dumps_line(row: Mapping[str, Any] | BaseModel) -> str:
    """One compact JSON line (no trailing newline); a pydantic model is dumped first.

    >>> dumps_line({"text": "café", "n": 0.1})
    '{"text":"café","n":0.1}'
    """
    data = row.model_dump(mode="json") if isinstance(row, BaseModel) else row
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def write_jsonl(rows: Iterable[Mapping[str, Any] | BaseModel], out: TextIO) -> int:
    """Write each row as one line to ``out``; returns how many were written."""
    count = 0
    for row in rows:
        out.write(dumps_line(row))
        out.write("\n")
        count += 1
    return count


def read_jsonl(source: str | Path | TextIO) -> Iterator[dict[str, Any]]:
    """Yield the JSON object on each non-blank line of a path or an open text file."""
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8") as handle:
            yield from _read(handle, str(source))
    else:
        yield from _read(source, getattr(source, "name", "<stream>"))


def count_lines(path: str | Path) -> int:
    """Non-blank lines of a file: how many rows :func:`read_jsonl` will yield (at most)."""
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def _read(handle: TextIO, name: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"{name}, line {number}: not valid JSON ({exc.msg}). Each line of a JSONL file "
                "must be one JSON object, as written by `memory-core export`."
            ) from exc
        if not isinstance(row, dict):
            raise InvalidInputError(
                f"{name}, line {number}: expected a JSON object, got {type(row).__name__}."
            )
        yield row
