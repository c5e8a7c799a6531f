"""A Crew of two agents on a scripted LLM (no network): what the first task stored is
recalled by the second — through EngineMemory, and through the memory tools — and, with
procedural memory on, the crew leaves a procedure with its tool steps for the agent."""

from __future__ import annotations

import json

from crewai import Agent, Crew, Task
from memory_core_crewai import CrewProcedures, EngineMemory, SaveMemoryTool, SearchMemoryTool
from memory_core_crewai.testing import ScriptedLLM

from memory_core import Memory

FACT = "The client's brand colour is teal"


def action(tool: str, **args: str) -> str:
    return f"Thought: I should use {tool}.\nAction: {tool}\nAction Input: {json.dumps(args)}"


def answer_from_prompt(prompt: str) -> str:
    """The second agent answers with what its prompt (memory or tool result) told it."""
    return "Final Answer: " + ("teal" if "teal" in prompt else "unknown")


def crew_of_two(llm: ScriptedLLM, **crew_kwargs: object) -> Crew:
    researcher = Agent(role="Researcher", goal="Find facts", backstory="Careful.", llm=llm,
                       tools=crew_kwargs.pop("researcher_tools", []))  # type: ignore[arg-type]  # fmt: skip
    designer = Agent(role="Designer", goal="Use facts", backstory="Visual.", llm=llm,
                     tools=crew_kwargs.pop("designer_tools", []))  # type: ignore[arg-type]  # fmt: skip
    tasks = [
        Task(description="Find out the client's brand colour.", expected_output="The colour",
             agent=researcher),
        # context=[]: the first task's output is NOT passed along; only memory can carry it
        Task(description="Pick the client's brand colour for the new logo.",
             expected_output="A colour", agent=designer, context=[]),
    ]  # fmt: skip
    return Crew(agents=[researcher, designer], tasks=tasks, **crew_kwargs)  # type: ignore[arg-type]


def test_crew_shares_memory_through_engine_memory(engine: Memory) -> None:
    llm = ScriptedLLM(replies={
        "Researcher": [f"Thought: I know it.\nFinal Answer: {FACT}."],
        "Designer": [answer_from_prompt],
    })  # fmt: skip
    memory = EngineMemory(memory=engine, user_id="acme")
    try:
        result = crew_of_two(llm, memory=memory).kickoff()
    finally:
        memory.close()
    assert result.tasks_output[1].raw == "teal"
    designer_prompt = next(p for role, p in llm.prompts if role == "Designer")
    assert FACT in designer_prompt  # recalled from the engine before the task ran
    found = engine.search("brand colour", user_id="acme")["results"]
    assert any(FACT in hit["memory"] for hit in found)  # the engine's own search finds it


def test_crew_shares_memory_through_tools_and_records_procedures(engine: Memory) -> None:
    llm = ScriptedLLM(replies={
        "Researcher": [action("memory_save", content=FACT), "Thought: saved.\nFinal Answer: saved"],
        "Designer": [action("memory_search", query="brand colour"), answer_from_prompt],
    })  # fmt: skip
    procedures = CrewProcedures(engine, user_id="acme", infer=False)
    crew = crew_of_two(
        llm,
        researcher_tools=[SaveMemoryTool(memory=engine, user_id="acme")],
        designer_tools=[SearchMemoryTool(memory=engine, user_id="acme")],
    )
    try:
        result = procedures.attach(crew).kickoff()
        assert procedures.flush(timeout=60)
    finally:
        procedures.close()
    assert result.tasks_output[1].raw == "teal"
    found = engine.search("brand colour", user_id="acme")["results"]
    assert FACT in [item["memory"] for item in found]

    [procedure] = engine.procedures(agent_id="Researcher", user_id="acme")["results"]
    assert procedure["procedure"]["task"] == "Find out the client's brand colour."
    steps = json.dumps(procedure["procedure"]["steps"])
    assert "memory_save" in steps and FACT in steps
    assert engine.procedures(agent_id="Designer", user_id="acme")["results"][0]["procedure"]
