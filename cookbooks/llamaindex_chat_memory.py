"""Cookbook: a LlamaIndex chat engine that remembers a user across sessions.

Offline (LlamaIndex's ``MockLLM``, no key, no network)::

    uv run --locked python cookbooks/llamaindex_chat_memory.py

With a real model (``OpenAILike``: OpenAI, or any OpenAI-compatible server — Ollama, vLLM,
llama.cpp — through ``OPENAI_BASE_URL``; ``OPENAI_MODEL`` defaults to ``gpt-4o-mini``)::

    OPENAI_API_KEY=sk-... uv run --locked python cookbooks/llamaindex_chat_memory.py

What it shows:

* ``MemoryBlock`` in LlamaIndex's own ``Memory`` (``Memory.from_defaults(memory_blocks=[...])``):
  LlamaIndex keeps the short-term chat history; when it outgrows its token limit, the oldest
  messages are flushed into the block, which hands them to the engine in the session's run scope.
* On every turn the block searches the engine with the recent messages; relevant memories go
  into the ``<long_term_memory>`` part of the system message LlamaIndex builds.
* Two sessions: the second starts with an empty history, yet the model is shown what the user
  said in the first. LlamaIndex's instrumentation records what the model was sent, whichever
  model runs; the script prints it and the model's answer.

The engine itself stays verbatim here (no ``llm`` configured): memories are the user's words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _model
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import LLMChatStartEvent
from llama_index.core.llms import LLM
from llama_index.core.llms.mock import MockLLM
from llama_index.core.memory import Memory as LlamaMemory
from memory_core_llamaindex import MemoryBlock
from pydantic import Field

from memory_core import Memory

MONDAY = [
    "Hi! I'm Alice. I'm vegetarian and I'm allergic to peanuts.",
    "I'm planning a trip to Lisbon in May.",
    "Can you remind me to book the train tomorrow?",
    "Thanks, that's all for today.",
]
FRIDAY = "Can you suggest a dinner for me tonight?"


class PromptRecorder(BaseEventHandler):
    """Keeps the messages of every chat call LlamaIndex makes, whichever LLM it calls."""

    prompts: list[list[ChatMessage]] = Field(default_factory=list)

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if isinstance(event, LLMChatStartEvent):
            self.prompts.append(list(event.messages))


def two_sessions(llm: LLM, home: Path | None) -> str:
    """Monday's session, then Friday's question in a new one; returns Friday's answer."""
    with _model.home(home) as where, Memory.from_config({"home": str(where)}) as engine:
        block = MemoryBlock(memory=engine, user_id="alice", top_k=3)

        def session(session_id: str) -> SimpleChatEngine:
            # A deliberately small history budget, so Monday's first messages are flushed to
            # the block (LlamaIndex's default is 30 000 tokens).
            memory = LlamaMemory.from_defaults(
                session_id=session_id, token_limit=100, token_flush_size=30,
                chat_history_token_ratio=0.5, memory_blocks=[block],
            )  # fmt: skip
            return SimpleChatEngine.from_defaults(llm=llm, memory=memory)

        monday = session("monday")
        for text in MONDAY:
            monday.chat(text)
        return session("friday").chat(FRIDAY).response


def main(home: Path | None = None) -> dict[str, str]:
    """Run both sessions: the system message the model saw on Friday, and its answer."""
    llm: LLM = _model.llamaindex_model() or MockLLM(max_tokens=8)
    recorder = PromptRecorder()
    get_dispatcher().add_event_handler(recorder)  # LlamaIndex-wide: removed when done
    try:
        answer = two_sessions(llm, home)
    finally:
        get_dispatcher().event_handlers.remove(recorder)
    seen = recorder.prompts[-1]
    system = "\n".join(m.content or "" for m in seen if m.role == MessageRole.SYSTEM)
    return {"shown": system, "answer": answer}


if __name__ == "__main__":
    friday = main()
    print("On Friday the model was shown:\n")
    print(friday["shown"])
    print("\nand it answered:", friday["answer"])
