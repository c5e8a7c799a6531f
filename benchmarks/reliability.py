"""Reliability costs (issue 11): open/close RSS, journal size, erasure compaction.

    uv run --locked python -m benchmarks.run --suite reliability
    uv run --locked python -m benchmarks.run --suite reliability --reliability-cycles 200 \
        --reliability-adds 2000 --reliability-home-size 20000          # quicker

Three measurements, each on a fresh home under ``benchmarks/.work`` (tmpfs when there is one
would hide the fsyncs a real disk pays, so the work dir is used as it is):

* **open/close RSS**: ``Memory(home)``, one ``add``, ``close()``, repeated; RSS sampled along
  the way. The slope (KiB per cycle, after a warm-up) is the leak; before issue 11 every cycle
  loaded its own embedding model (~160 KiB per cycle, the issue's probe).
* **journal size**: ``--reliability-adds`` verbatim adds then ``delete_all``: rows in the
  journal and the history file's size, before and after (before issue 11 the journal kept
  every entry, text and all: 7 MB after 500 adds).
* **erasure compaction**: a home of ``--reliability-home-size`` memories (imported with
  precomputed random vectors), one ``delete``, then ``close()``, which rebuilds the shard from
  its live points so no erased byte stays on disk; beside it, ``close()`` of the same home
  without an erasure.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import WORK_DIR, git_revision, load_average, log, machine, proc_status_mb
from memory_core import Memory, MemoryConfig
from memory_core.embeddings.local import CACHE_SUBDIR, LocalEmbedder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reliability suite")
    group.add_argument("--reliability-cycles", type=int, default=1_000)
    group.add_argument("--reliability-adds", type=int, default=10_000)
    group.add_argument("--reliability-home-size", type=int, default=100_000)


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    cycles = 100 if quick else args.reliability_cycles
    adds = 1_000 if quick else args.reliability_adds
    size = 5_000 if quick else args.reliability_home_size
    started = time.perf_counter()
    report: dict[str, Any] = {
        "suite": "reliability",
        "command": args.command_line,
        "revision": git_revision(),
        "machine": machine(),
        "load_average_start": load_average(),
    }
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK_DIR, prefix="reliability-") as work:
        base = Path(work)
        models = WORK_DIR / CACHE_SUBDIR  # one model copy for every home of this suite
        embedder_dir = {"embedder": {"model_dir": _model_dir(models)}}
        report["open_close"] = open_close(base / "cycles", cycles, embedder_dir)
        report["journal"] = journal_size(base / "journal", adds, embedder_dir)
        report["compaction"] = compaction(base / "compaction", size, embedder_dir)
    report["seconds"] = time.perf_counter() - started
    return report


def _model_dir(cache: Path) -> Path:
    LocalEmbedder(cache_dir=cache).load()  # assembles the model files once
    return cache


def open_close(home: Path, cycles: int, extra: dict[str, Any]) -> dict[str, Any]:
    samples: list[tuple[int, float]] = []
    marks = {1, 10, 50, 100, cycles} | set(range(0, cycles + 1, max(cycles // 10, 1)))
    for cycle in range(1, cycles + 1):
        memory = Memory(MemoryConfig(home=home, **extra))
        memory.add(f"cycle {cycle % 7}", user_id="u", infer=False)
        memory.close()
        if cycle in marks:
            samples.append((cycle, proc_status_mb()["rss_mb"]))
            log(f"open/close {cycle}/{cycles}: rss {samples[-1][1]} MiB")
    warm = [s for s in samples if s[0] >= min(100, cycles // 2)]
    slope = (warm[-1][1] - warm[0][1]) * 1024 / max(warm[-1][0] - warm[0][0], 1)
    return {"cycles": cycles, "rss_mb": samples, "kib_per_cycle": round(slope, 2)}


def journal_size(home: Path, adds: int, extra: dict[str, Any]) -> dict[str, Any]:
    history = home / "history.sqlite3"
    with Memory(MemoryConfig(home=home, **extra)) as memory:
        for i in range(adds):
            memory.add(f"memory number {i} about topic {i % 97}", user_id="u", infer=False)
        before = _journal(history)
        started = time.perf_counter()
        memory.delete_all(user_id="u")
        delete_seconds = time.perf_counter() - started
    after = _journal(history)
    log(f"journal: {before} -> {after}")
    return {"adds": adds, "before": before, "after_close": after, "delete_all_s": delete_seconds}


def _journal(history: Path) -> dict[str, float]:
    with sqlite3.connect(history) as db:
        rows = db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(ops)), 0) FROM journal")
        count, text = rows.fetchone()
    files = sum(p.stat().st_size for p in history.parent.glob("history.sqlite3*"))
    return {
        "journal_rows": count,
        "journal_text_mb": text / 2**20,
        "history_files_mb": files / 2**20,
    }


def compaction(home: Path, size: int, extra: dict[str, Any]) -> dict[str, Any]:
    rng = np.random.default_rng(11)
    with Memory(MemoryConfig(home=home, **extra)) as memory:
        stamp = time.time()
        for start in range(0, size, 2_000):
            vectors = rng.standard_normal((min(2_000, size - start), 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            memory.import_records(
                {"id": str(uuid.uuid4()), "text": f"imported memory {start + i}", "hash": "",
                 "user_id": f"user{(start + i) % 100}", "kind": "message",
                 "created_at": stamp, "updated_at": stamp, "vector": vector.tolist()}
                for i, vector in enumerate(vectors)
            )  # fmt: skip
            log(f"compaction home: {start + len(vectors)}/{size}")
    plain = _timed_close(home, extra, erase=False)
    erased = _timed_close(home, extra, erase=True)
    shard = home / "vectors" / "memories"
    disk = sum(p.stat().st_size for p in shard.rglob("*") if p.is_file()) / 2**20
    shutil.rmtree(home)
    return {"memories": size, "close_s": plain, "close_after_delete_s": erased, "shard_mb": disk}


def _timed_close(home: Path, extra: dict[str, Any], *, erase: bool) -> float:
    memory = Memory(MemoryConfig(home=home, **extra))
    if erase:
        [victim] = memory.get_all(user_id="user7", limit=1)["results"]
        memory.delete(victim["id"])
    started = time.perf_counter()
    memory.close()
    return time.perf_counter() - started


def render(report: dict[str, Any]) -> str:
    from benchmarks.report import markdown_table

    oc, jn, cp = report["open_close"], report["journal"], report["compaction"]
    rss = ", ".join(f"{c}: {mb:.1f}" for c, mb in oc["rss_mb"])
    parts = [
        "# Reliability: open/close memory, journal size, erasure compaction",
        "",
        f"Command: `{report['command']}` · revision {report['revision']} · "
        f"{report['machine']['cores']} cores · load average at start "
        f"{', '.join(f'{x:.2f}' for x in report['load_average_start'])} · "
        f"{report['seconds']:.0f} s",
        "",
        "## Open/close cycles",
        "",
        f"{oc['cycles']} cycles of `Memory(home)` + one add + `close()`: "
        f"**{oc['kib_per_cycle']} KiB per cycle** after warm-up (issue 11 measured ~160 KiB "
        f"before). RSS (MiB) by cycle: {rss}.",
        "",
        "## Journal after adds and delete_all",
        "",
        markdown_table(
            ("", "journal rows", "journal text (MiB)", "history files (MiB)"),
            [
                (f"after {jn['adds']} adds", *_journal_row(jn["before"])),
                ("after delete_all + close", *_journal_row(jn["after_close"])),
            ],
        ),
        "",
        f"delete_all took {jn['delete_all_s']:.2f} s.",
        "",
        "## Erasure compaction",
        "",
        markdown_table(
            ("memories", "close() (s)", "close() after a delete (s)", "shard on disk (MiB)"),
            [_compaction_row(cp)],
        ),
        "",
        "A session that erased anything rebuilds the embedded shard from its live points on "
        "close (memory_core/stores/vector/edge_compaction.py): the price of leaving no byte of "
        "an erased memory on disk, paid once per session, not per delete.",
    ]
    return "\n".join(parts) + "\n"


def _journal_row(values: dict[str, float]) -> tuple[str, str, str]:
    return (
        f"{values['journal_rows']:,}",
        f"{values['journal_text_mb']:.2f}",
        f"{values['history_files_mb']:.2f}",
    )


def _compaction_row(values: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        f"{values['memories']:,}",
        f"{values['close_s']:.2f}",
        f"{values['close_after_delete_s']:.2f}",
        f"{values['shard_mb']:.0f}",
    )
