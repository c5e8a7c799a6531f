"""Crash consistency: a writer killed with SIGKILL at random moments, over and over.

After reopening: every add that returned is present and searchable, the journal has no
unfinished entries, and no vector exists without its history row.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.ids import memory_id, using
from memory_core.types import Scope

KILLS = 50
LANES = 2
WRITER = Path(__file__).with_name("crash_writer.py")


def _run_and_kill(home: Path, tag: str, rng: random.Random) -> list[int]:
    """Start a writer, kill it at a random moment, return the acknowledged indexes."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(home), tag],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    acked: list[int] = []
    moment = rng.random()
    if moment < 0.15:  # during start-up: imports, opening stores, journal replay
        time.sleep(rng.uniform(0.0, 1.5))
    else:
        assert proc.stdout.readline().strip() == "READY"
        for _ in range(rng.randint(0, 6)):
            acked.append(int(proc.stdout.readline().split()[1]))
        time.sleep(rng.uniform(0.0, 0.03))  # land inside the next write
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    acked += [int(line.split()[1]) for line in rest.splitlines() if line.startswith("ACK")]
    return acked


def _lane(home: Path, lane: int, kills: int, seed: int) -> dict[str, list[int]]:
    rng = random.Random(seed * 1000 + lane)
    return {f"l{lane}t{run}": _run_and_kill(home, f"l{lane}t{run}", rng) for run in range(kills)}


def _check_home(
    home: Path, embedder: LocalEmbedder, acked: dict[str, list[int]], seed: int
) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        assert memory.stats()["journal_pending"] == 0
        scope = Scope(user_id="crash")
        for tag, indexes in acked.items():
            for i in indexes:
                text = f"crash fact {tag} {i}"
                with using(memory.engine.id_scheme):  # the home's ids, keyed by its secret
                    rec_id = memory_id(scope, "message", text, role="user")
                assert memory.get(rec_id)["memory"] == text, f"seed={seed}: lost {text!r}"
                hits = memory.search(text, user_id="crash", filters={"tag": tag}, limit=20)
                assert rec_id in {h["id"] for h in hits["results"]}, f"seed={seed}: {text!r}"
        for record in memory.export_records():
            assert memory.history(record.id), f"seed={seed}: vector without history {record.id}"


def test_sigkill_never_loses_an_acknowledged_add(tmp_path: Path, embedder: LocalEmbedder) -> None:
    """Two homes, killed in turn by two lanes at once (the machine has two cores): 50 kills."""
    seed = int(os.environ.get("CRASH_SEED", "20261123"))
    homes = [tmp_path / f"home{lane}" for lane in range(LANES)]
    with ThreadPoolExecutor(max_workers=LANES) as pool:
        lanes = list(pool.map(
            lambda lane: _lane(homes[lane], lane, KILLS // LANES, seed), range(LANES)))  # fmt: skip
    assert sum(len(acked) for lane in lanes for acked in lane.values()) > KILLS  # mid-stream
    for home, acked in zip(homes, lanes, strict=True):
        _check_home(home, embedder, acked, seed)
