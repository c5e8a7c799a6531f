"""``memory-core demo``: store and find memories offline, in a throwaway home.

    >>> from typer.testing import CliRunner
    >>> from memory_core.cli import app
    >>> "throwaway" in CliRunner().invoke(app, ["demo", "--help"]).output
    True

No API key, no server, no LLM: two users' messages are stored verbatim, searched with the
local embedding model plus BM25, and one memory is edited to show its history. Every
search of one user is checked never to return the other user's memories.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from memory_core.cli._app import (
    ConfigOpt,
    HomeOpt,
    JsonOpt,
    Settings,
    app,
    emit_json,
    errors,
    out,
    run,
    settings,
)
from memory_core.cli._render import events_table, history_table, items_table, stats_table
from memory_core.memory import AsyncMemory

PEOPLE: dict[str, list[str]] = {
    "alice": [
        "I moved to Lisbon last spring",
        "I'm allergic to peanuts",
        "My sister Maria is visiting me in June",
        "I prefer window seats on long flights",
        "I work as a data engineer at a bike-sharing startup",
    ],
    "bob": [
        "I live in Toronto with my dog Biscuit",
        "I'm learning Portuguese for a trip to Lisbon in the fall",
        "I'm vegetarian, but I eat fish now and then",
        "I play bass in a jazz band on Thursdays",
    ],
}
SEARCHES: list[tuple[str, str]] = [
    ("alice", "Where does the user live?"),
    ("alice", "Is she allergic to anything?"),
    ("bob", "Lisbon"),
    ("bob", "What does he eat?"),
]
EDIT = (
    "alice",
    "I prefer window seats on long flights",
    "I now prefer aisle seats on long flights",
)


@app.command()
def demo(
    ctx: typer.Context,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Offline tour: add memories for two users, search them, show a history.

    Runs in a throwaway home (deleted afterwards) unless --home is given.
    """
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        if st.home is not None:
            report = run(st, lambda m: _tour(m, st, throwaway=False))
        else:
            with tempfile.TemporaryDirectory(prefix="memory-core-demo-") as tmp:
                st = Settings(st.json, Path(tmp), st.config_file)
                report = run(st, lambda m: _tour(m, st, throwaway=True))
        if st.json:
            emit_json(report)


async def _tour(engine: AsyncMemory, st: Settings, *, throwaway: bool) -> dict[str, Any]:
    console = None if st.json else out()
    started = time.perf_counter()
    report: dict[str, Any] = {"home": str(engine.config.home), "added": {}, "searches": []}
    if console:
        console.print(
            Panel.fit(
                "[bold]memory-core demo[/bold]: offline, no API key, no server.\n"
                f"Home: {escape(str(engine.config.home))}\n"
                "Without an LLM, messages are stored verbatim and found by hybrid search "
                "(local MiniLM embeddings + BM25).",
                border_style="cyan",
            )
        )
    ids: dict[str, set[str]] = {}
    for user, texts in PEOPLE.items():
        result = await engine.add(texts, user_id=user)
        report["added"][user] = result["results"]
        ids[user] = {event["id"] for event in result["results"]}
        if console:
            console.print(events_table(result["results"], f"{user}: add {len(texts)} messages"))

    leaks = 0
    for user, query in SEARCHES:
        hits = (await engine.search(query, user_id=user, limit=3))["results"]
        others = set().union(*(v for k, v in ids.items() if k != user))
        leaks += sum(hit["id"] in others for hit in hits)
        report["searches"].append({"user_id": user, "query": query, "results": hits})
        if console:
            console.print(items_table(hits, f"search {query!r} as {user}", scores=True))
    report["scoping_ok"] = leaks == 0
    if console:
        verdict = (
            "[green]✓ Scoping holds:[/green] no search returned the other user's memories "
            "(bob's 'Lisbon' search only sees bob's trip, never alice's move)."
            if leaks == 0
            else f"[red]✗ {leaks} result(s) belonged to another user![/red]"
        )
        console.print(verdict, "\n")

    again = await engine.add(PEOPLE["alice"][0], user_id="alice")
    report["duplicate"] = again["results"]
    if console:
        console.print(events_table(again["results"], "alice: the same message again → one memory"))

    user, old, new = EDIT
    [target] = [e["id"] for e in report["added"][user] if e["memory"] == old]
    report["update"] = await engine.update(target, new)
    entries = await engine.history(target)
    report["history"] = entries
    report["stats"] = await engine.stats()
    if console:
        console.print(history_table(entries, target))
        console.print(stats_table(report["stats"]))
        _footer(console, None if throwaway else st.home, time.perf_counter() - started)
    return report


def _footer(console: Console, kept_home: Path | None, seconds: float) -> None:
    home = escape(f" --home {kept_home}") if kept_home else ""
    kept = (
        f"The memories stay in {escape(str(kept_home))}"
        if kept_home
        else "This throwaway home is deleted now; pass --home DIR to keep one"
    )
    console.print(
        f"[dim]Done in {seconds:.1f} s. {kept}.[/dim]\n"
        "Try it yourself:\n"
        f'  memory-core{home} add "I love hiking in the Alps" --user you\n'
        f'  memory-core{home} search "outdoor hobbies" --user you\n'
        f"  memory-core{home} list --user you --json"
    )
