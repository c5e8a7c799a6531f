"""Embedders behind one protocol (:class:`Embedder`).

* :class:`LocalEmbedder` — all-MiniLM-L6-v2 int8 ONNX through fastembed, offline; the default.
* :class:`OpenAIEmbedder` — any OpenAI-compatible ``/v1/embeddings`` endpoint.

:func:`create_embedder` builds the one an :class:`~memory_core.config.EmbedderConfig` names.
Backends are imported on first use: the ``openai`` package costs ~1.5 s to import and is only
needed when that embedder is configured.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from memory_core.embeddings.base import Embedder
from memory_core.embeddings.factory import create_embedder

if TYPE_CHECKING:
    from memory_core.embeddings.local import LocalEmbedder
    from memory_core.embeddings.openai import OpenAIEmbedder

_BACKENDS = {
    "LocalEmbedder": "memory_core.embeddings.local",
    "OpenAIEmbedder": "memory_core.embeddings.openai",
}


def __getattr__(name: str) -> Any:
    if name in _BACKENDS:
        return getattr(importlib.import_module(_BACKENDS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Embedder", "LocalEmbedder", "OpenAIEmbedder", "create_embedder"]
