"""memory-core for CrewAI: a ``StorageBackend`` for CrewAI's ``Memory``, an engine-backed
``Memory`` and memory tools for agents.

    >>> from memory_core_crewai import EngineMemory, MemoryCoreStorage
    >>> from crewai.memory.storage.backend import StorageBackend
    >>> issubclass(MemoryCoreStorage, StorageBackend)
    True

Install with ``pip install "memory-core[crewai]"``.
"""

from memory_core_crewai.embedder import EngineEmbedder
from memory_core_crewai.llm import CrewAIChatModel
from memory_core_crewai.memory import EngineMemory
from memory_core_crewai.procedures import CrewProcedures
from memory_core_crewai.storage import MemoryCoreStorage
from memory_core_crewai.tools import SaveMemoryTool, SearchMemoryTool

__all__ = [
    "CrewAIChatModel",
    "CrewProcedures",
    "EngineEmbedder",
    "EngineMemory",
    "MemoryCoreStorage",
    "SaveMemoryTool",
    "SearchMemoryTool",
]
