"""Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint, through ``AsyncOpenAI``.

    >>> import asyncio
    >>> from memory_core.embeddings.openai import OpenAIEmbedder
    >>> from memory_core.embeddings.local import LocalEmbedder
    >>> from memory_core.testing import ScriptedOpenAIServer
    >>> async def demo(base_url):
    ...     embedder = OpenAIEmbedder(model="all-minilm", base_url=base_url, api_key="k")
    ...     [vector] = await embedder.embed_documents(["Alice likes tea"])
    ...     await embedder.close()
    ...     return embedder.dims, len(vector)
    >>> with ScriptedOpenAIServer(embedder=LocalEmbedder()) as server:
    ...     asyncio.run(demo(server.base_url))
    (384, 384)

**How ``dims`` is known.** Pass ``dims=`` and it is known at once (and sent as ``dimensions``,
which OpenAI's ``text-embedding-3-*`` models honour). Without it, the first response sets it:
``await embedder.ensure_dims()`` embeds one probe text if nothing was embedded yet, and the
``dims`` property raises :class:`~memory_core.errors.EmbeddingError` until then. Every later
response is checked against it, so an endpoint that changes model under us fails loudly.

Retries (429, 5xx, timeouts, dropped connections) are the ``openai`` client's own, with
exponential backoff, ``max_retries`` times. OpenAI's vectors are unit length and are returned
exactly as sent; a compatible server that sends other lengths (some Ollama and llama.cpp
models do) has its vectors scaled to unit length, as the :class:`Embedder` protocol promises.

The ``AsyncOpenAI`` client's connection pool belongs to the event loop that first uses it:
use one embedder from one loop (the engine's), and ``await close()`` on that loop.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np
import openai
from openai import AsyncOpenAI

from memory_core.embeddings._validate import check_texts
from memory_core.errors import ConfigError, EmbeddingError
from memory_core.openai_errors import error_detail, error_status

logger = logging.getLogger("memory_core")

#: Sent when a custom ``base_url`` is given without any key: local servers (Ollama, vLLM,
#: llama.cpp, the scripted test server) ignore it, and a real OpenAI endpoint answers 401,
#: which becomes an error that says to set the key.
PLACEHOLDER_KEY = "not-needed"
_PROBE_TEXT = "dimension probe"


class OpenAIEmbedder:
    """Batched embeddings over HTTP. One client per embedder; call :meth:`close` when done."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        dims: int | None = None,
        batch_size: int = 256,
        timeout: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        if not model:
            raise ConfigError(
                "The openai embedder needs a model name: set embedder.model, e.g. "
                "'text-embedding-3-small' (or the name your server serves)."
            )
        if dims is not None and dims <= 0:
            raise ConfigError(f"embedder.dims must be positive, got {dims}; or leave it unset.")
        if batch_size <= 0:
            raise ConfigError(f"embedder.batch_size must be positive, got {batch_size}.")
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if base_url is None and not os.environ.get("OPENAI_BASE_URL"):
                raise ConfigError(
                    "The openai embedder has no API key: set embedder.api_key or the "
                    "OPENAI_API_KEY environment variable (or embedder.base_url for a local "
                    "server that needs no key)."
                )
            key = PLACEHOLDER_KEY
        self._model = model
        self._requested_dims = dims
        self._dims = dims
        self.batch_size = batch_size
        self._client = AsyncOpenAI(
            api_key=key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        self.base_url = str(self._client.base_url)
        self._max_retries = max_retries
        self._closed = False

    # --- protocol --------------------------------------------------------------------------

    @property
    def dims(self) -> int:
        if self._dims is None:
            raise EmbeddingError(
                f"The vector length of {self._model!r} is not known yet: pass dims= to "
                "OpenAIEmbedder, or call `await embedder.ensure_dims()` (one small request) "
                "before reading .dims."
            )
        return self._dims

    @property
    def model_name(self) -> str:
        return self._model

    async def ensure_dims(self) -> int:
        """The vector length, asking the endpoint once (one probe text) if it is not known."""
        if self._dims is None:
            await self._embed_batch([_PROBE_TEXT])
        return self.dims

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        texts = check_texts(texts)
        vectors: list[list[float]] = []
        # Sequential batches: the order of results is trivially the caller's, and a rate
        # limited endpoint is not hit with a burst the client would then have to retry.
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(await self._embed_batch(texts[start : start + self.batch_size]))
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        [vector] = await self.embed_documents([text])
        return vector

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._client.close()

    # --- one request ------------------------------------------------------------------------

    async def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        try:
            if self._requested_dims is not None:
                response = await self._client.embeddings.create(
                    model=self._model, input=batch, dimensions=self._requested_dims
                )
            else:
                response = await self._client.embeddings.create(model=self._model, input=batch)
        except openai.OpenAIError as exc:
            raise EmbeddingError(self._explain(exc)) from exc
        except ValueError as exc:  # the client's parser: e.g. "No embedding data received"
            raise EmbeddingError(self._bad_response(str(exc))) from exc
        items = sorted(response.data, key=lambda item: item.index)
        if len(items) != len(batch):
            raise EmbeddingError(
                self._bad_response(f"{len(items)} vectors for {len(batch)} inputs")
            )
        vectors = [list(item.embedding) for item in items]
        self._check_dims(vectors)
        return _unit_length(vectors)

    def _check_dims(self, vectors: list[list[float]]) -> None:
        for vector in vectors:
            if self._dims is None:
                self._dims = len(vector)
                logger.info("embedder %s makes %d-d vectors", self._model, self._dims)
            if len(vector) != self._dims:
                raise EmbeddingError(
                    f"{self.base_url} returned a {len(vector)}-d vector for model "
                    f"{self._model!r}, expected {self._dims}. Check embedder.dims and that "
                    "the server serves the model the collection was built with."
                )

    def _bad_response(self, what: str) -> str:
        return (
            f"{self.base_url} answered /embeddings for model {self._model!r} with {what}. "
            "Check that base_url points at an OpenAI-compatible API (usually ending in /v1)."
        )

    def _explain(self, exc: openai.OpenAIError) -> str:
        """A message that says what to check, by kind of failure."""
        where = f"{self.base_url} (model {self._model!r})"
        detail, status = error_detail(exc), error_status(exc)
        if isinstance(exc, openai.APITimeoutError):
            return (
                f"Embedding request to {where} timed out after {self._max_retries} retries. "
                "Check that the server is up and not overloaded; raise embedder.timeout or "
                "lower embedder.batch_size."
            )
        if isinstance(exc, openai.APIConnectionError):
            return (
                f"Cannot connect to {where}: {detail}. Check embedder.base_url (host, port, "
                "and the /v1 suffix) and that the server is running."
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return (
                f"{where} refused the API key ({status}: {detail}). Check embedder.api_key "
                "or OPENAI_API_KEY."
            )
        if isinstance(exc, openai.NotFoundError):
            return (
                f"{where} answered 404 ({detail}). Check embedder.model (the server must serve "
                "it) and embedder.base_url (usually ends in /v1)."
            )
        if isinstance(exc, openai.RateLimitError):
            return (
                f"{where} kept rate-limiting after {self._max_retries} retries ({detail}). "
                "Lower embedder.batch_size, slow down, or check your quota."
            )
        if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
            return (
                f"{where} rejected the request ({status}: {detail}). Check embedder.model, "
                "embedder.dims (not every model accepts `dimensions`) and that no text is "
                "empty or over the model's input limit."
            )
        if isinstance(exc, openai.APIStatusError):
            return (
                f"{where} failed with {status} after {self._max_retries} retries "
                f"({detail}). Check the server's logs; try again later."
            )
        return f"Embedding request to {where} failed: {detail}."


def _unit_length(vectors: list[list[float]]) -> list[list[float]]:
    """Scale vectors that are not unit length; leave the rest bit for bit as they came."""
    norms = np.linalg.norm(np.asarray(vectors, dtype=np.float64), axis=1)
    for i in np.flatnonzero((np.abs(norms - 1.0) > 1e-3) & (norms > 0.0)):
        vectors[i] = [x / float(norms[i]) for x in vectors[i]]
    return vectors
