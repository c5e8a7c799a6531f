"""Cookbook: a LlamaIndex chat engine that remembers a user across sessions — offline.

    uv run --locked python cookbooks/llamaindex_chat_memory.py

What it shows:

* ``MemoryBlock`` in LlamaIndex's own ``Memory`` (``Memory.from_defaults(memory_blocks=[...])``):
  LlamaIndex keeps the short-term chat history; when it outgrows its token limit, the oldest
  messages are flushed into the block, which hands them to the engine in the session's run scope.
* On every turn the block searches the engine with the recent messages; relevant memories go
  into the ``<long_term_memory>`` part of the system message LlamaIndex builds.
* Two sessions: the second starts with an empty history, yet the model is shown what the user
  said in the first.

The LLM is LlamaIndex's ``MockLLM`` (no API key, no network), which records what it was sent;
swap in any LlamaIndex LLM (``Settings.llm`` or ``llm=``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from llama_index.core.base.llms.types import MessageRole
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.llms.mock import MockLLMWithChatMemoryOfLastCall
from llama_index.core.memory import Memory as LlamaMemory
from memory_core_llamaindex import MemoryBlock

from memory_core import Memory

MONDAY = [
    "Hi! I'm Alice. I'm vegetarian and I'm allergic to peanuts.",
    "I'm planning a trip to Lisbon in May.",
    "Can you remind me to book the train tomorrow?",
    "Thanks, that's all for today.",
]
FRIDAY = "Can you suggest a dinner for me tonight?"


def main(home: Path | None = None) -> str:
    """Run both sessions; returns the system message the model saw on Friday."""
    engine = Memory.from_config({"home": str(home or Path(tempfile.mkdtemp()) / "home")})
    llm = MockLLMWithChatMemoryOfLastCall(max_tokens=8)
    block = MemoryBlock(memory=engine, user_id="alice", top_k=3)

    def session(session_id: str) -> SimpleChatEngine:
        # A deliberately small history budget, so Monday's first messages are flushed to the
        # block (LlamaIndex's default is 30 000 tokens).
        memory = LlamaMemory.from_defaults(
            session_id=session_id, token_limit=100, token_flush_size=30,
            chat_history_token_ratio=0.5, memory_blocks=[block],
        )  # fmt: skip
        return SimpleChatEngine.from_defaults(llm=llm, memory=memory)

    monday = session("monday")
    for text in MONDAY:
        monday.chat(text)
    session("friday").chat(FRIDAY)
    seen = llm.last_chat_messages or []
    system = "\n".join(m.content or "" for m in seen if m.role == MessageRole.SYSTEM)
    engine.close()
    return system


if __name__ == "__main__":
    print("On Friday the model was shown:\n")
    print(main())
