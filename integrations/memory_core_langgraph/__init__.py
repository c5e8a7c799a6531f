"""memory-core for LangGraph: a checkpoint-aware ``BaseStore`` over the engine, and a
checkpointer wrapper that turns finished runs into memories.

    >>> from memory_core_langgraph import MemoryStore, MemoryCheckpointer, NamespaceMap
    >>> NamespaceMap().scope_of(("memories", "alice")).user_id
    'alice'

Install with ``pip install "memory-core[langgraph]"``.
"""

from memory_core_langchain import EngineEmbeddings, LangChainEmbedder

from memory_core_langgraph.checkpointer import MemoryCheckpointer
from memory_core_langgraph.namespaces import DEFAULT_TEMPLATES, NamespaceMap
from memory_core_langgraph.store import MemoryStore

__all__ = [
    "DEFAULT_TEMPLATES",
    "EngineEmbeddings",
    "LangChainEmbedder",
    "MemoryCheckpointer",
    "MemoryStore",
    "NamespaceMap",
]
