"""Children and counts of a path through the store's index (``records.facets``) against what a
scan does (read every record below the path and group in Python: ``list_namespaces`` before the
kit). Not a test; prints a table.

    uv run python -m benchmarks.path_facets                 # 100k records, embedded store
    uv run python -m benchmarks.path_facets --size 20000 --repeats 5

Records are keyed records written without an engine vector (``RecordWrite(embed=False)``), so
loading needs no embedding model time; each sits at a path ``(org, team, user)`` of a tree of
10 x 10 x 10 labels, with one of 20 tags. Timings are medians of ``--repeats`` calls on a warm
engine, in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from memory_core import AsyncMemory, MemoryConfig, Scope
from memory_core.adapters import RecordWrite, and_, keyed_record, paths

OWNER = Scope(user_id="bench")
BATCH = 1000


def path_of(n: int) -> tuple[str, str, str]:
    return (f"org{n % 10}", f"team{n // 10 % 10}", f"user{n // 100 % 10}")


async def load(engine: AsyncMemory, size: int) -> float:
    started = time.perf_counter()
    for first in range(0, size, BATCH):
        writes = []
        for n in range(first, min(size, first + BATCH)):
            rid = str(uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{n}"))
            record = keyed_record(rid, f"record {n} about topic {n % 97}", {"n": n}, scope=OWNER,
                                  path=path_of(n), tags=(f"tag{n % 20}",))  # fmt: skip
            writes.append(RecordWrite(record, record.text, embed=False))
        await engine.records.put(writes)
    return time.perf_counter() - started


async def scan_children(engine: AsyncMemory, parent: tuple[str, ...]) -> dict[str, int]:
    """The old way (``list_namespaces`` read up to a million records in one scan): every
    record below ``parent``, grouped by its next label."""
    where = and_(OWNER.filter(), paths.under(parent))
    records = await engine.records.scan(where, limit=1_000_000)
    return dict(Counter(r.path[len(parent)] for r in records if len(r.path) > len(parent)))


async def facet_children(engine: AsyncMemory, parent: tuple[str, ...]) -> dict[str, int]:
    counts = await engine.records.facets("path", and_(OWNER.filter(), paths.under(parent)))
    return paths.child_counts(counts, parent)


async def median_ms(call: Callable[[], Awaitable[Any]], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


async def main(size: int, repeats: int, home: Path) -> None:
    async with AsyncMemory(MemoryConfig(home=home)) as engine:
        seconds = await load(engine, size)
        print(f"loaded {size} records in {seconds:.1f} s ({size / seconds:.0f}/s, embed=False)")
        root, org = (), ("org3",)
        assert await facet_children(engine, org) == await scan_children(engine, org)
        rows = [
            ("children of the root (scan)", lambda: scan_children(engine, root)),
            ("children of the root (facet)", lambda: facet_children(engine, root)),
            ("children of org3 (scan)", lambda: scan_children(engine, org)),
            ("children of org3 (facet)", lambda: facet_children(engine, org)),
            ("count under org3", lambda: engine.records.count(paths.under(org))),
            ("tag counts (facet)", lambda: engine.records.facets("tags", OWNER.filter())),
        ]
        print(f"{'query':32} {'median ms':>10}")
        for name, call in rows:
            print(f"{name:32} {await median_ms(call, repeats):>10}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mc-facets-", dir="/dev/shm") as tmp:
        asyncio.run(main(args.size, args.repeats, Path(tmp) / "home"))
