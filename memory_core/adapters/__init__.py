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
* keyed records (``engine.records``): :class:`RecordWrite`, :func:`keyed_record`,
  :class:`ScoredRecord` (record ids: ``engine.records.keyed_id(...)``, keyed by the home's
  secret), and :mod:`~memory_core.adapters.paths` for paths
  under a scope (LangGraph namespaces, CrewAI scopes) and their facets.
* the provider protocols an adapter implements to lend the engine its framework's models:
  :class:`LLM` (with :class:`LLMReply`, :class:`Usage` and the engine's own reply validation:
  :func:`parse_reply`, :func:`repair_request`, :func:`schema_instructions`,
  :func:`describe_validation_error`, :class:`ReplyProblem`, and :func:`with_one_repair`, the
  one repair retry every bridge goes through, each :class:`Attempt` one call of its model) and
  :class:`Embedder`
  (:func:`check_texts` validates its input the engine's way; :class:`FrameworkEmbedder` is
  the shared shell of a framework model's bridge: unit vectors, one size, typed errors).
"""

from memory_core.adapters import paths
from memory_core.adapters.embedders import FrameworkEmbedder
from memory_core.adapters.formation import FormationQueue
from memory_core.adapters.handle import EngineHandle
from memory_core.adapters.render import render_memories
from memory_core.embeddings._validate import check_texts
from memory_core.embeddings.base import Embedder
from memory_core.filters import And, Cond, FilterNode, IsEmpty, Not, Or, and_, parse_filter
from memory_core.llms.base import LLM, LLMReply, Usage
from memory_core.llms.repair import Attempt, with_one_repair
from memory_core.llms.structured import (
    ReplyProblem,
    describe_validation_error,
    parse_reply,
    repair_request,
    schema_instructions,
)
from memory_core.pipeline.messages import ROLES, ChatMessage, ToolCall, message_id, to_messages
from memory_core.records import RecordWrite, keyed_record
from memory_core.scoping import scope_filter
from memory_core.types import Scope, ScoredRecord

__all__ = [
    "LLM",
    "ROLES",
    "And",
    "Attempt",
    "ChatMessage",
    "Cond",
    "Embedder",
    "EngineHandle",
    "FilterNode",
    "FormationQueue",
    "FrameworkEmbedder",
    "IsEmpty",
    "LLMReply",
    "Not",
    "Or",
    "RecordWrite",
    "ReplyProblem",
    "Scope",
    "ScoredRecord",
    "ToolCall",
    "Usage",
    "and_",
    "check_texts",
    "describe_validation_error",
    "keyed_record",
    "message_id",
    "parse_filter",
    "parse_reply",
    "paths",
    "render_memories",
    "repair_request",
    "schema_instructions",
    "scope_filter",
    "to_messages",
    "with_one_repair",
]
