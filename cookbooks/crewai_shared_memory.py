"""Cookbook: two CrewAI agents sharing one long-term memory.

Offline (a scripted CrewAI LLM, no key, no network)::

    uv run --locked python cookbooks/crewai_shared_memory.py

With a real model (CrewAI's native OpenAI provider — no LiteLLM needed: OpenAI, or any
OpenAI-compatible server — Ollama, vLLM, llama.cpp — through ``OPENAI_BASE_URL``;
``OPENAI_MODEL`` defaults to ``gpt-4o-mini``)::

    OPENAI_API_KEY=sk-... uv run --locked python cookbooks/crewai_shared_memory.py

What it shows:

* ``EngineMemory`` as the crew's ``memory=``: CrewAI stores each task's outcome and recalls
  for the next task as usual, but the engine does the work (verbatim here: no LLM is
  configured for the engine, so the engine itself sends nothing anywhere).
* ``SaveMemoryTool`` / ``SearchMemoryTool``: agents save and search explicitly, in the scope
  fixed when the tools were made (``user_id="acme"``); the model cannot pick another one.
* The designer's task gets no context from the researcher's task (``context=[]``): what it
  knows comes from memory. Afterwards ``Memory.search(user_id="acme")`` — the engine's own
  API, and every other adapter — sees the same memories.

Offline each agent's replies are scripted, and the designer answers from what its prompt and
its tool returned. A real model decides for itself what to save and search; the script prints
its proposal and what the engine holds for Acme.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

_QUIET = (
    "CREWAI_DISABLE_TELEMETRY",
    "CREWAI_DISABLE_TRACKING",
    "CREWAI_DISABLE_VERSION_CHECK",
    "OTEL_SDK_DISABLED",
)
for flag in _QUIET:
    os.environ.setdefault(flag, "true")  # before CrewAI is imported
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")

import _model  # noqa: E402
from crewai import Agent, Crew, Task  # noqa: E402
from crewai.llms.base_llm import BaseLLM  # noqa: E402
from memory_core_crewai import EngineMemory, SaveMemoryTool, SearchMemoryTool  # noqa: E402
from memory_core_crewai.testing import ScriptedLLM  # noqa: E402

from memory_core import Memory, MemoryConfig  # noqa: E402

FACTS = ["Acme's brand colour is teal", "Acme's logo must work in black and white"]
BRIEF = "Acme's brief: the brand colour is teal, and the logo must work in black and white."


def act(tool: str, **args: str) -> str:
    return f"Thought: use {tool}.\nAction: {tool}\nAction Input: {json.dumps(args)}"


def designer_answer(prompt: str) -> str:
    colour = "teal" if "teal" in prompt else "unknown"
    mono = " with a black-and-white variant" if "black and white" in prompt else ""
    return f"Thought: I have what I need.\nFinal Answer: A {colour} logo{mono}."


def scripted_model() -> BaseLLM:
    return ScriptedLLM(replies={
        "Researcher": [act("memory_save", content=FACTS[0]), act("memory_save", content=FACTS[1]),
                       "Thought: both saved.\nFinal Answer: Acme wants teal, and mono-safe."],
        "Designer": [act("memory_search", query="Acme logo rules"), designer_answer],
    })  # fmt: skip


def main(home: Path | None = None) -> dict[str, object]:
    """Run the crew: the designer's proposal, and what ``Memory.search`` finds for Acme."""
    llm = _model.crewai_model() or scripted_model()
    with _model.home(home) as where, Memory(MemoryConfig(home=where)) as engine:
        tools = {"memory": engine, "user_id": "acme"}
        researcher = Agent(
            role="Researcher",
            goal="Learn the client's brand rules",
            backstory="Reads briefs.",
            llm=llm,
            tools=[SaveMemoryTool(**tools)],
        )
        designer = Agent(
            role="Designer",
            goal="Design within the brand rules",
            backstory="Draws logos.",
            llm=llm,
            tools=[SearchMemoryTool(**tools)],
        )
        tasks = [
            Task(description=f"{BRIEF} Save each of its brand rules to memory.",
                 expected_output="The rules", agent=researcher),
            Task(description="Propose a logo for Acme.", expected_output="A proposal",
                 agent=designer, context=[]),
        ]  # fmt: skip
        crew_memory = EngineMemory(memory=engine, user_id="acme")
        try:
            result = Crew(agents=[researcher, designer], tasks=tasks, memory=crew_memory).kickoff()
        finally:
            crew_memory.close()
        found = engine.search("brand colour", user_id="acme", limit=5)["results"]
        return {
            "proposal": result.tasks_output[1].raw,
            "engine_sees": [item["memory"] for item in found],
        }


if __name__ == "__main__":
    outcome = main()
    print("Designer:", outcome["proposal"])
    print("Memory.search(user_id='acme') finds:")
    for memory in outcome["engine_sees"]:  # type: ignore[attr-defined]
        print(" -", memory)
