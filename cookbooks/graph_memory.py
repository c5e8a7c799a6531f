"""Cookbook: graph memory — entities and relations beside the memories, with validity in time.

Offline (a scripted OpenAI-compatible server on 127.0.0.1 plays the model)::

    uv run --locked python cookbooks/graph_memory.py

With a real model (OpenAI, or any OpenAI-compatible server — Ollama, vLLM, llama.cpp — through
``OPENAI_BASE_URL``; ``OPENAI_MODEL`` defaults to ``gpt-4o-mini``) the model extracts the facts
and relations, so what it finds may differ from the script's::

    OPENAI_API_KEY=sk-... uv run --locked python cookbooks/graph_memory.py

What it shows:

* With an LLM, ONE call per ``add`` extracts facts, reconciles them with what the user's memory
  already holds (ADD / UPDATE / DELETE / NONE) and names the relations between entities; they
  land in the embedded SQLite graph (or Neo4j / any Bolt server: ``graph_store``).
* ``relations(user_id=...)`` lists the current ones; a ``search`` naming an entity pulls in the
  memories around it (the graph is a third candidate list, fused with dense and BM25) and
  returns the relations too.
* Moving house UPDATEs the old fact: the old relation is closed, not lost — ``as_of`` still
  sees it.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import _model

from memory_core import Memory
from memory_core.testing import ScriptedOpenAIServer, memory_manager

#: What the scripted model answers for each new message: (facts, relations, fact it updates).
SCRIPT: dict[str, tuple[list[str], list[tuple[str, str, str]], str | None]] = {
    "I live in Paris": (["Alice lives in Paris", "Alice works at Acme"],
                        [("Alice", "lives_in", "Paris"), ("Alice", "works_at", "Acme")], None),
    "My manager": (["Bob is Alice's manager at Acme"],
                   [("Bob", "manages", "Alice"), ("Bob", "works_at", "Acme")], None),
    "moved to Lisbon": (["Alice lives in Lisbon"], [("Alice", "lives_in", "Lisbon")],
                        "Alice lives in Paris"),
}  # fmt: skip


def main(home: Path | None = None) -> dict[str, Any]:
    with ExitStack() as stack:
        model = _model.real_model()
        if model is None:
            server = stack.enter_context(ScriptedOpenAIServer())
            server.add_rule(memory_manager(SCRIPT))
            model = {"model": "scripted", "base_url": server.base_url, "api_key": "offline"}
        where = stack.enter_context(_model.home(home))
        config = {"home": str(where), "llm": model, "graph_store": {"provider": "sqlite"}}
        memory = stack.enter_context(Memory.from_config(config))
        memory.add("Hi, I'm Alice. I live in Paris and I work at Acme.", user_id="alice")
        memory.add("My manager at Acme is Bob.", user_id="alice")
        before_the_move = time.time()
        print("Relations:", _show(memory.relations(user_id="alice")))

        found = memory.search("Who does Bob manage?", user_id="alice", limit=3)
        print("Search 'Who does Bob manage?':", [hit["memory"] for hit in found["results"]])
        print("  with relations:", _show(found.get("relations", [])))

        moved = memory.add("I moved to Lisbon last month.", user_id="alice")
        print("Moving:", [(e["event"], e["memory"]) for e in moved["results"]])
        now = memory.relations(user_id="alice")
        then = memory.relations(user_id="alice", as_of=before_the_move)
        print("Where Alice lives now:", _show(r for r in now if r["relationship"] == "lives_in"))
        print("...and before the move:",
              _show(r for r in then if r["relationship"] == "lives_in"))  # fmt: skip
        return {"relations": now, "before": then, "search": found, "moved": moved}


def _show(relations: Any) -> list[str]:
    return sorted(f"{r['source']} -{r['relationship']}-> {r['destination']}" for r in relations)


if __name__ == "__main__":
    main()
