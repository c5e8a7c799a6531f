"""Bulk commands: ``export`` (JSONL) and ``import`` (JSONL, or the LOCOMO benchmark file).

    >>> from typer.testing import CliRunner
    >>> from memory_core.cli import app
    >>> "locomo" in CliRunner().invoke(app, ["import", "--help"]).output
    True

``export`` writes one whole record per line (``MemoryRecord.model_dump()``, no vectors) and
``import`` puts them back through :meth:`~memory_core.AsyncMemory.import_records`, keeping
ids, times, validity and metadata: the round trip is lossless. ``import --format locomo``
loads ``locomo10.json`` turn by turn as verbatim memories, one user per conversation.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from pydantic import ValidationError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from memory_core.cli._app import (
    AgentOpt,
    ConfigOpt,
    HomeOpt,
    JsonOpt,
    RunOpt,
    Settings,
    UserOpt,
    app,
    emit_json,
    err,
    errors,
    flag,
    note,
    run,
    settings,
)
from memory_core.errors import InvalidInputError
from memory_core.io.jsonl import count_lines, dumps_line, read_jsonl, write_jsonl
from memory_core.io.locomo import LocomoSession, iter_sessions, load_locomo
from memory_core.memory import AsyncMemory
from memory_core.types import MemoryRecord, Scope

_CHUNK = 256


class ImportFormat(StrEnum):
    jsonl = "jsonl"
    locomo = "locomo"


def progress(enabled: bool) -> Progress:
    """A progress bar on stderr; ``enabled=False`` draws nothing."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err(),
        disable=not enabled,
        transient=False,
    )


# --- export ------------------------------------------------------------------------------


@app.command()
def export(
    ctx: typer.Context,
    user: UserOpt = None,
    agent: AgentOpt = None,
    run_id: RunOpt = None,
    out_path: Annotated[
        str, typer.Option("--out", "-o", help="File to write, or '-' for stdout.")
    ] = "-",
    current_only: Annotated[
        bool, flag("--current-only", help="Leave out superseded / invalidated records.")
    ] = False,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Write whole records as JSONL (the whole home unless a scope is given).

    With --json and no --out: one JSON document on stdout, {"records": [...], "exported": N}.
    """
    st = settings(ctx, json_output, home, config_file)
    to_stdout = out_path == "-"
    with errors(st):
        scope = {"user_id": user, "agent_id": agent, "run_id": run_id}
        with _output(out_path) as handle:
            count = run(st, lambda m: _export(m, handle, scope, current_only, st, to_stdout))
            if st.json and to_stdout:
                handle.write(f'], "exported": {count}}}\n')
        if st.json and not to_stdout:
            emit_json({"exported": count, "out": out_path})
        elif not st.json:
            where = "stdout" if to_stdout else out_path
            note(st, f"Exported {_n(count, 'memory')} to {where}.", "green")


@contextmanager
def _output(path: str) -> Iterator[TextIO]:
    """stdout for ``-``; else a hidden sibling file, renamed onto ``path`` only when the
    export succeeded (a failed export never leaves a truncated file behind)."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with open(partial, "w", encoding="utf-8") as handle:
            yield handle
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


async def _export(
    engine: AsyncMemory,
    handle: TextIO,
    scope: dict[str, str | None],
    current_only: bool,
    st: Settings,
    to_stdout: bool,
) -> int:
    total: int | None = None
    if not any(scope.values()):
        counts = await engine.stats()
        total = counts["current" if current_only else "memories"]
    # JSONL, or with --json on stdout the records of one JSON document, streamed (the command
    # closes the document): a big home is never held in memory either way.
    as_document = st.json and to_stdout
    if as_document:
        handle.write('{"records": [')
    count = 0
    with progress(not st.json and not to_stdout) as bar:
        task = bar.add_task("exporting", total=total)
        lines = engine.export_dump(scope=Scope(**scope), include_expired=not current_only)
        async for line in lines:  # each record with its history and relations: lossless
            if as_document:
                handle.write(("," if count else "") + "\n" + dumps_line(line))
                count += 1
            else:
                count += write_jsonl([line], handle)
            bar.advance(task)
    return count


# --- import ------------------------------------------------------------------------------


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(help="A JSONL file from `export` ('-' for stdin), or locomo10.json.")
    ],
    fmt: Annotated[ImportFormat, typer.Option("--format", help="What FILE holds.")] = (
        ImportFormat.jsonl
    ),
    limit_conversations: Annotated[
        int | None,
        typer.Option(help="LOCOMO only: load just the first N conversations.", min=1),
    ] = None,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Load memories: exported JSONL (lossless), or a LOCOMO file as verbatim turns."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        if fmt is ImportFormat.locomo:
            if not Path(file).is_file():
                raise InvalidInputError(
                    f"No such file: {file}. --format locomo takes the path to locomo10.json."
                )
            sessions = list(
                iter_sessions(load_locomo(file), limit_conversations=limit_conversations)
            )
            result = run(st, lambda m: _import_locomo(m, sessions, st))
            summary = (
                f"Loaded {_n(result['turns'], 'turn')} of "
                f"{_n(result['conversations'], 'conversation')} "
                f"({_n(result['sessions'], 'session')}): {_n(result['added'], 'new memory')}, "
                f"{result['unchanged']} already known."
            )
        else:
            if limit_conversations is not None:
                raise InvalidInputError("--limit-conversations only applies to --format locomo.")
            rows, total = _jsonl_rows(file)
            imported = run(st, lambda m: _import_jsonl(m, rows, total, st))
            result = {"imported": imported}
            summary = f"Imported {_n(imported, 'record')} from {file}."
        if st.json:
            emit_json(result)
        else:
            note(st, summary, "green")


