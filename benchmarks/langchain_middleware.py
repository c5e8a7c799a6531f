"""Issue 12's benchmark: what ``MemoryMiddleware`` adds to one ``create_agent`` turn.

    uv run --locked python -m benchmarks.run --suite langchain_middleware
    uv run --locked python -m benchmarks.run --suite langchain_middleware --lc-size 2000

Workload: ``size`` memories of one user (the latency suite's generator, ``benchmarks/data.py``,
all in one scope), loaded verbatim into a fresh engine home with the local embedder. The same
agent (``create_agent`` over a scripted chat model that answers at once, so the model costs
nothing) runs ``turns`` turns, each in a new thread, with a question about the memories:
without middleware; with ``MemoryMiddleware(capture=False)`` (recall only: one hybrid search
over the scope and rendering before the model call); with ``MemoryMiddleware`` (recall, and
after the agent the hand-off to the background ``FormationQueue``, whose work then overlaps the
following turns); with ``inline=True`` (the turn waits until its messages are stored).
The overhead is the difference of the per-turn medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from typing import Any

from benchmarks import data
from benchmarks.common import WORK_DIR, git_revision, load_average, log, machine
from benchmarks.report import markdown_table

USER = data.user_id(0)
LOAD_BATCH = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("langchain_middleware (issue 12)")
    group.add_argument("--lc-size", type=int, default=None, help="memories in the scope (10000)")
    group.add_argument("--lc-turns", type=int, default=None, help="measured turns per variant")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from memory_core import Memory, MemoryConfig

    size = args.lc_size or (2_000 if args.quick else 10_000)
    turns = args.lc_turns or (30 if args.quick else 100)
    plan = {"size": size, "turns": turns, "warmup": 5, "limit": 5}
    report: dict[str, Any] = {
        "suite": "issue12_langchain_middleware", "command": args.command_line,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(),
        "load_average_start": load_average(), "revision": git_revision(), "plan": plan,
    }  # fmt: skip
    mems = data.memories(size, users=1)
    questions = [q.text for q in data.queries(mems, plan["warmup"] + turns, size=size)]
    home = WORK_DIR / f"lc-middleware-{size}"
    shutil.rmtree(home, ignore_errors=True)
    try:
        with Memory(MemoryConfig(home=home)) as memory:
            started = time.perf_counter()
            for at in range(0, size, LOAD_BATCH):
                batch = [{"role": "user", "content": m.text} for m in mems[at : at + LOAD_BATCH]]
                memory.add(batch, user_id=USER, infer=False)
            report["load_s"] = round(time.perf_counter() - started, 1)
            report["results"] = _measure_all(memory, questions, plan)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    report["load_average_end"] = load_average()
    log(f"langchain_middleware @ {size}: {report['results']}")
    return report


def _measure_all(memory: Any, questions: list[str], plan: dict[str, Any]) -> dict[str, Any]:
    from memory_core_langchain import MemoryMiddleware

    results = {"no middleware": _turns(memory, questions, plan, None, "base")}
    recall_only = MemoryMiddleware(memory, limit=plan["limit"], capture=False)
    results["MemoryMiddleware(capture=False)"] = _turns(memory, questions, plan, recall_only, "r")
    background = MemoryMiddleware(memory, limit=plan["limit"])
    results["MemoryMiddleware"] = _turns(memory, questions, plan, background, "bg")
    started = time.perf_counter()
    background.flush()
    results["MemoryMiddleware"]["flush_s"] = round(time.perf_counter() - started, 2)
    background.close()
    inline = MemoryMiddleware(memory, limit=plan["limit"], inline=True)
    results["MemoryMiddleware(inline=True)"] = _turns(memory, questions, plan, inline, "in")
    inline.close()
    base = results["no middleware"]["p50_ms"]
    for name in [name for name in results if name != "no middleware"]:
        results[name]["overhead_p50_ms"] = round(results[name]["p50_ms"] - base, 2)
    return results


def _turns(
    memory: Any, questions: list[str], plan: dict[str, Any], middleware: Any, tag: str
) -> dict[str, Any]:
    from langchain.agents import create_agent
    from langchain_core.messages import AIMessage, HumanMessage
    from memory_core_langchain.testing import ScriptedChatModel

    model = ScriptedChatModel(script=[AIMessage("Noted.")] * len(questions))
    agent = create_agent(model, middleware=[middleware] if middleware else [])
    timings = []
    for n, question in enumerate(questions):
        config = {"configurable": {"user_id": USER, "thread_id": f"{tag}-{n}"}}
        t0 = time.perf_counter()
        agent.invoke({"messages": [HumanMessage(question)]}, config)
        if n >= plan["warmup"]:
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    measured = model.prompts[plan["warmup"] :]
    recalled = sum(1 for prompt in measured if prompt[0].type == "system")
    return {
        "turns": len(timings), "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "mean_ms": round(statistics.fmean(timings), 2), "turns_with_recall": recalled,
    }  # fmt: skip


def render(report: dict[str, Any]) -> str:
    head = ["agent", "turns", "p50 ms", "p95 ms", "mean ms", "overhead p50 ms", "recalled"]
    rows = []
    for name, r in report["results"].items():
        overhead = f"{r['overhead_p50_ms']:.2f}" if "overhead_p50_ms" in r else "–"
        rows.append([name, str(r["turns"]), f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}",
                     f"{r['mean_ms']:.2f}", overhead, str(r["turns_with_recall"])])  # fmt: skip
    report["tables"] = [("create_agent turn, with and without MemoryMiddleware", head, rows)]
    plan = report["plan"]
    flush = report["results"]["MemoryMiddleware"].get("flush_s")
    return "\n".join([
        "# MemoryMiddleware overhead per agent turn (issue 12)", "",
        f"`{report['command']}` — {report['date']}, revision `{report['revision']}`, "
        f"load average at start {report['load_average_start']}, at end "
        f"{report['load_average_end']}.", "",
        f"{plan['size']:,} memories in the user's scope (loaded in {report['load_s']} s); "
        f"{plan['turns']} measured turns per agent, each in a new thread, after "
        f"{plan['warmup']} warm-up turns; recall limit {plan['limit']}. The scripted model "
        "answers at once, so the turn time is the agent graph plus the middleware. See "
        "`benchmarks/langchain_middleware.py`.", "",
        markdown_table(head, rows), "",
        f"The background hand-off returns at once; the queued turns were formed {flush} s after "
        "the last one (`flush()`). `recalled`: turns whose prompt received memories. The "
        "machine was shared when this was measured: figures are indicative.", "",
    ])  # fmt: skip
