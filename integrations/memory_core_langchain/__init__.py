"""memory-core for LangChain: agent middleware, memory tools, a retriever, the classic memory
and chat history, and LangChain models as the engine's LLM and embedder.

    >>> from memory_core_langchain import MemoryMiddleware, memory_tools, MemoryRetriever
    >>> sorted(tool.__name__ for tool in TOOL_CLASSES)[:2]
    ['AddMemoryTool', 'DeleteMemoryTool']

Install with ``pip install "memory-core[langchain]"``.
"""

from memory_core_langchain.classic import MemoryCoreMemory
from memory_core_langchain.history import MemoryChatMessageHistory
from memory_core_langchain.llm import ChatModelLLM
from memory_core_langchain.middleware import MemoryMiddleware
from memory_core_langchain.retriever import MemoryRetriever
from memory_core_langchain.tools import (
    TOOL_CLASSES,
    AddMemoryTool,
    DeleteMemoryTool,
    GetMemoryTool,
    MemoryHistoryTool,
    MemoryTool,
    SearchMemoryTool,
    UpdateMemoryTool,
    memory_tools,
)

__all__ = [
    "TOOL_CLASSES",
    "AddMemoryTool",
    "ChatModelLLM",
    "DeleteMemoryTool",
    "GetMemoryTool",
    "MemoryChatMessageHistory",
    "MemoryCoreMemory",
    "MemoryHistoryTool",
    "MemoryMiddleware",
    "MemoryRetriever",
    "MemoryTool",
    "SearchMemoryTool",
    "UpdateMemoryTool",
    "memory_tools",
]
