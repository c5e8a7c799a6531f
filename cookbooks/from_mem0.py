"""Cookbook: moving from Mem0 — the same calls and result shapes, and what differs.

Offline (no model: ``add`` stores the messages verbatim)::

    uv run --locked python cookbooks/from_mem0.py

With a real model (OpenAI, or any OpenAI-compatible server — Ollama, vLLM, llama.cpp — through
``OPENAI_BASE_URL``; ``OPENAI_MODEL`` defaults to ``gpt-4o-mini``) ``add`` extracts facts as
Mem0's ``infer=True`` does::

    OPENAI_API_KEY=sk-... uv run --locked python cookbooks/from_mem0.py

Mem0 code keeps working with one changed import::

    from mem0 import Memory           ->   from memory_core import Memory

``Memory.from_config`` takes Mem0's ``{"provider": ..., "config": {...}}`` sections; ``add``,
``search``, ``get_all``, ``get``, ``update``, ``history``, ``delete`` and ``delete_all`` take
the same arguments and return the same shapes (``{"results": [...]}``, events ``ADD`` /
``UPDATE`` / ``DELETE`` / ``NONE``). What differs, each shown below:

1. Without an LLM configured, ``add`` stores the messages verbatim (Mem0 needs an LLM for its
   default ``infer=True``); with one, ONE call extracts and reconciles (Mem0 makes two).
2. ``reset()`` wipes nothing by accident: it needs a scope, or ``everything=True``.
3. An UPDATE keeps the old version: history, validity dates, ``as_of=`` reads.
4. Scopes are strict: a user-level read sees that user's memories from every agent and run,
   never another user's.
5. It runs offline on a laptop: embedded Qdrant, SQLite, a packaged local embedding model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _model

from memory_core import Memory
from memory_core.errors import InvalidInputError


def mem0_style_config(home: Path) -> dict[str, Any]:
    """A config in Mem0's shape. ``llm`` is left out offline (verbatim memories)."""
    config: dict[str, Any] = {
        "home": str(home),
        "vector_store": {"provider": "qdrant_edge", "config": {"collection": "memories"}},
        "embedder": {"provider": "local", "config": {}},
    }
    model = _model.real_model()
    if model is not None:
        config["llm"] = {"provider": "openai", "config": model}
    return config


def main(home: Path | None = None) -> dict[str, Any]:
    with _model.home(home) as where, Memory.from_config(mem0_style_config(where)) as m:
        messages = [
            {"role": "user", "content": "I'm vegetarian and allergic to nuts."},
            {"role": "assistant", "content": "Got it, no meat and no nuts."},
        ]
        added = m.add(messages, user_id="alice", metadata={"category": "diet"})
        print("add ->", [(e["event"], e["memory"]) for e in added["results"]])

        hits = m.search("What can Alice not eat?", user_id="alice", limit=3)
        print("search ->", [(round(h["score"], 3), h["memory"]) for h in hits["results"]])

        every = m.get_all(user_id="alice", filters={"category": "diet"})
        said = [item for item in every["results"] if item.get("role") == "user"]
        first = (said or every["results"])[0]  # with a model, memories are extracted facts
        print("get_all ->", len(every["results"]), "memories; get ->", m.get(first["id"])["memory"])

        changed = m.update(first["id"], "I'm vegan and allergic to nuts.")
        print("update ->", changed["event"], "| history ->",
              [(h["event"], h["new_memory"]) for h in m.history(first["id"])])  # fmt: skip

        try:
            m.reset()  # Mem0 would wipe the whole store here
        except InvalidInputError as refused:
            print("reset() without a scope is refused:", str(refused).split(".")[0])
        print("bob sees:", m.search("diet", user_id="bob")["results"])  # nothing of alice's

        deleted = m.delete_all(user_id="alice")
        print("delete_all ->", deleted["message"])
        return {"added": added, "hits": hits, "every": every, "changed": changed,
                "deleted": deleted}  # fmt: skip


if __name__ == "__main__":
    main()
