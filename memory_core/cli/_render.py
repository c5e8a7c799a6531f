"""Rich tables for the CLI's human-readable output (``--json`` bypasses all of this).

    >>> from memory_core.cli._render import human_time
    >>> human_time("2023-05-08T13:56:00+00:00")
    '2023-05-08 13:56'

Times are shown in UTC as ``YYYY-MM-DD HH:MM``; user text is never read as rich markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from memory_core.cli._app import scope_text
from memory_core.types import AddEvent, HistoryEntry, MemoryItem

ID_WIDTH = 36  # a memory id fits on one line of the memory column
_EVENT_STYLE = {"ADD": "green", "UPDATE": "yellow", "DELETE": "red", "NONE": "dim"}


def human_time(value: str | float | None) -> str:
    """``2023-05-08 13:56`` (UTC) from an ISO-8601 string or epoch seconds; ``""`` if unset."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value, tz=UTC)
    else:
        moment = datetime.fromisoformat(value)
        moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return moment.strftime("%Y-%m-%d %H:%M")


def memory_cell(item: Mapping[str, Any], text_key: str = "memory") -> Text:
    """The memory's text with its id on a dim second line (ids are what other commands take)."""
    cell = Text(str(item.get(text_key) or ""))
    cell.append(f"\n{item['id']}", style="dim")
    return cell


def speaker(item: Mapping[str, Any]) -> str:
    actor, role = item.get("actor_id"), item.get("role")
    if actor and role and role != "user":
        return f"{actor} ({role})"
    return str(actor or role or "")


def items_table(items: Sequence[MemoryItem], title: str, *, scores: bool = False) -> Table:
    """Search results or a listing: score, memory (+ id), and speaker / scope only when they
    tell the rows apart."""
    table = Table(title=Text(title), box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    with_speaker = _has_speakers(items)
    scopes = {scope_text(item) for item in items}
    with_scope = len(scopes) > 1 or any(
        item.get("agent_id") or item.get("run_id") for item in items
    )
    if scores:
        table.add_column("score", justify="right", style="cyan", no_wrap=True)
    table.add_column("memory", overflow="fold", ratio=1, min_width=ID_WIDTH)
    if with_speaker:
        table.add_column("speaker", no_wrap=True)
    if with_scope:
        table.add_column("scope")
    table.add_column("when (UTC)")
    for item in items:
        row: list[Text | str] = [memory_cell(item)]
        if scores:
            row.insert(0, f"{item.get('score', 0.0):.3f}")
        if with_speaker:
            row.append(speaker(item))
        if with_scope:
            row.append(scope_text(item).replace(" ", "\n"))
        # Date and time on two lines: the memory cell has two lines (text, id) anyway.
        when = human_time(item.get("valid_from") or item.get("created_at")).replace(" ", "\n")
        if item.get("expired_at"):
            when += (
                "\n[dim]expired\n" + human_time(item["expired_at"]).replace(" ", "\n") + "[/dim]"
            )
        row.append(when)
        table.add_row(*row)
    return table


def _has_speakers(rows: Sequence[Mapping[str, Any]]) -> bool:
    return any(row.get("actor_id") or row.get("role") not in (None, "user") for row in rows)


def item_table(item: MemoryItem) -> Table:
    """One memory, field by field."""
    table = Table(box=box.SIMPLE, show_header=False, title="memory", title_justify="left")
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_row("id", item["id"])
    table.add_row("memory", Text(item["memory"]))
    for key in ("kind", "user_id", "agent_id", "run_id", "actor_id", "role", "supersedes"):
        if item.get(key):
            table.add_row(key, Text(str(item.get(key))))
    for key in ("created_at", "updated_at", "valid_from", "valid_until", "expired_at"):
        if item.get(key):
            table.add_row(key, human_time(item.get(key)))  # type: ignore[arg-type]
    if item.get("metadata"):
        table.add_row("metadata", Text(_compact(item["metadata"])))
    if item.get("source"):
        table.add_row("source", Text(_compact(item.get("source"))))
    table.add_row("hash", Text(item["hash"], style="dim"))
    return table


def events_table(events: Sequence[AddEvent], title: str = "added") -> Table:
    """What ``add`` did, one row per message."""
    table = Table(title=Text(title), box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    table.add_column("event", no_wrap=True)
    table.add_column("memory", overflow="fold", ratio=1, min_width=ID_WIDTH)
    with_speaker = _has_speakers(events)
    if with_speaker:
        table.add_column("speaker", no_wrap=True)
    for event in events:
        style = _EVENT_STYLE.get(event["event"], "")
        label = "unchanged" if event["event"] == "NONE" else event["event"]
        row = [Text(label, style=style), memory_cell(event)]
        table.add_row(*row, *([speaker(event)] if with_speaker else []))
    return table


def history_table(entries: Sequence[HistoryEntry], memory_id: str) -> Table:
    """A memory's events, oldest first."""
    title = Text(f"history of {memory_id}")
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    with_speaker = _has_speakers(entries)
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("old", overflow="fold", ratio=1)
    table.add_column("new", overflow="fold", ratio=1)
    if with_speaker:
        table.add_column("speaker", no_wrap=True)
    for entry in entries:
        erased = "(erased)" if entry.get("is_deleted") else ""
        row: list[Text | str] = [
            human_time(entry.get("created_at")),
            Text(entry["event"], style=_EVENT_STYLE.get(entry["event"], "")),
            Text(entry.get("old_memory") or erased, style="dim"),
            Text(entry.get("new_memory") or erased),
        ]
        table.add_row(*row, *([speaker(entry)] if with_speaker else []))
    return table


def stats_table(stats: Mapping[str, Any]) -> Table:
    """The engine's counts and where things live."""
    table = Table(
        title="memory-core stats", box=box.SIMPLE, show_header=False, title_justify="left"
    )
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in stats.items():
        if isinstance(value, Mapping):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        table.add_row(key.replace("_", " "), Text(str(value)))
    return table


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
