"""The embedder conformance suite (memory_core.testing.conformance.embedder) over every
embedder the project ships and every bridge: the local model, the OpenAI client against the
scripted server (scripted like OpenAI's endpoint: an empty or over-long input is a 400), and
the LangChain bridges both ways. EngineEmbeddings also runs LangChain's own standard
embeddings tests, and is used from inside running event loops."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from memory_core_langchain import EngineEmbeddings, LangChainEmbedder

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import Embedder, LocalEmbedder, OpenAIEmbedder
from memory_core.errors import EmbeddingError
from memory_core.testing import EMBEDDINGS, Reply, Rule, ScriptedOpenAIServer
from memory_core.testing.conformance.embedder import (
    CHECKS,
    Capability,
    ConformanceError,
    run_embedder_conformance,
)

#: OpenAI's text-embedding-3 input limit, in characters here (the scripted server has no
#: tokenizer of OpenAI's; 4 characters a token is OpenAI's own rule of thumb).
OPENAI_MAX_CHARS = 8191 * 4
LOCAL_LIKE = frozenset(
    {Capability.TRUNCATES_LONG_INPUT, Capability.EMBEDS_EMPTY_TEXT, Capability.SYMMETRIC}
)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def local(model_dir: Path) -> LocalEmbedder:
    """The server's and the bridges' model (never closed by a check)."""
    embedder = LocalEmbedder(cache_dir=model_dir)
    embedder.load()
    return embedder


def _refuses_like_openai(body: dict[str, Any]) -> bool:
    texts = body.get("input")
    texts = [texts] if isinstance(texts, str) else list(texts or [])
    return any(not t or len(t) > OPENAI_MAX_CHARS for t in texts if isinstance(t, str))


@pytest.fixture(scope="module")
def openai_server(local: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=local) as server:
        message = "This model's maximum context length is 8192 tokens; '' is not valid input."
        server.add_rule(Rule(_refuses_like_openai, Reply.error(400, message), path=EMBEDDINGS))
        yield server


Factory = Callable[[], Embedder]


@pytest.fixture(params=["local", "openai", "langchain-fake", "langchain-engine"])
def subject(
    request: pytest.FixtureRequest, model_dir: Path, local: LocalEmbedder
) -> tuple[Factory, Collection[Capability]]:
    """(a factory of fresh embedders, their declared capabilities)."""
    name = request.param
    if name == "local":
        return (lambda: LocalEmbedder(cache_dir=model_dir)), LOCAL_LIKE
    if name == "openai":
        server = request.getfixturevalue("openai_server")
        return (
            lambda: OpenAIEmbedder(model="all-minilm", base_url=server.base_url, api_key="k"),
            {Capability.SYMMETRIC},
        )
    if name == "langchain-fake":  # a LangChain model that does not normalise (norm ~4)
        return (lambda: LangChainEmbedder(DeterministicFakeEmbedding(size=16))), LOCAL_LIKE
    return (lambda: LangChainEmbedder(EngineEmbeddings(local), dims=local.dims)), LOCAL_LIKE


@pytest.mark.parametrize("check", list(CHECKS))
async def test_embedder_conformance(
    check: str, subject: tuple[Factory, Collection[Capability]]
) -> None:
    factory, capabilities = subject
    await CHECKS[check](factory, capabilities)


async def test_a_wrong_declaration_fails_the_suite(local: LocalEmbedder, model_dir: Path) -> None:
    """The suite can fail: the local model truncates, so declaring it refuses is caught."""
    report = await run_embedder_conformance(
        lambda: LocalEmbedder(cache_dir=model_dir), {Capability.EMBEDS_EMPTY_TEXT}
    )
    assert set(report.failed) == {"long_input"}
    with pytest.raises(ConformanceError):
        await CHECKS["unit_length"](lambda: _NotUnit(), ())


class _NotUnit:
    """What LangChainEmbedder was before it normalised: vectors of norm 2."""

    dims = 2
    model_name = "not-unit"

    async def ensure_dims(self) -> int:
        return 2

    async def embed_documents(self, texts: Any) -> list[list[float]]:
        return [[2.0, 0.0] for _ in texts]

    async def embed_query(self, text: str) -> list[float]:
        return [2.0, 0.0]

    async def close(self) -> None:
        return None


def test_langchain_embedder_rejects_a_zero_vector() -> None:
    class Zero(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[0.0, 0.0] for _ in texts]

        def embed_query(self, text: str) -> list[float]:
            return [0.0, 0.0]

    with pytest.raises(EmbeddingError, match="zero"):
        asyncio.run(LangChainEmbedder(Zero(), dims=2).embed_query("x"))


# --- EngineEmbeddings: inside running loops, and LangChain's own standard tests --------------


async def test_engine_embeddings_sync_calls_work_inside_a_running_loop(
    local: LocalEmbedder, openai_server: ScriptedOpenAIServer
) -> None:
    """Sync methods called from a coroutine (as InMemoryStore.put does) no longer hit
    ``asyncio.run() cannot be called from a running event loop``; a loop-bound OpenAI
    embedder is used from one loop whichever loop calls."""
    embedder = OpenAIEmbedder(model="all-minilm", base_url=openai_server.base_url, api_key="k")
    bridge = EngineEmbeddings(embedder)
    try:
        assert len(bridge.embed_query("tea")) == local.dims
        assert len(await bridge.aembed_query("tea")) == local.dims
        in_thread: list[int] = []
        thread = threading.Thread(
            target=lambda: in_thread.append(len(asyncio.run(bridge.aembed_query("tea"))))
        )
        thread.start()
        thread.join()
        assert in_thread == [local.dims]
    finally:
        bridge.close()


async def test_engine_embeddings_over_a_memory_use_its_embedder(
    fast_tmp: Path, local: LocalEmbedder
) -> None:
    with Memory(MemoryConfig(home=fast_tmp / "home"), embedder=local) as memory:
        bridge = EngineEmbeddings(memory)
        [document] = bridge.embed_documents(["Alice likes tea"])
        assert document == (await bridge.aembed_documents(["Alice likes tea"]))[0]
        assert document == local.embed_sync(["Alice likes tea"])[0]


class TestEngineEmbeddingsStandard(EmbeddingsIntegrationTests):
    """LangChain's own standard tests for an ``Embeddings``, over the engine's model."""

    @property
    def embeddings_class(self) -> type[Embeddings]:
        return EngineEmbeddings

    @pytest.fixture
    def model(self, local: LocalEmbedder) -> Embeddings:  # type: ignore[override]
        return EngineEmbeddings(local)
