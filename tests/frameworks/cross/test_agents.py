"""A fact a LangChain agent stores for alice (its model calls ``add_memory``) is in front of a
LlamaIndex chat engine's model, in a LangGraph node's output and in a CrewAI agent's tool
result — and nothing of alice's reaches bob through any framework. Bob has a fact of his own,
so each of his readers is shown to work: an empty answer would prove nothing."""

from __future__ import annotations

from memory_core import Memory

from .peers import (
    crewai_tool_shows,
    langchain_agent_stores,
    langchain_retriever_finds,
    langgraph_node_finds,
    llamaindex_chat_engine_sends,
    shown,
)

QUESTION = "Which city does the user like best?"
TOLD = {  # what each user says, and the fact the agent's model stores from it
    "alice": ("Please remember: my favourite city is Lisbon.", "Alice's favourite city is Lisbon"),
    "bob": ("Please remember: my favourite city is Oslo.", "Bob's favourite city is Oslo"),
}


def _texts(engine: Memory, user: str) -> set[str]:
    return {item["memory"] for item in engine.get_all(user_id=user)["results"]}


def test_a_fact_a_langchain_agent_stores_reaches_every_framework(engine: Memory) -> None:
    said, fact = TOLD["alice"]
    langchain_agent_stores(engine, "alice", said, fact)
    stored = _texts(engine, "alice")
    assert {said, fact} <= stored  # the tool call's fact, and the turn the middleware captured

    sent = llamaindex_chat_engine_sends(engine, "alice", QUESTION)
    assert "system: Relevant memories" in sent and shown(fact) in sent  # recalled for the model
    assert shown(said) in sent  # and the turn the middleware captured
    assert fact in langgraph_node_finds(engine, "alice", QUESTION)  # an item of the node's output
    assert shown(fact) in crewai_tool_shows(engine, QUESTION, user_id="alice")


def test_nothing_of_alices_reaches_bob_through_any_framework(engine: Memory) -> None:
    langchain_agent_stores(engine, "alice", *TOLD["alice"])
    alices = _texts(engine, "alice")
    bob_prompts = langchain_agent_stores(engine, "bob", *TOLD["bob"])
    bobs_fact = TOLD["bob"][1]

    seen_by_bob = {
        "langchain agent's model": "\n".join(bob_prompts),
        "llamaindex chat engine's llm": llamaindex_chat_engine_sends(engine, "bob", QUESTION),
        "langgraph node": "\n".join(langgraph_node_finds(engine, "bob", QUESTION)),
        "crewai agent's tool": crewai_tool_shows(engine, QUESTION, user_id="bob"),
        "langchain retriever": "\n".join(langchain_retriever_finds(engine, "bob", QUESTION)),
    }
    for reader, seen in seen_by_bob.items():
        assert bobs_fact in seen, reader  # the reader does recall for bob...
        assert [text for text in alices if text in seen] == [], reader  # ...nothing of alice's
