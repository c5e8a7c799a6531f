"""Memories as prompt context: the one renderer every adapter puts in front of a model.

    >>> items = [
    ...     {"memory": "Alice lives in Lisbon", "created_at": "2024-03-01T10:00:00+00:00",
    ...      "valid_from": "2024-02-01T00:00:00+00:00", "valid_until": None, "score": 0.9},
    ...     {"memory": "Alice is vegetarian", "created_at": "2023-05-02T08:00:00+00:00",
    ...      "valid_from": None, "valid_until": None, "score": 0.4},
    ... ]
    >>> print(render_memories(items))
    Relevant memories, most relevant first:
    - Alice lives in Lisbon (noted 2024-03-01; true from 2024-02-01)
    - Alice is vegetarian (noted 2023-05-02)
    >>> print(render_memories(items[1:], style="xml", show_dates=False))
    <memories>
    <memory>Alice is vegetarian</memory>
    </memories>
    >>> render_memories([])
    ''

Items are search results (``MemoryItem`` dicts), :class:`~memory_core.types.MemoryRecord` s or
scored records (anything with ``.record`` and ``.score``), best first. ``max_tokens`` bounds the
whole block, counted with the engine's own tokenizer (all-MiniLM-L6-v2's WordPiece, shipped in
the package: no download): memories are kept in rank order while they fit, so the lowest-ranked
go first. Nothing to show gives ``""``, so an adapter injects nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from memory_core.errors import InvalidInputError
from memory_core.types import MemoryRecord

if TYPE_CHECKING:
    from tokenizers import Tokenizer

Style = Literal["bullets", "xml"]
DEFAULT_HEADER = "Relevant memories, most relevant first:"
_TOKENIZER = Path(__file__).resolve().parents[1] / "embeddings" / "minilm" / "tokenizer.json"


@dataclass(frozen=True, slots=True)
class _Shown:
    text: str
    noted: str | None
    valid_from: str | None
    valid_until: str | None
    id: str | None


def render_memories(
    items: Iterable[Any],
    *,
    style: Style = "bullets",
    max_tokens: int | None = None,
    show_dates: bool = True,
    header: str | None = DEFAULT_HEADER,
) -> str:
    """The memories as one block of prompt text (``""`` when there are none).

    ``style="bullets"``: ``header`` then one ``- text (dates)`` line each; ``style="xml"``: a
    ``<memories>`` element with one ``<memory>`` each (dates as attributes). ``max_tokens``
    keeps the best-ranked memories that fit, header included.
    """
    if style not in ("bullets", "xml"):
        raise InvalidInputError(f"style must be 'bullets' or 'xml', got {style!r}.")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise InvalidInputError(f"max_tokens must be a positive integer, got {max_tokens!r}.")
    lines = [_line(_shown(item), style, show_dates) for item in items]
    head, tail = _frame(style, header)
    kept: list[str] = []
    if max_tokens is None:
        kept = lines
    else:
        left = max_tokens - count_tokens([*head, *tail])
        for line, cost in zip(lines, _costs(lines), strict=True):
            if cost > left:
                break
            kept.append(line)
            left -= cost
    return "\n".join([*head, *kept, *tail]) if kept else ""


def count_tokens(lines: Sequence[str]) -> int:
    """Tokens in ``lines`` (joined by newlines, which cost none), by the engine's tokenizer."""
    return sum(_costs(lines))


def _costs(lines: Sequence[str]) -> list[int]:
    encoded = _tokenizer().encode_batch(list(lines), add_special_tokens=False)
    return [len(encoding.ids) for encoding in encoded]


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_TOKENIZER))
    tokenizer.no_truncation()  # the file is set up for the model's 128-token input
    tokenizer.no_padding()
    return tokenizer


def _frame(style: Style, header: str | None) -> tuple[list[str], list[str]]:
    if style == "xml":
        return ["<memories>"], ["</memories>"]
    return ([header] if header else []), []


def _line(shown: _Shown, style: Style, show_dates: bool) -> str:
    if style == "xml":
        stamps = (("noted", shown.noted), ("valid_from", shown.valid_from),
                  ("valid_until", shown.valid_until))  # fmt: skip
        attributes = "".join(
            f' {name}="{escape(value)}"' for name, value in stamps if show_dates and value
        )
        return f"<memory{attributes}>{escape(shown.text, quote=False)}</memory>"
    dates = _dates(shown) if show_dates else ""
    return f"- {shown.text}{f' ({dates})' if dates else ''}"


def _dates(shown: _Shown) -> str:
    parts = [f"noted {shown.noted}"] if shown.noted else []
    if shown.valid_from and shown.valid_until:
        parts.append(f"true {shown.valid_from} to {shown.valid_until}")
    elif shown.valid_from:
        parts.append(f"true from {shown.valid_from}")
    elif shown.valid_until:
        parts.append(f"true until {shown.valid_until}")
    return "; ".join(parts)


def _shown(item: Any) -> _Shown:
    record = getattr(item, "record", item)  # a scored record carries the record
    if isinstance(record, MemoryRecord):
        return _Shown(" ".join(record.text.split()), _day(record.created_at),
                      _day(record.valid_from), _day(record.valid_until), record.id)  # fmt: skip
    if isinstance(record, Mapping) and isinstance(record.get("memory"), str):
        return _Shown(" ".join(record["memory"].split()), _day(record.get("created_at")),
                      _day(record.get("valid_from")), _day(record.get("valid_until")),
                      record.get("id"))  # fmt: skip
    raise InvalidInputError(
        f"render_memories takes search results ({{'memory': ...}} dicts), MemoryRecords or "
        f"scored records; got {type(item).__name__}."
    )


def _day(value: str | float | None) -> str | None:
    """The date part of an ISO timestamp or epoch seconds."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC).date().isoformat()
    return value[:10]


__all__ = ["DEFAULT_HEADER", "count_tokens", "render_memories"]
