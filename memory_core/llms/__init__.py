"""LLMs behind one protocol (:class:`LLM`): chat messages in, a validated object or text out.

    >>> from memory_core.config import LLMConfig
    >>> from memory_core.llms import create_llm
    >>> llm = create_llm(LLMConfig(model="qwen2.5:7b", base_url="http://localhost:11434/v1"))
    >>> llm.model_name, llm.base_url
    ('qwen2.5:7b', 'http://localhost:11434/v1/')

* :class:`OpenAILLM` — any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI, Ollama,
  vLLM, llama.cpp's server); see :mod:`memory_core.llms.openai` for each one's configuration.

Importing this package does not import the ``openai`` package (about 1.5 s): ``OpenAILLM``
and :func:`create_llm` load it on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memory_core.llms.base import LLM, ChatMessage, LLMReply, Usage
from memory_core.llms.factory import create_llm

if TYPE_CHECKING:
    from memory_core.llms.openai import OpenAILLM

__all__ = ["LLM", "ChatMessage", "LLMReply", "OpenAILLM", "Usage", "create_llm"]


def __getattr__(name: str) -> Any:
    if name == "OpenAILLM":
        from memory_core.llms.openai import OpenAILLM

        return OpenAILLM
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
