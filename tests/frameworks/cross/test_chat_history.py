"""A LlamaIndex chat session keeps its history in the engine (marked records in the session's
run scope) and forms memories from the same turns. LlamaIndex's own recall never offers a
history record back as a memory; the other frameworks' readers must not either: each turn a
user said is one memory, whoever reads it."""

from __future__ import annotations

from memory_core import Memory

from .peers import (
    crewai_tool_shows,
    langchain_retriever_finds,
    langgraph_node_finds,
    llamaindex_chat_engine_sends,
    shown,
)

QUESTION = "Which city does the user like best?"


def test_a_chat_engine_turn_is_one_memory_for_every_framework(engine: Memory) -> None:
    llamaindex_chat_engine_sends(engine, "alice", QUESTION)
    found = {
        "langgraph node": langgraph_node_finds(engine, "alice", QUESTION),
        "engine search": [h["memory"] for h in engine.search(QUESTION, user_id="alice")["results"]],
        "langchain retriever": langchain_retriever_finds(engine, "alice", QUESTION),
        "crewai agent's tool": crewai_tool_shows(engine, QUESTION, user_id="alice").split("\n"),
    }
    for reader, texts in found.items():
        listed = [text for text in texts if text == QUESTION or text.startswith(shown(QUESTION))]
        assert len(listed) == 1, reader
