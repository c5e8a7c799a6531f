"""Build the configured embedder.

>>> import tempfile
>>> from pathlib import Path
>>> from memory_core.config import EmbedderConfig
>>> from memory_core.embeddings.factory import create_embedder
>>> embedder = create_embedder(EmbedderConfig(), Path(tempfile.mkdtemp()))
>>> type(embedder).__name__, embedder.dims
('LocalEmbedder', 384)
"""

from __future__ import annotations

from pathlib import Path

from memory_core.config import EmbedderConfig
from memory_core.embeddings.base import Embedder
from memory_core.embeddings.local import CACHE_SUBDIR, LocalEmbedder
from memory_core.errors import ConfigError

DEFAULT_OPENAI_MODEL = "text-embedding-3-small"


def create_embedder(config: EmbedderConfig, home: Path) -> Embedder:
    """The embedder ``config.provider`` names. Nothing is loaded or contacted yet.

    ``local`` keeps its model files under ``home/models/``. ``openai`` uses
    ``text-embedding-3-small`` unless ``config.model`` says otherwise.
    """
    if config.provider == "local":
        if config.model not in (None, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
            raise ConfigError(
                f"The local embedder runs all-MiniLM-L6-v2 only, not {config.model!r}. Unset "
                "embedder.model, or use provider 'openai' with a server that serves that model."
            )
        if config.dims not in (None, 384):
            raise ConfigError(
                f"The local embedder makes 384-d vectors, but embedder.dims is {config.dims}. "
                "Unset embedder.dims, or use provider 'openai' for another size."
            )
        return LocalEmbedder(
            model_dir=config.model_dir,
            cache_dir=home.expanduser() / CACHE_SUBDIR,
            batch_size=config.batch_size,
            threads=config.threads,
        )
    if config.provider == "openai":
        # The config default batch size (32) suits the local model; remote endpoints take
        # far larger batches, so only an explicit setting overrides OpenAIEmbedder's 256.
        batch_size = config.batch_size if "batch_size" in config.model_fields_set else 256
        from memory_core.embeddings.openai import OpenAIEmbedder  # its client loads only here

        return OpenAIEmbedder(
            model=config.model or DEFAULT_OPENAI_MODEL,
            base_url=config.base_url,
            api_key=config.api_key.get_secret_value() if config.api_key else None,
            dims=config.dims,
            batch_size=batch_size,
            timeout=config.timeout,
        )
    raise ConfigError(  # pragma: no cover - pydantic's Literal already rejects others
        f"Unknown embedder provider {config.provider!r}; use 'local' or 'openai'."
    )
