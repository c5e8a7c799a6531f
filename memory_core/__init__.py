"""memory-core: long-term memory for AI agents, one engine for every framework.

>>> import tempfile
>>> from memory_core import Memory
>>> memory = Memory.from_config({"home": tempfile.mkdtemp()})
>>> _ = memory.add("Dana is vegetarian", user_id="dana")
>>> memory.search("what does Dana eat?", user_id="dana")["results"][0]["memory"]
'Dana is vegetarian'
>>> memory.close()
"""

from memory_core.config import EmbedderConfig, MemoryConfig, SearchConfig, VectorStoreConfig
from memory_core.memory import AsyncMemory
from memory_core.sync import Memory
from memory_core.types import (
    AddEvent,
    AddResult,
    HistoryEntry,
    ListResult,
    MemoryItem,
    MemoryRecord,
    Provenance,
    Scope,
    SearchResult,
)

__all__ = [
    "AddEvent",
    "AddResult",
    "AsyncMemory",
    "EmbedderConfig",
    "HistoryEntry",
    "ListResult",
    "Memory",
    "MemoryConfig",
    "MemoryItem",
    "MemoryRecord",
    "Provenance",
    "Scope",
    "SearchConfig",
    "SearchResult",
    "VectorStoreConfig",
]

__version__ = "0.1.0"
