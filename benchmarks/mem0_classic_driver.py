"""Mem0 classic (1.0.11) side of the LLM-cost benchmark. Runs INSIDE
``benchmarks/.venv-mem0-classic`` (never our env).

    benchmarks/.venv-mem0-classic/bin/python benchmarks/mem0_classic_driver.py \\
        --job job.json --out result.json

``python -m benchmarks.llm_cost`` writes the job (the scripted server's URL and the LOCOMO
sessions as message lists), starts this script once, and reads the result. Before each
``add`` the driver POSTs ``{"sample_id", "session_no"}`` to ``<base_url>/x-bench/add`` on the
scripted server: that marks where one add's requests begin in the server's log and tells the
server's rules which session the next requests are about. Everything else the server sees is
what Mem0 itself sends.

Mem0 is built as its docs show for an OpenAI-compatible endpoint, every path in a temporary
home: LLM ``openai`` (``gpt-4o-mini``) and embedder ``openai`` (all-MiniLM-L6-v2 vectors from
the same server) at the scripted server's URL, vector store ``qdrant`` in local mode, SQLite
history. Then ``Memory.add(messages, user_id=sample_id)`` (``infer=True``, Mem0's default) per
session. Telemetry is off (``MEM0_TELEMETRY=False``, set by the launcher before this process
starts) and an audit hook (``mem0_driver._guard_network``) refuses any connection that is not
to 127.0.0.1 / ::1.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from typing import Any

from mem0_driver import (  # same directory; standard library only
    BLOCKED,
    log,
    mem0_config,
    read_job,
    write_result,
)


def build_memory(job: dict[str, Any]) -> Any:
    from mem0 import Memory

    home = job["home"]
    os.makedirs(home, exist_ok=True)
    config = mem0_config(
        home,
        dims=job["dims"],
        embed_model=job["embed_model"],
        base_url=job["base_url"],
        llm_model=job["llm_model"],
    )
    memory = Memory.from_config(config)
    store = memory.vector_store
    if not getattr(store, "is_local", False):
        raise RuntimeError("Mem0 is not in Qdrant local mode")
    return memory


def mark(base_url: str, sample_id: str, session_no: int) -> None:
    """Tell the scripted server that the next requests belong to this session's add."""
    data = json.dumps({"sample_id": sample_id, "session_no": session_no}).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/x-bench/add",
        data=data,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def run(job: dict[str, Any]) -> dict[str, Any]:
    memory = build_memory(job)
    adds: list[dict[str, Any]] = []
    for k, session in enumerate(job["sessions"]):
        mark(job["base_url"], session["sample_id"], session["session_no"])
        start = time.perf_counter()
        result = memory.add(session["messages"], user_id=session["sample_id"])
        seconds = time.perf_counter() - start
        events: dict[str, int] = {}
        for item in result.get("results", []):
            events[item.get("event", "?")] = events.get(item.get("event", "?"), 0) + 1
        adds.append(
            {
                "sample_id": session["sample_id"],
                "session_no": session["session_no"],
                "seconds": round(seconds, 4),
                "events": events,
            }
        )
        if k % 10 == 9:
            log(f"classic: {k + 1}/{len(job['sessions'])} adds")
    stored = memory.vector_store.client.count(memory.vector_store.collection_name).count
    memory.close()
    return {"adds": adds, "stored_memories": stored}


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("mem0ai", "openai", "qdrant-client")}


def main() -> int:
    job, out = read_job(__doc__.splitlines()[0])
    result = run(job)
    result.update(
        system="mem0-classic",
        versions=versions(),
        blocked_network=BLOCKED,
        telemetry_env=os.environ.get("MEM0_TELEMETRY"),
    )
    return write_result(result, out)


if __name__ == "__main__":
    sys.exit(main())
