"""memory-core for LangChain.

    >>> from memory_core_langchain import EngineEmbeddings, LangChainEmbedder

Install with ``pip install "memory-core[langchain]"``.
"""

from memory_core_langchain.embeddings import EngineEmbeddings, LangChainEmbedder

__all__ = ["EngineEmbeddings", "LangChainEmbedder"]
