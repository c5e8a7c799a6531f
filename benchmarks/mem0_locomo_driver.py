"""Mem0 on LOCOMO. Runs INSIDE ``benchmarks/.venv-mem0`` (never our env).

    benchmarks/.venv-mem0/bin/python benchmarks/mem0_locomo_driver.py --job job.json --out out.json

Mem0's default pipeline as shipped (``Memory.from_config``: Qdrant local mode, SQLite history,
its own hybrid search with default ``threshold``), built by ``mem0_driver.build_memory`` with
the ``openai`` embedder pointed at the local server that serves memory-core's LocalEmbedder
vectors. Each turn is one ``add([message], infer=False)`` (Mem0 keeps metadata per call, not
per message): the speaker as the message ``name`` (Mem0 stores it as ``actor_id``), the
conversation's sample_id as ``user_id``, the dia_id and session date in ``metadata``.
Questions are searched with ``filters={"user_id": sample_id}``. The same audit hook as
``mem0_driver`` refuses any socket that is not loopback.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from mem0_driver import BLOCKED, build_memory, read_job, summary, versions, write_result


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] mem0-locomo: {message}", file=sys.stderr, flush=True)


def read_jsonl(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def ingest(memory: Any, turns: list[dict[str, Any]]) -> dict[str, Any]:
    """One public ``add`` per turn. qdrant-client's local mode fsyncs its SQLite file once
    per point; for the ingest only that file runs with ``synchronous=OFF`` (same rows, no
    fsync, as in ``mem0_driver.bulk_load``), restored before searching."""
    store = memory.vector_store
    sqlite = store.client._client.collections[store.collection_name].storage.storage
    sync_mode = sqlite.execute("PRAGMA synchronous").fetchone()[0]
    sqlite.execute("PRAGMA synchronous=OFF")
    start = time.perf_counter()
    for k, turn in enumerate(turns):
        message = {"role": "user", "content": turn["text"]}
        if turn["speaker"]:  # facts told by the user themselves have none
            message["name"] = turn["speaker"]
        meta = {"dia_id": turn["dia_id"], "session_date": turn["date"]}
        memory.add([message], user_id=turn["sample_id"], infer=False, metadata=meta)
        if k % 1000 == 999:
            log(f"added {k + 1}/{len(turns)}")
    sqlite.execute(f"PRAGMA synchronous={int(sync_mode)}")
    return {"seconds": round(time.perf_counter() - start, 2), "stored": len(turns)}


def ask(memory: Any, questions: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    retrieved: list[list[list[str]]] = []
    texts: list[list[str]] = []
    seconds: list[float] = []
    for q in questions:
        start = time.perf_counter()
        result = memory.search(q["question"], top_k=limit, filters={"user_id": q["sample_id"]})
        seconds.append(time.perf_counter() - start)
        items = result["results"]
        retrieved.append([[str((i.get("metadata") or {}).get("dia_id"))] for i in items])
        texts.append([i["memory"] for i in items])
    return {"retrieved": retrieved, "texts": texts, "latency": summary(seconds)}


def main() -> int:
    job, out = read_job(__doc__.splitlines()[0])
    memory = build_memory(job)
    ingested = ingest(memory, read_jsonl(job["turns"]))
    log(f"ingested {ingested}")
    result = ask(memory, read_jsonl(job["questions"]), job["limit"])
    log(f"searched: p50 {result['latency']['p50_ms']} ms")
    memory.close()
    result.update(ingest=ingested, versions=versions(), blocked_network=BLOCKED)
    return write_result(result, out)


if __name__ == "__main__":
    sys.exit(main())
