"""Everyday commands: ``add``, ``search``, ``get``, ``list``, ``history``, ``delete``, ``stats``.

    >>> from typer.testing import CliRunner
    >>> from memory_core.cli import app
    >>> "--user" in CliRunner().invoke(app, ["search", "--help"]).output
    True

Each prints rich tables, or with ``--json`` exactly what the engine returned (Mem0's
shapes: ``{"results": [...]}``), times as ISO-8601.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.text import Text

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
    errors,
    flag,
    json_object,
    note,
    out,
    require_scope,
    run,
    scope_text,
    settings,
    stdin_text,
    time_arg,
)
from memory_core.cli._render import events_table, history_table, item_table, items_table
from memory_core.cli._render import stats_table as _stats_table
from memory_core.errors import InvalidInputError, MemoryNotFoundError
from memory_core.memory import AsyncMemory
from memory_core.types import Kind, Scope


class KindChoice(StrEnum):
    message = "message"
    fact = "fact"
    procedure = "procedure"
    transcript = "transcript"


MetadataOpt = Annotated[
    str | None,
    typer.Option(
        "--metadata", "-m", help='JSON object kept with the memory, e.g. \'{"topic": "food"}\'.'
    ),
]
FiltersOpt = Annotated[
    str | None,
    typer.Option(
        "--filters",
        "-f",
        help='Mem0 filter as JSON, e.g. \'{"topic": "food"}\' or \'{"score": {"gte": 3}}\'.',
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Show what was current then (ISO-8601 or epoch seconds)."),
]
ExpiredOpt = Annotated[
    bool, flag("--include-expired", help="Also show superseded / invalidated memories.")
]
KindOpt = Annotated[KindChoice | None, typer.Option("--kind", help="Only this kind of memory.")]
IdArg = Annotated[str, typer.Argument(help="A memory id (as shown by search, list or add).")]


def _kind(kind: KindChoice | None) -> Kind | None:
    return None if kind is None else kind.value


@app.command()
def add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What to remember ('-' reads it from stdin).")],
    user: UserOpt = None,
    agent: AgentOpt = None,
    run_id: RunOpt = None,
    metadata: MetadataOpt = None,
    role: Annotated[str, typer.Option(help="Who said it: user, assistant, …")] = "user",
    actor: Annotated[
        str | None, typer.Option(help="The speaker's name (kept as actor_id).")
    ] = None,
    valid_from: Annotated[
        str | None, typer.Option(help="When this started to hold (ISO-8601); default now.")
    ] = None,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Remember TEXT for a user, agent and/or run (stored verbatim: no LLM needed)."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        require_scope("add", user, agent, run_id)
        meta = json_object(metadata, "--metadata")
        content = stdin_text().rstrip("\n") if text == "-" else text
        message: dict[str, Any] = {"role": role, "content": content}
        if actor is not None:
            message["name"] = actor
        result = run(
            st,
            lambda m: m.add(
                message, user_id=user, agent_id=agent, run_id=run_id, metadata=meta,
                valid_from=time_arg(valid_from),
            ),
        )  # fmt: skip
        if st.json:
            emit_json(result)
        else:
            out().print(events_table(result["results"]))


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    user: UserOpt = None,
    agent: AgentOpt = None,
    run_id: RunOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many results.")] = 10,
    offset: Annotated[int, typer.Option(help="Skip this many results first.")] = 0,
    filters: FiltersOpt = None,
    threshold: Annotated[
        float | None, typer.Option(help="Drop results scoring below this.")
    ] = None,
    as_of: AsOfOpt = None,
    include_expired: ExpiredOpt = False,
    kind: KindOpt = None,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Find a scope's memories by meaning and keywords (hybrid dense + BM25), best first."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        require_scope("search", user, agent, run_id)
        flt = json_object(filters, "--filters")
        result = run(
            st,
            lambda m: m.search(
                query, user_id=user, agent_id=agent, run_id=run_id, limit=limit, offset=offset,
                filters=flt, threshold=threshold, as_of=time_arg(as_of),
                include_expired=include_expired, kind=_kind(kind),
            ),
        )  # fmt: skip
        if st.json:
            emit_json(result)
            return
        scope = scope_text({"user_id": user, "agent_id": agent, "run_id": run_id})
        if not result["results"]:
            note(st, f"No memories of {scope} match {query!r}.")
            return
        out().print(items_table(result["results"], f"{query!r} in {scope}", scores=True))


@app.command()
def get(
    ctx: typer.Context,
    memory_id: IdArg,
    user: UserOpt = None,
    agent: AgentOpt = None,
    run_id: RunOpt = None,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Show one memory, current or not (with a scope: only if it is that scope's)."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        item = run(st, lambda m: m.get(memory_id, user_id=user, agent_id=agent, run_id=run_id))
        if item is None:
            raise MemoryNotFoundError(memory_id)
        if st.json:
            emit_json(item)
        else:
            out().print(item_table(item))


@app.command("list")
def list_(
    ctx: typer.Context,
    user: UserOpt = None,
    agent: AgentOpt = None,
    run_id: RunOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Page size.")] = 100,
    offset: Annotated[int, typer.Option(help="Skip this many first.")] = 0,
    cursor: Annotated[
        str | None, typer.Option(help="Continue after this id (the last page's next_cursor).")
    ] = None,
    filters: FiltersOpt = None,
    as_of: AsOfOpt = None,
    include_expired: ExpiredOpt = False,
    kind: KindOpt = None,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """List a scope's memories in a stable order (by id), a page at a time."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        require_scope("list", user, agent, run_id)
        flt = json_object(filters, "--filters")
        result = run(
            st,
            lambda m: m.get_all(
                user_id=user, agent_id=agent, run_id=run_id, filters=flt, limit=limit,
                offset=offset, cursor=cursor, as_of=time_arg(as_of),
                include_expired=include_expired, kind=_kind(kind),
            ),
        )  # fmt: skip
        if st.json:
            emit_json(result)
            return
        scope = scope_text({"user_id": user, "agent_id": agent, "run_id": run_id})
        items = result["results"]
        if not items:
            note(st, f"No memories for {scope}.")
            return
        noun = "memory" if len(items) == 1 else "memories"
        out().print(items_table(items, f"{len(items)} {noun} of {scope}"))
        if result.get("next_cursor"):
            note(st, f"More: add --cursor {result['next_cursor']}", "dim")


