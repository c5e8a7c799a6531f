"""One command for the benchmarks: ``python -m benchmarks.run`` (``make bench``).

    uv run --locked python -m benchmarks.run              # full: 10k and 100k, with Mem0
    uv run --locked python -m benchmarks.run --quick      # smoke run: 2k, few queries
    uv run --locked python -m benchmarks.run --sizes 10000 --no-mem0
    uv run --locked python -m benchmarks.run --scale      # adds the 1M point (memory-core)

Each suite writes ``benchmarks/results/<suite>.md`` and ``.json`` and prints rich tables.
Suites: ``latency`` (issue 2: search latency, add throughput, RSS; memory-core and Mem0),
``graph`` (issue 4: graph write and graph-boosted search at 10k relations, SQLite and
FalkorDB over Bolt), ``langgraph_store`` (issue 5: LangGraph store.search, MemoryStore vs
InMemoryStore).
Benchmarks are never run by the tests.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console

from benchmarks import graph, langgraph_store, latency, report
from benchmarks.common import RESULTS_DIR

#: name -> (add_arguments, run, render, results file stem)
SUITES: dict[str, tuple[Callable[..., None], Callable[..., Any], Callable[..., str], str]] = {
    "latency": (latency.add_arguments, latency.run, latency.render, "issue2_latency"),
    "graph": (graph.add_arguments, graph.run, graph.render, "issue4_graph"),
    "langgraph_store": (
        langgraph_store.add_arguments,
        langgraph_store.run,
        langgraph_store.render,
        "issue5_langgraph_store",
    ),
}


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description="memory-core benchmarks, side by side."
    )
    parser.add_argument(
        "--suite",
        action="append",
        choices=sorted(SUITES),
        help="run only this suite (repeatable; default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--scale", action="store_true", help="add the large sizes (1M)")
    parser.add_argument(
        "--rerender",
        action="store_true",
        help="measure nothing: rewrite each suite's markdown from its results JSON",
    )
    for add_arguments, *_ in SUITES.values():
        add_arguments(parser)
    args = parser.parse_args(argv)
    shown = list(sys.argv[1:] if argv is None else argv)
    args.command_line = shlex.join(["python", "-m", "benchmarks.run", *shown])
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    started = time.perf_counter()
    for name in args.suite or list(SUITES):
        _, run, render, stem = SUITES[name]
        console.rule(f"[bold]{name}")
        if args.rerender:
            result = json.loads((RESULTS_DIR / f"{stem}.json").read_text(encoding="utf-8"))
        else:
            result = run(args)
        markdown = render(result)  # may add derived fields (verdicts) to result
        md, js = report.write(stem, result, markdown)
        report.print_tables(result, console)
        console.print(f"wrote {md.relative_to(md.parents[2])} and {js.name}")
    console.print(f"done in {(time.perf_counter() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
