"""The adapter kit: the one engine surface framework adapters stand on.

    >>> import tempfile
    >>> from memory_core.adapters import EngineHandle, render_memories, to_messages
    >>> handle = EngineHandle.of({"home": tempfile.mkdtemp()})
    >>> turn = to_messages([{"type": "ai", "content": "Noted: no peanuts."}])
    >>> handle.run(handle.engine.add(turn, user_id="bob"))["results"][0]["role"]
    'assistant'
    >>> found = handle.run(handle.engine.search("peanuts", user_id="bob"))["results"]
    >>> print(render_memories(found, show_dates=False))
    Relevant memories, most relevant first:
    - Noted: no peanuts.
    >>> handle.close()

An integration package (``integrations/memory_core_*``) imports from the engine only this
module, the public top level (``memory_core``: ``Memory``, ``AsyncMemory``, ``MemoryConfig``,
the result types), ``memory_core.errors`` and ``memory_core.types``; a lint contract holds it
to that. No framework is imported here: adapters translate their framework's objects into these
calls and back, and hold no memory logic of their own.

* :class:`EngineHandle` — one engine, one home loop, from sync and async callers.
* :func:`to_messages`, :func:`message_id`, :class:`ChatMessage` — the one message normaliser.
* :func:`render_memories` — memories as prompt context, with a token budget.
* :class:`FormationQueue` — memory formation off the hot path, recorded in the engine.
"""

from memory_core.adapters.formation import FormationQueue
from memory_core.adapters.handle import EngineHandle
from memory_core.adapters.render import render_memories
from memory_core.filters import And, Cond, FilterNode, IsEmpty, Not, Or, and_, parse_filter
from memory_core.pipeline.messages import ROLES, ChatMessage, ToolCall, message_id, to_messages
from memory_core.types import Scope

__all__ = [
    "ROLES",
    "And",
    "ChatMessage",
    "Cond",
    "EngineHandle",
    "FilterNode",
    "FormationQueue",
    "IsEmpty",
    "Not",
    "Or",
    "Scope",
    "ToolCall",
    "and_",
    "message_id",
    "parse_filter",
    "render_memories",
    "to_messages",
]
