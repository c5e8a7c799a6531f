"""Embedders behind one protocol (:class:`Embedder`).

* :class:`LocalEmbedder` — all-MiniLM-L6-v2 int8 ONNX through fastembed, offline; the default.
* :class:`OpenAIEmbedder` — any OpenAI-compatible ``/v1/embeddings`` endpoint.
"""

from memory_core.embeddings.base import Embedder
from memory_core.embeddings.local import LocalEmbedder
from memory_core.embeddings.openai import OpenAIEmbedder

__all__ = ["Embedder", "LocalEmbedder", "OpenAIEmbedder"]
