"""memory-core for LangChain: agent middleware, memory tools, a retriever, the classic memory
and chat history, and LangChain models as the engine's LLM and embedder.

    >>> from memory_core_langchain import EngineEmbeddings, LangChainEmbedder
    >>> from memory_core_langchain import MemoryMiddleware, MemoryRetriever, TOOL_CLASSES
    >>> sorted(tool.__name__ for tool in TOOL_CLASSES)[:2]
    ['AddMemoryTool', 'DeleteMemoryTool']

Install with ``pip install "memory-core[langchain]"``. The embedding bridges need only
``langchain-core`` (the LangGraph adapter imports them); the other names load on first use,
so ``langchain`` (middleware) and ``langchain-classic`` (classic memory) are needed only by
what uses them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from memory_core_langchain.embeddings import EngineEmbeddings, LangChainEmbedder

if TYPE_CHECKING:
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

_TOOLS = ("TOOL_CLASSES", "AddMemoryTool", "DeleteMemoryTool", "GetMemoryTool",
          "MemoryHistoryTool", "MemoryTool", "SearchMemoryTool", "UpdateMemoryTool",
          "memory_tools")  # fmt: skip
_LAZY = {
    "MemoryCoreMemory": "classic",
    "MemoryChatMessageHistory": "history",
    "ChatModelLLM": "llm",
    "MemoryMiddleware": "middleware",
    "MemoryRetriever": "retriever",
    **dict.fromkeys(_TOOLS, "tools"),
}

__all__ = [
    "TOOL_CLASSES",
    "AddMemoryTool",
    "ChatModelLLM",
    "DeleteMemoryTool",
    "EngineEmbeddings",
    "GetMemoryTool",
    "LangChainEmbedder",
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"memory_core_langchain.{module}"), name)
    globals()[name] = value  # resolved once
    return value
