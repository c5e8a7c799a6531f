"""OpenAIEmbedder: the real ``openai`` client → the scripted server → real local vectors."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

from memory_core.embeddings import Embedder, LocalEmbedder, OpenAIEmbedder
from memory_core.embeddings.local import CACHE_SUBDIR
from memory_core.errors import ConfigError, EmbeddingError
from memory_core.testing import (
    DEFAULT,
    EMBEDDINGS,
    Reply,
    ScriptedOpenAIServer,
    always,
)

FAST_RETRY = {"retry-after-ms": "5"}  # the client honours it instead of its backoff


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> LocalEmbedder:
    embedder = LocalEmbedder(cache_dir=tmp_path_factory.mktemp("home") / CACHE_SUBDIR)
    embedder.load()
    return embedder


@pytest.fixture(scope="module")
def shared_server(local: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=local) as server:
        yield server


@pytest.fixture
def server(shared_server: ScriptedOpenAIServer) -> ScriptedOpenAIServer:
    shared_server.clear()
    return shared_server


@pytest.fixture
async def client(server: ScriptedOpenAIServer) -> AsyncIterator[OpenAIEmbedder]:
    embedder = OpenAIEmbedder(model="all-minilm", base_url=server.base_url, api_key="sk-test")
    yield embedder
    await embedder.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def batch_sizes(server: ScriptedOpenAIServer) -> list[int]:
    return [len(body["input"]) for body in server.bodies(EMBEDDINGS)]


# --- the happy path ----------------------------------------------------------------------------


async def test_vectors_equal_the_local_embedders(
    client: OpenAIEmbedder, local: LocalEmbedder
) -> None:
    texts = ["Alice likes tea", "Bob moved to Berlin in 2021", "x " * 50]
    assert await client.embed_documents(texts) == local.embed_sync(texts)
    # On Python 3.11 isinstance() with a runtime Protocol reads .dims, so only once it is known.
    assert isinstance(client, Embedder)
    assert await client.embed_query("Alice likes tea") == local.embed_sync(["Alice likes tea"])[0]
    assert client.model_name == "all-minilm"


async def test_dims_come_from_the_first_response(
    client: OpenAIEmbedder, server: ScriptedOpenAIServer
) -> None:
    with pytest.raises(EmbeddingError, match=r"ensure_dims\(\)"):
        _ = client.dims
    assert await client.ensure_dims() == 384
    assert client.dims == 384
    assert await client.ensure_dims() == 384
    assert len(server.bodies(EMBEDDINGS)) == 1  # one probe, then known


async def test_configured_dims_are_sent_as_dimensions(server: ScriptedOpenAIServer) -> None:
    embedder = OpenAIEmbedder(model="m", base_url=server.base_url, api_key="k", dims=384)
    assert embedder.dims == 384  # known without a call
    await embedder.embed_documents(["a"])
    assert server.bodies(EMBEDDINGS)[0]["dimensions"] == 384
    await embedder.close()


async def test_dims_the_model_cannot_make_are_a_helpful_error(
    server: ScriptedOpenAIServer,
) -> None:
    embedder = OpenAIEmbedder(model="m", base_url=server.base_url, api_key="k", dims=128)
    with pytest.raises(
        EmbeddingError, match=r"HTTP 400.*384-d.*Check embedder.model, embedder.dims"
    ):
        await embedder.embed_documents(["a"])
    await embedder.close()


async def test_batches_split_requests_and_keep_order(
    server: ScriptedOpenAIServer, local: LocalEmbedder
) -> None:
    embedder = OpenAIEmbedder(model="m", base_url=server.base_url, api_key="k", batch_size=4)
    texts = [f"text number {i} {'padding ' * (i % 3)}" for i in range(10)]
    assert await embedder.embed_documents(texts) == local.embed_sync(texts)
    assert batch_sizes(server) == [4, 4, 2]
    assert [t for body in server.bodies(EMBEDDINGS) for t in body["input"]] == texts
    await embedder.close()


async def test_nothing_to_embed_sends_nothing(
    client: OpenAIEmbedder, server: ScriptedOpenAIServer
) -> None:
    assert await client.embed_documents([]) == []
    assert server.requests == []


async def test_the_key_is_sent_and_a_local_server_needs_none(
    server: ScriptedOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    embedder = OpenAIEmbedder(model="m", base_url=server.base_url)
    await embedder.embed_documents(["a"])
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"
    await embedder.close()


def test_no_key_and_no_base_url_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIEmbedder(model="text-embedding-3-small")
    with pytest.raises(ConfigError, match="model name"):
        OpenAIEmbedder(model="", api_key="k")


# --- failures become EmbeddingError that say what to check ---------------------------------------


async def test_closed_port_says_check_the_url() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    embedder = OpenAIEmbedder(model="m", base_url=url, api_key="k", max_retries=0)
    with pytest.raises(
        EmbeddingError, match=r"Cannot connect to .*127\.0\.0\.1.*embedder.base_url"
    ):
        await embedder.embed_documents(["a"])
    await embedder.close()


async def test_wrong_path_says_check_model_and_v1(server: ScriptedOpenAIServer) -> None:
    base = server.base_url.removesuffix("/v1")  # forgot the /v1
    embedder = OpenAIEmbedder(model="m", base_url=base, api_key="k", max_retries=0)
    with pytest.raises(EmbeddingError, match=r"404.*/v1"):
        await embedder.embed_documents(["a"])
    await embedder.close()


async def test_bad_key_401(local: LocalEmbedder) -> None:
    with ScriptedOpenAIServer(embedder=local, api_key="right") as guarded:
        wrong = OpenAIEmbedder(model="m", base_url=guarded.base_url, api_key="wrong")
        with pytest.raises(
            EmbeddingError, match=r"refused the API key \(HTTP 401.*embedder.api_key"
        ):
            await wrong.embed_documents(["a"])
        right = OpenAIEmbedder(model="m", base_url=guarded.base_url, api_key="right")
        assert len((await right.embed_documents(["a"]))[0]) == 384
        assert len(guarded.requests) == 2  # 401 is not retried
        await wrong.close()
        await right.close()


async def test_500s_are_retried_then_reported(server: ScriptedOpenAIServer) -> None:
    server.script(Reply.error(500, "boom", headers=FAST_RETRY), path=EMBEDDINGS)
    embedder = OpenAIEmbedder(model="m", base_url=server.base_url, api_key="k", max_retries=2)
    with pytest.raises(EmbeddingError, match=r"HTTP 500 after 2 retries \(boom\)"):
        await embedder.embed_documents(["a"])
    assert len(server.bodies(EMBEDDINGS)) == 3
    await embedder.close()


async def test_429_then_success(server: ScriptedOpenAIServer, local: LocalEmbedder) -> None:
    server.script(Reply.error(429, headers=FAST_RETRY), DEFAULT, path=EMBEDDINGS)
    embedder = OpenAIEmbedder(model="m", base_url=server.base_url, api_key="k", max_retries=2)
    assert await embedder.embed_documents(["a"]) == local.embed_sync(["a"])
    assert len(server.bodies(EMBEDDINGS)) == 2
    await embedder.close()


async def test_endless_429_says_lower_the_batch(server: ScriptedOpenAIServer) -> None:
    server.script(Reply.error(429, headers=FAST_RETRY), path=EMBEDDINGS)
    embedder = OpenAIEmbedder(model="m", base_url=server.base_url, api_key="k", max_retries=1)
    with pytest.raises(EmbeddingError, match=r"rate-limiting after 1 retries.*batch_size"):
        await embedder.embed_documents(["a"])
    await embedder.close()


async def test_timeout(server: ScriptedOpenAIServer) -> None:
    server.script(Reply(delay=3), path=EMBEDDINGS)
    embedder = OpenAIEmbedder(
        model="m", base_url=server.base_url, api_key="k", timeout=0.2, max_retries=0
    )
    with pytest.raises(EmbeddingError, match=r"timed out.*embedder\.timeout"):
        await embedder.embed_documents(["a"])
    await embedder.close()


async def test_a_dropped_connection_is_retried(
    server: ScriptedOpenAIServer, local: LocalEmbedder
) -> None:
    server.script(Reply(drop=True), DEFAULT, path=EMBEDDINGS)
    embedder = OpenAIEmbedder(model="m", base_url=server.base_url, api_key="k", max_retries=1)
    assert await embedder.embed_documents(["a"]) == local.embed_sync(["a"])
    await embedder.close()


async def test_a_vector_of_another_length_later_is_an_error(
    client: OpenAIEmbedder, server: ScriptedOpenAIServer
) -> None:
    await client.ensure_dims()

    def short_vectors(body: dict[str, Any]) -> dict[str, Any]:
        data = [{"object": "embedding", "index": 0, "embedding": [0.6, 0.8, 0.0]}]
        return {"object": "list", "data": data, "model": body["model"], "usage": {}}

    server.script(Reply(short_vectors), when=always, path=EMBEDDINGS)
    with pytest.raises(EmbeddingError, match=r"returned a 3-d vector.*expected 384"):
        await client.embed_documents(["a"])


async def test_vectors_that_are_not_unit_length_are_scaled(
    client: OpenAIEmbedder, server: ScriptedOpenAIServer
) -> None:
    data = [
        {"object": "embedding", "index": 1, "embedding": [0.6, 0.8]},
        {"object": "embedding", "index": 0, "embedding": [3.0, 4.0]},
    ]
    server.script(Reply({"object": "list", "data": data, "model": "m"}), path=EMBEDDINGS)
    assert await client.embed_documents(["a", "b"]) == [[0.6, 0.8], [0.6, 0.8]]


async def test_fewer_vectors_than_inputs_is_an_error(
    client: OpenAIEmbedder, server: ScriptedOpenAIServer
) -> None:
    data = [{"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}]
    server.script(Reply({"object": "list", "data": data, "model": "m"}), path=EMBEDDINGS)
    with pytest.raises(EmbeddingError, match="1 vectors for 2 inputs"):
        await client.embed_documents(["a", "b"])


def test_constructing_needs_no_server(tmp_path: Path) -> None:
    # Nothing is contacted until the first embedding: building an engine offline must work.
    embedder = OpenAIEmbedder(
        model="m", base_url=f"http://127.0.0.1:{closed_port()}/v1", api_key="k"
    )
    assert embedder.base_url.endswith("/v1/")
