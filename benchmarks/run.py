"""One command for the benchmarks: ``python -m benchmarks.run`` (``make bench``).

    uv run --locked python -m benchmarks.run              # full: 10k and 100k, with Mem0
    uv run --locked python -m benchmarks.run --quick      # smoke run: 2k, few queries
    uv run --locked python -m benchmarks.run --sizes 10000 --no-mem0
    uv run --locked python -m benchmarks.run --scale      # the 1M point (suite scale) only

Each suite writes ``benchmarks/results/<stem>.md`` and ``.json`` and prints its tables; every
run then rewrites ``results/REPORT.md`` and the plots from all the results present. Suites:
``latency`` (search latency, add throughput, RSS, cold start; memory-core and Mem0),
``locomo`` (LOCOMO retrieval recall, memory-core's variants beside Mem0), ``graph`` (graph
write and graph-boosted search at 10k relations, SQLite and FalkorDB over Bolt),
``langgraph_store`` (LangGraph ``store.search``, MemoryStore beside InMemoryStore),
``reliability`` (open/close RSS, journal size, erasure compaction), ``locomo_llm``
(inferred LOCOMO ingestion; skipped without an LLM endpoint), and ``scale`` (1M, only when
asked for). Benchmarks are never run by the tests.
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
from rich.markdown import Markdown

from benchmarks import (
    graph,
    langgraph_store,
    latency,
    locomo,
    locomo_llm,
    locomo_report,
    reliability,
    report,
    scale,
)
from benchmarks.common import RESULTS_DIR, load_average

#: name -> (add_arguments, run, render, results file stem)
SUITES: dict[str, tuple[Callable[..., None], Callable[..., Any], Callable[..., str], str]] = {
    "latency": (latency.add_arguments, latency.run, latency.render, "issue2_latency"),
    "locomo": (locomo.add_arguments, locomo.run, locomo.render, "issue6_locomo"),
    "locomo_llm": (
        locomo_llm.add_arguments,
        locomo_llm.run,
        locomo_llm.render,
        "issue6_locomo_llm",
    ),
    "graph": (graph.add_arguments, graph.run, graph.render, "issue4_graph"),
    "langgraph_store": (
        langgraph_store.add_arguments,
        langgraph_store.run,
        langgraph_store.render,
        "issue5_langgraph_store",
    ),
    "scale": (scale.add_arguments, scale.run, scale.render, "issue6_scale"),
    "reliability": (
        reliability.add_arguments,
        reliability.run,
        reliability.render,
        "issue11_reliability",
    ),
}
#: suites that run only when asked for (``--scale``, or by name): too long for ``make bench``
ON_REQUEST = {"scale"}
#: terminal tables per suite; the others print their markdown
PRINTERS: dict[str, Callable[..., None]] = {
    "latency": report.print_tables,
    "locomo": locomo_report.print_tables,
    "graph": report.print_tables,
    "langgraph_store": report.print_tables,
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
    parser.add_argument(
        "--scale", action="store_true", help="run the 1M point (suite scale) instead of the rest"
    )
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


def selected(args: argparse.Namespace) -> list[str]:
    if args.suite:
        return list(args.suite)
    if args.scale:
        return sorted(ON_REQUEST)
    return [name for name in SUITES if name not in ON_REQUEST]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    started, load, names = time.perf_counter(), load_average(), selected(args)
    for name in names:
        _, run, render, stem = SUITES[name]
        console.rule(f"[bold]{name}")
        if args.rerender:
            result = json.loads((RESULTS_DIR / f"{stem}.json").read_text(encoding="utf-8"))
        else:
            result = run(args)
        markdown = render(result)  # may add derived fields (verdicts) to result
        md, js = report.write(stem, result, markdown)
        if name in PRINTERS:
            PRINTERS[name](result, console)
        else:
            console.print(Markdown(markdown))
        console.print(f"wrote {md.relative_to(md.parents[2])} and {js.name}")
    seconds = time.perf_counter() - started
    summary = report.write_report(
        {"command": args.command_line, "seconds": seconds, "load_start": load, "suites": names}
    )
    console.print(f"wrote {summary.relative_to(summary.parents[2])}")
    console.print(f"done in {seconds / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
