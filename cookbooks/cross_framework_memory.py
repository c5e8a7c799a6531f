"""Cookbook: one memory, four frameworks — what a LangGraph graph stores for alice, LlamaIndex,
LangChain and CrewAI recall through their own native objects; bob sees none of it.

    uv run --locked python cookbooks/cross_framework_memory.py

It needs no model, offline or not: nothing here generates text. Every framework object reads
and writes the same engine (one ``Memory``) in the user's scope, so there is nothing to copy
or sync between them. ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` change nothing here; the
framework cookbooks (``langchain_agent_memory.py`` and the others) show each one with a model.

What it shows:

* A LangGraph node writes the fact through the graph's store (``MemoryStore``, LangGraph's
  ``BaseStore``): namespace ``("memories", "alice")`` is the engine scope ``user_id="alice"``.
* LlamaIndex's ``MemoryCoreMemory`` (a ``BaseMemory``) puts it in the system message of a new
  chat session; LangChain's ``MemoryRetriever`` returns it as a ``Document``; CrewAI's
  ``SearchMemoryTool`` (what an agent calls) finds it; so do LangGraph's ``store.search`` and
  the engine's own ``Memory.search``.
* The same objects made for bob find nothing of it: a scope is fixed when the object is made.

``pip install "memory-core[langchain,llamaindex,langgraph,crewai]"`` brings all it imports.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypedDict

for flag in ("CREWAI_DISABLE_TELEMETRY", "CREWAI_DISABLE_TRACKING",
             "CREWAI_DISABLE_VERSION_CHECK", "OTEL_SDK_DISABLED"):  # fmt: skip
    os.environ.setdefault(flag, "true")  # before CrewAI is imported
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")

import _model  # noqa: E402
from langgraph.config import get_store  # noqa: E402
from langgraph.graph import START, StateGraph  # noqa: E402
from llama_index.core.base.llms.types import MessageRole  # noqa: E402
from memory_core_crewai import SearchMemoryTool  # noqa: E402
from memory_core_langchain import MemoryRetriever  # noqa: E402
from memory_core_langgraph import MemoryStore  # noqa: E402
from memory_core_llamaindex import MemoryCoreMemory  # noqa: E402

from memory_core import Memory  # noqa: E402

FACT = "Alice's favourite city is Lisbon"
QUESTION = "Which city does Alice like best?"


class Note(TypedDict):
    user_id: str
    fact: str


def remember(note: Note) -> Note:
    """A LangGraph node: save the fact for the user through the graph's store."""
    get_store().put(("memories", note["user_id"]), "favourite-city", {"content": note["fact"]})
    return note


def recall(engine: Memory, store: MemoryStore, user: str) -> dict[str, Any]:
    """What each framework's native object finds for ``user``."""
    llama = MemoryCoreMemory(memory=engine, user_id=user, session_id=f"{user}-new-chat")
    try:
        shown = llama.get(QUESTION)
    finally:
        llama.close()
    retriever = MemoryRetriever(memory=engine, user_id=user, k=3)
    return {
        "llamaindex": "\n".join(m.content or "" for m in shown if m.role == MessageRole.SYSTEM),
        "langchain": [doc.page_content for doc in retriever.invoke(QUESTION)],
        "crewai": SearchMemoryTool(memory=engine, user_id=user).run(query=QUESTION),
        "langgraph": [item.value for item in store.search(("memories", user), query=QUESTION)],
        "engine": [hit["memory"] for hit in engine.search(QUESTION, user_id=user)["results"]],
    }


def main(home: Path | None = None) -> dict[str, dict[str, Any]]:
    """Store the fact for alice through LangGraph; what every framework finds for alice and bob."""
    with _model.home(home) as where, Memory.from_config({"home": str(where)}) as engine:
        store = MemoryStore(engine)  # over the engine it is given: closing it leaves the engine
        graph = StateGraph(Note).add_node(remember).add_edge(START, "remember")
        graph.compile(store=store).invoke(Note(user_id="alice", fact=FACT))
        found = {user: recall(engine, store, user) for user in ("alice", "bob")}
        store.close()
    return found


if __name__ == "__main__":
    for user, seen in main().items():
        print(f"== what each framework finds for {user}, asked {QUESTION!r}")
        for framework, answer in seen.items():
            print(f"-- {framework}: {answer or 'nothing'}")
