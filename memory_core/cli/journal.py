"""``memory-core journal``: the write-journal entries quarantined because they can never apply.

    >>> from typer.testing import CliRunner
    >>> from memory_core.cli import app
    >>> "--purge" in CliRunner().invoke(app, ["journal", "--help"]).output
    True

Opening a home replays its unfinished writes; an entry that fails for a reason replaying will
never change (a value a store refuses) is set aside so the home still opens. This command
lists those entries with their cause and, with ``--purge``, drops them.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from memory_core.cli._app import (
    ConfigOpt,
    HomeOpt,
    JsonOpt,
    app,
    emit_json,
    errors,
    note,
    out,
    run,
    settings,
)
from memory_core.memory import AsyncMemory


@app.command()
def journal(
    ctx: typer.Context,
    purge: Annotated[
        bool, typer.Option("--purge", help="Drop the quarantined entries (all, or --id).")
    ] = False,
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="Only this entry (repeatable).")
    ] = None,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """List the journal entries quarantined because they can never apply (or --purge them)."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        if purge:
            dropped = run(st, lambda m: m.purge_quarantined(ids or None))
            if st.json:
                emit_json({"purged": dropped})
            else:
                out().print(Text(f"Purged {dropped} quarantined entries.", style="green"))
            return
        entries = run(st, lambda m: _listed(m, ids))
        if st.json:
            emit_json(entries)
        elif not entries:
            note(st, "No quarantined journal entries: every write was applied.")
        else:
            out().print(_table(entries))


async def _listed(engine: AsyncMemory, ids: list[int] | None) -> list[dict[str, Any]]:
    entries = await engine.quarantined()
    return [e for e in entries if not ids or e["id"] in ids]


def _table(entries: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(entries)} quarantined journal entries")
    for column in ("id", "written", "quarantined", "cause"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            str(entry["id"]), str(entry["created_at"]), str(entry["quarantined_at"]),
            Text(str(entry["cause"])),
        )  # fmt: skip
    return table
