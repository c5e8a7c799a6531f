"""Cookbook: procedural memory — an agent remembers *how* it did a task, not only facts.

Offline (the procedure is built from the trace itself, no key, no network)::

    uv run --locked python cookbooks/procedural_memory.py

With a real model (OpenAI, or any OpenAI-compatible server — Ollama, vLLM, llama.cpp — through
``OPENAI_BASE_URL``; ``OPENAI_MODEL`` defaults to ``gpt-4o-mini``) the model writes the
procedure::

    OPENAI_API_KEY=sk-... uv run --locked python cookbooks/procedural_memory.py

What it shows:

* ``add(trace, agent_id=..., memory_type="procedural")`` turns an agent's run (its messages,
  tool calls and tool results) into ONE ``procedure`` memory: the task, its outcome and numbered
  steps with what each step returned. Offline it is built from the trace itself; with a model
  (``OPENAI_API_KEY`` set) the model writes it.
* ``procedures(agent_id, task=...)`` lists the agent's current procedure for a task; a newer
  run of the same task supersedes the old one, and ``include_expired=True`` still shows it.
* A procedure is a memory like any other: ``search`` finds it for the agent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import _model

from memory_core import Memory

TASK = "Book a table for two in Lisbon tonight"


def _call(call_id: str, name: str, **arguments: Any) -> dict[str, Any]:
    return {"id": call_id, "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}  # fmt: skip


def run_trace(restaurant: str, refused: str | None) -> list[dict[str, Any]]:
    """One run of the concierge agent, as OpenAI-style messages."""
    trace: list[dict[str, Any]] = [
        {"role": "user", "content": TASK},
        {"role": "assistant", "tool_calls": [_call("c1", "search_restaurants", city="Lisbon")]},
        {"role": "tool", "tool_call_id": "c1", "content": f"Belcanto, {restaurant}"},
    ]
    if refused:
        trace += [
            {"role": "assistant", "tool_calls": [_call("c2", "book", restaurant=refused)]},
            {"role": "tool", "tool_call_id": "c2", "content": f"Error: {refused} is full tonight"},
        ]
    trace += [
        {"role": "assistant", "tool_calls": [_call("c3", "book", restaurant=restaurant)]},
        {"role": "tool", "tool_call_id": "c3", "content": f"Booked {restaurant}, 20:00, 2 people"},
        {"role": "assistant", "content": f"Done: {restaurant} at 20:00 for two."},
    ]
    return trace


def main(home: Path | None = None) -> dict[str, Any]:
    model = _model.real_model()
    with (
        _model.home(home) as where,
        Memory.from_config({"home": str(where), **({"llm": model} if model else {})}) as memory,
    ):
        scope = {"agent_id": "concierge", "user_id": "alice"}
        memory.add(run_trace("Taberna Sal", refused="Belcanto"), **scope,
                   memory_type="procedural", metadata={"task": TASK})  # fmt: skip
        [first] = memory.procedures("concierge", task=TASK, user_id="alice")["results"]
        print("After the first run:\n" + first["memory"] + "\n")

        memory.add(run_trace("Taberna Sal", refused=None), **scope,
                   memory_type="procedural", metadata={"task": TASK})  # fmt: skip
        [current] = memory.procedures("concierge", task=TASK, user_id="alice")["results"]
        every = memory.procedures("concierge", task=TASK, user_id="alice",
                                  include_expired=True)["results"]  # fmt: skip
        print("After the second run (it supersedes the first):\n" + current["memory"] + "\n")
        print(f"Versions kept: {len(every)}; the current one supersedes {current['supersedes']}")

        hits = memory.search("how do I book a restaurant?", agent_id="concierge", limit=1)
        print("Search finds it:", hits["results"][0]["id"] == current["id"])
        return {"first": first, "current": current, "versions": every, "hits": hits["results"]}


if __name__ == "__main__":
    main()
