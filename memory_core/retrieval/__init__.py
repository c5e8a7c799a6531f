"""What ``search()`` does: dense + BM25 candidate lists from the vector store, fused.

* :mod:`~memory_core.retrieval.bm25` — sparse vectors from Qdrant's own BM25.
* :mod:`~memory_core.retrieval.fusion` — the named fusion methods.
* :mod:`~memory_core.retrieval.search` — the whole read path, filters and time included.
"""
