"""BM25 sparse vectors from Qdrant's own model (``qdrant_edge.Bm25``).

    >>> encoder = Bm25Encoder()
    >>> doc = encoder.document("Alice moved to Paris")
    >>> len(doc.indices) == len(doc.values) > 0
    True

Documents carry term-frequency weights (``k``, ``b``, ``avg_len``); the collection's IDF
modifier supplies inverse document frequency at query time, so scores stay right as the
corpus grows. The same encoder feeds the embedded and the server collections, so both rank
alike. Tokenizer, stemmer and stopwords are Qdrant's (English by default).
"""

from __future__ import annotations

from qdrant_edge import Bm25, Bm25Config

from memory_core.stores.vector.base import SparseVec


class Bm25Encoder:
    def __init__(self, *, avg_len: float | None = None, language: str = "english") -> None:
        self._model = Bm25(Bm25Config(avg_len=avg_len, language=language))

    def document(self, text: str) -> SparseVec:
        vector = self._model.embed_document(text)
        return SparseVec(tuple(vector.indices), tuple(vector.values))

    def query(self, text: str) -> SparseVec:
        vector = self._model.embed_query(text)
        return SparseVec(tuple(vector.indices), tuple(vector.values))