def _jsonl_rows(file: str) -> tuple[Iterator[dict[str, Any]], int]:
    """Validate every line first (bad input writes nothing), then stream the rows again."""
    if file == "-":
        rows = list(read_jsonl(sys.stdin))
        _validate(iter(rows), "stdin")
        return iter(rows), len(rows)
    path = Path(file)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {file}. Pass a JSONL file written by `export`.")
    _validate(read_jsonl(path), file)
    return read_jsonl(path), count_lines(path)


def _validate(rows: Iterator[dict[str, Any]], name: str) -> None:
    for number, row in enumerate(rows, start=1):
        try:
            record = MemoryRecord.model_validate({k: v for k, v in row.items() if k != "vector"})
        except ValidationError as exc:
            raise InvalidInputError(
                f"{name}, record {number} is not a memory record: {exc}. Import reads what "
                "`memory-core export` writes."
            ) from exc
        record.scope.require(f"import (record {number})")


async def _import_jsonl(
    engine: AsyncMemory, rows: Iterator[dict[str, Any]], total: int, st: Settings
) -> int:
    imported = 0
    with progress(not st.json) as bar:
        task = bar.add_task("importing", total=total)
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= _CHUNK:
                imported += await engine.import_records(chunk)
                bar.advance(task, len(chunk))
                chunk = []
        imported += await engine.import_records(chunk)
        bar.advance(task, len(chunk))
    return imported


async def _import_locomo(
    engine: AsyncMemory, sessions: list[LocomoSession], st: Settings
) -> dict[str, int]:
    """One verbatim memory per turn: user = sample id, speaker = actor, valid from the
    session's date, metadata ``{dia_id, session, sample_id}``. One ``add`` per session, so
    its turns are embedded in one batch."""
    counts = {"conversations": len({s.sample_id for s in sessions}), "sessions": len(sessions)}
    counts |= {"turns": 0, "added": 0, "unchanged": 0, "skipped": 0}
    with progress(not st.json) as bar:
        task = bar.add_task("loading LOCOMO turns", total=sum(len(s.turns) for s in sessions))
        for sample_id, session_no, when, turns in sessions:
            bar.update(task, description=f"{sample_id} session {session_no}")
            kept = [turn for turn in turns if turn.memory_text.strip()]
            counts["turns"] += len(turns)
            counts["skipped"] += len(turns) - len(kept)
            if kept:
                messages = [
                    {**turn.message(), "metadata": turn.metadata(sample_id, session_no)}
                    for turn in kept
                ]
                result = await engine.add(messages, user_id=sample_id, infer=False, valid_from=when)
                new = sum(e["event"] == "ADD" for e in result["results"])
                counts["added"] += new
                counts["unchanged"] += len(result["results"]) - new
            bar.advance(task, len(turns))
    return counts


def _n(count: int, noun: str) -> str:
    """``1 turn``, ``2 turns``, ``2 new memories``."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"
