"""A procedural summary formed from a LangGraph run (model node, ``ToolNode``, final answer,
behind a ``MemoryCheckpointer`` for the agent "researcher") is found by a CrewAI agent through
its ``memory_search`` tool scoped to that agent — and not by another user's or agent's tool."""

from __future__ import annotations

from memory_core import Memory

from .peers import crewai_tool_shows, langgraph_research_run, shown

HOW = "How do I find out how many people live in a city?"
PORTO_STEP = 'called tool city_facts with {"city": "Porto"} → Porto has about 232,000 inhabitants'
FARO_STEP = 'called tool city_facts with {"city": "Faro"} → Faro has about 67,000'


def test_a_langgraph_run_leaves_a_procedure_the_crewai_side_finds(engine: Memory) -> None:
    messages = langgraph_research_run(engine, "alice", "Porto", agent_id="researcher")
    assert [m.type for m in messages] == ["human", "ai", "tool", "ai"]  # real tool traffic

    tool_result = crewai_tool_shows(engine, HOW, agent_id="researcher")
    assert PORTO_STEP in tool_result and "Task: How many people live in Porto?" in tool_result
    # What the tool listed is the agent's one record, and that record is a procedure.
    [procedure] = engine.search(HOW, agent_id="researcher")["results"]
    assert shown(" ".join(procedure["memory"].split())) in tool_result
    assert procedure["kind"] == "procedure" and PORTO_STEP in procedure["memory"]
    assert procedure["procedure"]["status"] == "completed"
    assert procedure["user_id"] == "alice"  # the run's user, from its config


def test_another_user_or_agent_does_not_see_the_procedure(engine: Memory) -> None:
    langgraph_research_run(engine, "alice", "Porto", agent_id="researcher")
    langgraph_research_run(engine, "bob", "Faro", agent_id="researcher")

    for_alice = crewai_tool_shows(engine, HOW, user_id="alice", agent_id="researcher")
    for_bob = crewai_tool_shows(engine, HOW, user_id="bob", agent_id="researcher")
    assert PORTO_STEP in for_alice and FARO_STEP not in for_alice
    assert FARO_STEP in for_bob and PORTO_STEP not in for_bob and "Porto" not in for_bob
    another_agent = crewai_tool_shows(engine, HOW, agent_id="writer")
    assert another_agent.startswith("No relevant memories found.")
    # An agent-level view spans the agent's users, as every read filters only on the ids
    # it is given: the researcher's own tool, unscoped by user, sees both runs.
    both = crewai_tool_shows(engine, HOW, agent_id="researcher")
    assert PORTO_STEP in both and FARO_STEP in both