@app.command()
def history(
    ctx: typer.Context,
    memory_id: IdArg,
    user: UserOpt = None,
    agent: AgentOpt = None,
    run_id: RunOpt = None,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Show every change of a memory, oldest first (with a scope: only if it is that scope's)."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        entries = run(
            st, lambda m: m.history(memory_id, user_id=user, agent_id=agent, run_id=run_id)
        )
        if st.json:
            emit_json(entries)
        else:
            out().print(history_table(entries, memory_id))


@app.command()
def delete(
    ctx: typer.Context,
    memory_id: Annotated[
        str | None, typer.Argument(help="The memory to erase (or use --all with a scope).")
    ] = None,
    all_: Annotated[bool, flag("--all", help="Erase every memory of the given scope.")] = False,
    user: UserOpt = None,
    agent: AgentOpt = None,
    run_id: RunOpt = None,
    yes: Annotated[bool, flag("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Erase a memory for real (its text leaves history too), or a whole scope with --all.

    With an id, --user / --agent / --run make sure it is that scope's memory first."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        if all_ == (memory_id is not None):
            raise InvalidInputError(
                "Pass a memory id (`memory-core delete ID`) or --all with a scope "
                "(`memory-core delete --all --user alice`), not both and not neither."
            )
        if memory_id is not None:
            result: dict[str, Any] = run(
                st, lambda m: m.delete(memory_id, user_id=user, agent_id=agent, run_id=run_id)
            )
        else:
            require_scope("delete --all", user, agent, run_id)
            scope = Scope(user, agent, run_id)
            if not yes and st.json:
                raise InvalidInputError("--json cannot ask for confirmation: add --yes.")
            result = run(st, lambda m: _delete_scope(m, scope, st, confirm=not yes))
        if st.json:
            emit_json(result)
        else:
            out().print(Text(str(result["message"]), style="green"))


async def _delete_scope(
    engine: AsyncMemory, scope: Scope, st: Settings, *, confirm: bool
) -> dict[str, Any]:
    ids = scope.ids()
    if confirm:
        count = 0
        async for _ in engine.export_records(
            user_id=scope.user_id, agent_id=scope.agent_id, run_id=scope.run_id
        ):
            count += 1
        if count == 0:
            return {"message": f"No memories for {scope_text(ids)}; nothing deleted.", "deleted": 0}
        prompt = (
            f"Erase all {count} memories of {scope_text(ids)}"
            f"{'' if 'run_id' in ids else ' (with all their agents and runs)'}? "
            "This cannot be undone"
        )
        if not typer.confirm(prompt, err=True):
            note(st, "Aborted: nothing was deleted.")
            raise typer.Exit(1)
    return await engine.delete_all(scope=scope)


@app.command()
def stats(
    ctx: typer.Context,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Counts (memories, current, by kind, history rows) and where things live."""
    st = settings(ctx, json_output, home, config_file)
    with errors(st):
        result = run(st, lambda m: m.stats())
        if st.json:
            emit_json(result)
        else:
            out().print(_stats_table(result))
