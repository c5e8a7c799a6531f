"""Reading and writing memories in bulk: JSONL records and the LOCOMO benchmark file.

    >>> from memory_core.io import normalize_evidence
    >>> normalize_evidence("D8:6; D9:17")
    ['D8:6', 'D9:17']

:mod:`memory_core.io.jsonl` is the lossless export/import format (one
``MemoryRecord.model_dump()`` per line); :mod:`memory_core.io.locomo` parses
``locomo10.json`` for the CLI's ``import --format locomo`` and for the benchmarks.
"""

from memory_core.io.jsonl import read_jsonl, write_jsonl
from memory_core.io.locomo import (
    LocomoSession,
    LocomoTurn,
    iter_sessions,
    load_locomo,
    normalize_evidence,
    parse_session_datetime,
)

__all__ = [
    "LocomoSession",
    "LocomoTurn",
    "iter_sessions",
    "load_locomo",
    "normalize_evidence",
    "parse_session_datetime",
    "read_jsonl",
    "write_jsonl",
]
