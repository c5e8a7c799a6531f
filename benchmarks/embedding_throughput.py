"""Texts per second of the offline embedder: sorted + batched by 32 (what LocalEmbedder does)
against fastembed's default of unsorted batches of 256. Not a test; prints a table.

    uv run python benchmarks/embedding_throughput.py            # 2000 LOCOMO turns
    uv run python benchmarks/embedding_throughput.py --n 500 --threads 2

Texts are LOCOMO turns as memory-core embeds them ("Speaker: text"), read from
``../shared/data/locomo10.json`` (CC BY-NC 4.0, read only, never copied); without the file,
synthetic chat sentences of similar lengths. Each mode runs in its own process, so peak RSS
is that mode's own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOCOMO = Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo10.json"
MODES = {
    "LocalEmbedder (sorted, batch 32)": ("local", 32),
    "fastembed (unsorted, batch 32)": ("unsorted", 32),
    "fastembed (unsorted, batch 256)": ("unsorted", 256),
}


def load_texts(n: int, path: Path) -> list[str]:
    if path.is_file():
        texts: list[str] = []
        for sample in json.loads(path.read_text()):
            for key, turns in sample["conversation"].items():
                if key.startswith("session_") and isinstance(turns, list):
                    texts += [f"{turn['speaker']}: {turn['text']}" for turn in turns]
        return texts[:n]
    rng = random.Random(7)
    words = re.findall(r"\w+", "I went to the park with my sister and our dog, it was lovely")
    return [" ".join(rng.choices(words, k=rng.randint(4, 60))) for _ in range(n)]


def run_mode(mode: str, batch: int, texts: list[str], cache: Path, threads: int | None) -> dict:
    from memory_core.embeddings.local import (
        FASTEMBED_MODEL,
        LocalEmbedder,
        packaged_onnx,
        prepare_offline_model_dir,
    )

    started = time.perf_counter()
    if mode == "local":
        embedder = LocalEmbedder(cache_dir=cache, batch_size=batch, threads=threads)
        embedder.load()

        def embed(items: list[str]) -> None:
            embedder.embed_sync(items)

    else:
        from fastembed import TextEmbedding

        onnx = packaged_onnx()
        assert onnx is not None, 'install the offline extra: pip install "memory-core[offline]"'
        model_dir = str(prepare_offline_model_dir(cache, onnx_source=onnx))
        model = TextEmbedding(FASTEMBED_MODEL, specific_model_path=model_dir, threads=threads)

        def embed(items: list[str]) -> None:
            for _ in model.embed(items, batch_size=batch):
                pass

    load_s = time.perf_counter() - started
    embed(texts[:8])  # warm up onnxruntime's arenas
    started, cpu_started = time.perf_counter(), time.process_time()
    embed(texts)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    query_ms = []
    for text in texts[:50]:
        one = time.perf_counter()
        embed([text])
        query_ms.append((time.perf_counter() - one) * 1000)
    return {
        "texts_per_s": len(texts) / seconds,
        "texts_per_cpu_s": len(texts) / cpu_seconds,
        "seconds": seconds,
        "load_s": load_s,
        "query_ms": sorted(query_ms)[len(query_ms) // 2],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="number of texts")
    parser.add_argument("--data", type=Path, default=LOCOMO)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = load_texts(args.n, args.data)
    if args.worker:
        mode, batch = MODES[args.worker]
        print(json.dumps(run_mode(mode, batch, texts, args.cache, args.threads)))
        return
    source = "LOCOMO turns" if args.data.is_file() else "synthetic sentences"
    mean_chars = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} {source}, mean {mean_chars:.0f} chars, {os.cpu_count()} CPUs")
    print(f"load average {os.getloadavg()[0]:.1f} before the run; texts/CPU-s (CPU time of all")
    print("the process's threads) is the figure other processes on the machine distort least")
    with tempfile.TemporaryDirectory() as cache:
        rows = [(name, _spawn(name, args, Path(cache) / "model")) for name in MODES]
    header = (
        f"{'mode':34} {'texts/s':>8} {'texts/CPU-s':>11} {'total s':>8} {'load s':>7} "
        f"{'1 text ms':>9} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, r in rows:
        print(
            f"{name:34} {r['texts_per_s']:8.1f} {r['texts_per_cpu_s']:11.1f} "
            f"{r['seconds']:8.1f} {r['load_s']:7.2f} "
            f"{r['query_ms']:9.1f} {r['peak_rss_mb']:8.0f}"
        )


def _spawn(name: str, args: argparse.Namespace, cache: Path) -> dict:
    command = [sys.executable, __file__, "--worker", name, "--n", str(args.n)]
    command += ["--data", str(args.data), "--cache", str(cache)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
