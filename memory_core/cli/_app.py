"""The typer app, its global options, and the plumbing every command shares.

    >>> from typer.testing import CliRunner
    >>> CliRunner().invoke(app, ["--help"]).exit_code
    0

Each command opens one :class:`~memory_core.AsyncMemory` for its run (``asyncio.run``),
so the engine's async code is used as is. Expected errors (any
:class:`~memory_core.errors.MemoryCoreError`) become one red line on stderr — or
``{"error": {"type", "message"}}`` on stdout with ``--json`` — and exit code 2 for bad
input, 1 otherwise; never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, Protocol, TypeVar, cast

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.text import Text
from typer.core import TyperGroup

from memory_core import __version__
from memory_core.config import MemoryConfig
from memory_core.errors import InvalidInputError, MemoryCoreError, MissingScopeError
from memory_core.memory import AsyncMemory

T = TypeVar("T")

# typer >= 0.20 vendors its own click: its errors are not ``click``'s. Both are found through
# the public ``typer.BadParameter`` (a UsageError, itself a ClickException).
_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


class _ClickError(Protocol):
    exit_code: int

    def format_message(self) -> str: ...


class _Group(TyperGroup):
    """The app's command group, with two fixes to typer's defaults:

    * usage errors (a missing argument, an unknown option, a bad value) honour ``--json`` like
      every other error: ``{"error": {"type": "UsageError", "message"}}`` on stdout and exit
      code 2, instead of typer's framed text on stderr;
    * ``--help`` is shown as a flag (typer's rich help prints ``--help <bool>``), like the
      app's own switches (:func:`flag`).
    """

    def get_help_option(self, ctx: Any) -> Any:
        return _as_flag(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _as_flag(command.get_help_option(ctx))
        return command

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or "--json" not in argv:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except _CLICK_ERROR as exc:
            kind = "UsageError" if isinstance(exc, _USAGE_ERROR) else type(exc).__name__
            error = cast(_ClickError, exc)
            emit_json({"error": {"type": kind, "message": error.format_message()}})
            code = error.exit_code
        except typer.Abort:
            code = 1
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="memory-core",
    cls=_Group,
    help="Long-term memory for AI agents: add, search and manage memories offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _as_flag(option: Any) -> Any:
    if option is not None:
        option.metavar = ""  # the help option is built (and cached) by typer; shown bare
    return option


# --- options shared by every command (accepted before or after the command name) ---------


def flag(*names: str, help: str) -> Any:
    """A boolean switch, shown in ``--help`` as ``--json``, not ``--json <bool>`` (typer's rich
    help prints every option's type unless it has a metavar)."""
    return typer.Option(*names, help=help, metavar="")


JsonOpt = Annotated[
    bool, flag("--json", help="Print machine-readable JSON to stdout, nothing else.")
]
HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Memory home directory (else $MEMORY_CORE_HOME, else ~/.memory-core).",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="A JSON file holding a MemoryConfig dict (Mem0's provider/config shape works).",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]
UserOpt = Annotated[str | None, typer.Option("--user", "-u", help="User id.", show_default=False)]
AgentOpt = Annotated[
    str | None, typer.Option("--agent", "-a", help="Agent id.", show_default=False)
]
RunOpt = Annotated[str | None, typer.Option("--run", "-r", help="Run id.", show_default=False)]


@dataclass
class Settings:
    """What the global options asked for; a command's own options override them."""

    json: bool = False
    home: Path | None = None
    config_file: Path | None = None

    def merged(self, json_output: bool, home: Path | None, config_file: Path | None) -> Settings:
        return Settings(
            json=json_output or self.json,
            home=home or self.home,
            config_file=config_file or self.config_file,
        )

    def config(self) -> MemoryConfig:
        """``--config`` file, then ``--home`` on top; env vars fill what neither sets."""
        data: dict[str, Any] = {}
        if self.config_file is not None:
            data = _read_config_file(self.config_file)
        if self.home is not None:
            data["home"] = self.home
        try:
            return MemoryConfig(**data)
        except ValidationError as exc:
            where = f" in {self.config_file}" if self.config_file else ""
            raise InvalidInputError(f"Invalid configuration{where}: {exc}") from exc


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"memory-core {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    json_output: JsonOpt = False,
    home: HomeOpt = None,
    config_file: ConfigOpt = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            metavar="",
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Long-term memory for AI agents: add, search and manage memories offline.

    Try `memory-core demo`. Every command takes --json for machine-readable output.
    """
    ctx.obj = Settings(json=json_output, home=home, config_file=config_file)


def settings(
    ctx: typer.Context, json_output: bool, home: Path | None, config_file: Path | None
) -> Settings:
    """The effective settings of the running command (global options + its own)."""
    base = ctx.find_object(Settings) or Settings()
    return base.merged(json_output, home, config_file)


# --- the engine --------------------------------------------------------------------------


def make_engine(config: MemoryConfig) -> AsyncMemory:
    """Build the engine for one command. Tests replace this to share a loaded embedder."""
    return AsyncMemory(config)


def run(st: Settings, work: Callable[[AsyncMemory], Awaitable[T]]) -> T:
    """Open the engine, run ``work`` on it, close it; returns what ``work`` returned."""

    async def main() -> T:
        async with make_engine(st.config()) as engine:
            return await work(engine)

    return asyncio.run(main())


# --- output ------------------------------------------------------------------------------


def out() -> Console:
    """Rich console on stdout (created per call so test runners' capture is honoured)."""
    return Console(highlight=False)


def err() -> Console:
    return Console(stderr=True, highlight=False)


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (the only thing ``--json`` prints)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def note(st: Settings, message: str, style: str = "") -> None:
    """A human-readable remark on stderr (plain text, never markup); silent with ``--json``."""
    if not st.json:
        err().print(Text(message, style=style), soft_wrap=True)


@contextmanager
def errors(st: Settings) -> Iterator[None]:
    """Turn expected errors into a message and an exit code (2 bad input, 1 otherwise)."""
    try:
        yield
    except MemoryCoreError as exc:
        fail(st, exc, 2 if isinstance(exc, InvalidInputError) else 1)
    except OSError as exc:  # a file the user named cannot be read or written
        fail(st, exc, 1)
    except KeyboardInterrupt:
        err().print("[yellow]Interrupted.[/yellow]")
        raise typer.Exit(130) from None


def fail(st: Settings, exc: BaseException, code: int) -> NoReturn:
    message = str(exc) if not isinstance(exc, OSError) or not exc.filename else _os_message(exc)
    if st.json:
        emit_json({"error": {"type": type(exc).__name__, "message": message}})
    else:
        err().print(f"[bold red]Error:[/bold red] [red]{escape(message)}[/red]", soft_wrap=True)
    raise typer.Exit(code)


def _os_message(exc: OSError) -> str:
    return f"{exc.strerror or exc}: {exc.filename}"


# --- option parsing ----------------------------------------------------------------------


def json_object(value: str | None, option: str) -> dict[str, Any] | None:
    """Parse a ``--metadata`` / ``--filters`` value: a JSON object, or ``None`` if not given."""
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{option} is not valid JSON ({exc.msg}): {value!r}. "
            f"""Quote it for the shell, e.g. {option} '{{"topic": "food"}}'."""
        ) from exc
    if not isinstance(parsed, dict):
        raise InvalidInputError(
            f'{option} must be a JSON object such as \'{{"topic": "food"}}\', '
            f"got {type(parsed).__name__}."
        )
    return parsed


def require_scope(command: str, *ids: str | None) -> None:
    """Fail early, in the CLI's words, when no ``--user`` / ``--agent`` / ``--run`` is given."""
    if all(value is None for value in ids):
        error = MissingScopeError(command)
        error.args = (
            f"`memory-core {command}` needs at least one scope id: pass --user, --agent or "
            "--run (e.g. --user alice). Scopes keep one user's memories away from another's.",
        )
        raise error


def time_arg(value: str | None) -> str | float | None:
    """A time option: ISO-8601 (``2024-05-01``, ``2024-05-01T12:00Z``) or epoch seconds."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return value


def scope_text(ids: Mapping[str, Any]) -> str:
    """``user=alice agent=planner`` from a dict holding scope ids."""
    short = {"user_id": "user", "agent_id": "agent", "run_id": "run"}
    return " ".join(f"{short[k]}={ids[k]}" for k in short if ids.get(k))


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"--config {path} is not valid JSON ({exc.msg}, line {exc.lineno}). It must hold "
            'a MemoryConfig object, e.g. {"home": "/data/memories"}.'
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInputError(f"--config {path} must hold a JSON object (a MemoryConfig dict).")
    return data


def stdin_text() -> str:
    """All of stdin (for ``add -``)."""
    return sys.stdin.read()
