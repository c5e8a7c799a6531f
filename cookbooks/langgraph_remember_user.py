"""Cookbook: a LangGraph agent that remembers a user across threads.

Offline (a scripted chat model, no key, no network)::

    uv run --locked python cookbooks/langgraph_remember_user.py

With a real model (``ChatOpenAI``: OpenAI, or any OpenAI-compatible server — Ollama, vLLM,
llama.cpp — through ``OPENAI_BASE_URL``; ``OPENAI_MODEL`` defaults to ``gpt-4o-mini``)::

    OPENAI_API_KEY=sk-... uv run --locked python cookbooks/langgraph_remember_user.py

``pip install "memory-core[langgraph]"`` brings all it imports (LangGraph, ``create_agent``
from ``langchain``, ``langchain-openai``).

What it shows:

* ``MemoryStore`` in place of LangGraph's ``InMemoryStore``: the agent's tools write and search
  ``("memories", user_id)``, which is the engine scope ``user_id`` — so the same memories are
  found by ``Memory.search(user_id=...)`` and by every other memory-core adapter.
* ``MemoryCheckpointer`` around LangGraph's ``InMemorySaver``: after each run it hands the
  conversation to the engine in the background (``flush()`` waits for it), so even what the
  agent did not save explicitly is remembered for the user.
* Two threads: the second conversation starts empty, yet the agent recalls the first.

Offline the chat model is scripted: it calls the memory tools in a fixed order and answers
from what they return. A real model decides for itself whether to call them; either way the
script prints what the agent said and what the engine holds for the user. The engine itself
stays verbatim here (no ``llm`` configured).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import _model
from langchain.agents import create_agent
from langchain.tools import ToolRuntime, tool
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from memory_core_langgraph import MemoryCheckpointer, MemoryStore

#: What a real model needs told (the scripted one follows its script).
INSTRUCTIONS = (
    "You remember users across conversations. Save what the user tells you about themselves "
    "with save_memory; search_memories before answering a question about them."
)


@tool
def save_memory(fact: str, runtime: ToolRuntime) -> str:
    """Save a fact about the current user for later conversations."""
    assert runtime.store is not None
    user = runtime.config["configurable"]["user_id"]
    runtime.store.put(("memories", user), f"fact-{abs(hash(fact)) % 10**8}", {"content": fact})
    return f"Saved: {fact}"


@tool
def search_memories(query: str, runtime: ToolRuntime) -> str:
    """Search what is known about the current user."""
    assert runtime.store is not None
    user = runtime.config["configurable"]["user_id"]
    items = runtime.store.search(("memories", user), query=query, limit=3)
    return "\n".join(f"- {item.value['content']}" for item in items) or "nothing yet"


class ScriptedModel(GenericFakeChatModel):
    """A scripted chat model standing in for a real one (it ignores the tool schemas)."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self


def _call(name: str, args: dict[str, str], call_id: str) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id}])


def scripted_model() -> ScriptedModel:
    return ScriptedModel(messages=iter([
        _call("save_memory", {"fact": "Alice is vegetarian"}, "call-1"),
        AIMessage("Got it, Alice — I'll remember that you're vegetarian."),
        _call("search_memories", {"query": "food preferences diet"}, "call-2"),
        AIMessage("Since you're vegetarian, how about the new falafel place near the river?"),
    ]))  # fmt: skip


def main(home: Path | None = None) -> list[str]:
    """Run the two conversations; returns what the agent (and its tools) said in the second
    one, then what the engine finds for alice."""
    model = _model.langchain_model() or scripted_model()
    with _model.home(home) as where, MemoryStore({"home": str(where)}) as store:
        saver = MemoryCheckpointer(InMemorySaver(), store)
        agent = create_agent(model, [save_memory, search_memories], store=store,
                             checkpointer=saver, system_prompt=INSTRUCTIONS)  # fmt: skip
        first = {"configurable": {"thread_id": "monday", "user_id": "alice"}}
        agent.invoke({"messages": [HumanMessage("Hi! I'm Alice, and I'm vegetarian.")]}, first)
        saver.flush()  # memory formation runs in the background; wait so the demo is repeatable
        second = {"configurable": {"thread_id": "friday", "user_id": "alice"}}
        out = agent.invoke({"messages": [HumanMessage("Where should I eat tonight?")]}, second)
        saver.flush()
        said = [m.content for m in out["messages"] if m.type in ("tool", "ai") and m.content]
        # The engine sees the same memories (the saved fact, and the conversation itself).
        remembered = store.call(store.engine.search("Is Alice vegetarian?", user_id="alice"))
        said.append("Engine search for alice: " + remembered["results"][0]["memory"])
        saver.close()
    return [str(s) for s in said]


if __name__ == "__main__":
    for line in main():
        print(line)
