"""Test peers that memory-core's own tests, benchmarks and users' tests can run against.

    >>> from memory_core.testing import ScriptedOpenAIServer
    >>> with ScriptedOpenAIServer() as server:
    ...     server.base_url.startswith("http://127.0.0.1:")
    True

:class:`ScriptedOpenAIServer` is an OpenAI-compatible HTTP server on 127.0.0.1: real local
embeddings, and chat completions answered by scripted :class:`Rule` s;
:func:`memory_manager` is the rule for the engine's memory manager, from a script of facts.
"""

from memory_core.testing.manager import memory_manager
from memory_core.testing.openai_server import (
    CHAT,
    DEFAULT,
    EMBEDDINGS,
    RecordedRequest,
    Reply,
    Rule,
    ScriptedOpenAIServer,
    always,
    body_contains,
    chat_completion,
)

__all__ = [
    "CHAT",
    "DEFAULT",
    "EMBEDDINGS",
    "RecordedRequest",
    "Reply",
    "Rule",
    "ScriptedOpenAIServer",
    "always",
    "body_contains",
    "chat_completion",
    "memory_manager",
]
