"""memory-core for LlamaIndex: a long-term memory block for LlamaIndex's ``Memory`` and a whole
``BaseMemory`` for chat engines and agents, both over the engine; and bridges that let the
engine use a LlamaIndex LLM and embedding model (and LlamaIndex the engine's embedder).

    >>> from memory_core_llamaindex import MemoryBlock, MemoryCoreMemory
    >>> MemoryBlock.model_fields["name"].default
    'long_term_memory'

Install with ``pip install "memory-core[llamaindex]"``.
"""

from memory_core_llamaindex.block import MemoryBlock
from memory_core_llamaindex.embeddings import EngineEmbedding, LlamaIndexEmbedder
from memory_core_llamaindex.llm import LlamaIndexLLM
from memory_core_llamaindex.memory import MemoryCoreMemory

__all__ = [
    "EngineEmbedding",
    "LlamaIndexEmbedder",
    "LlamaIndexLLM",
    "MemoryBlock",
    "MemoryCoreMemory",
]
