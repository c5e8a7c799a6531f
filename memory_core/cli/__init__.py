"""The ``memory-core`` command line: add, search and manage memories; import and export.

    >>> from typer.testing import CliRunner
    >>> from memory_core.cli import app
    >>> result = CliRunner().invoke(app, ["--help"])
    >>> result.exit_code, "search" in result.output
    (0, True)

Run it as ``memory-core …`` (the console script) or ``python -m memory_core.cli …``.
Global options (``--home``, ``--config``, ``--json``) go before or after the command name.
"""

# Commands are listed in --help in the order their modules register them.
from memory_core.cli import commands  # add, search, get, list, history, delete, stats

# isort: split
from memory_core.cli import bulk, demo, journal  # export, import; demo; journal
from memory_core.cli._app import app

__all__ = ["app", "bulk", "commands", "demo", "journal", "main"]


def main() -> None:
    """Entry point: run the app as ``memory-core``."""
    app(prog_name="memory-core")


if __name__ == "__main__":
    main()
