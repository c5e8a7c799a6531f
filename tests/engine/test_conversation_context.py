"""Context comes from the conversation (a run's messages in order, across add calls), never
from the add call; and a search configuration given per call stays with that call."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from memory_core import Memory, MemoryConfig
from memory_core.cli.demo import PEOPLE
from memory_core.config import SearchConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import InvalidInputError
from memory_core.retrieval.recipes import RECIPES

CHAT = [
    ("bo", "How was the marathon in Berlin?"),
    ("ann", "Exhausting, but I finished it!"),
    ("bo", "Did you train with your club?"),
    ("ann", "Yes, every Sunday since March."),
    ("bo", "I adopted a kitten called Miso."),
    ("ann", "Send me a photo of the kitten!"),
]
MESSAGES = [
    {"role": "user" if i % 2 == 0 else "assistant", "content": text, "name": who}
    for i, (who, text) in enumerate(CHAT)
]
FACTS = [
    "My favourite colour is teal",
    "I drive a red hatchback",
    "My brother lives in Oslo",
    "I am allergic to shellfish",
    "I play chess on Tuesdays",
]


def _open(home: Path, embedder: LocalEmbedder) -> Memory:
    return Memory(MemoryConfig(home=home), embedder=embedder)


def _bm25_view(memory: Memory) -> dict[str, list[tuple[str, float]]]:
    """For every message's words as a query: the BM25 hits (text, score) in the run. Equal
    views mean every message was BM25-indexed with the same text."""
    view = {}
    for _, text in CHAT:
        hits = memory.search(text, user_id="u", run_id="r", limit=10, config="bm25")["results"]
        # Ties in order of text: two homes break score ties by their (per-home) ids.
        view[text] = sorted(((hit["memory"], hit["score"]) for hit in hits),
                            key=lambda hit: (-hit[1], hit[0]))  # fmt: skip
    return view


@pytest.mark.parametrize("step", [1, 2, 6], ids=["turns", "exchanges", "session"])
def test_a_conversation_added_by_turns_exchanges_or_session_has_the_same_neighbours(
    fast_tmp: Path, embedder: LocalEmbedder, step: int
) -> None:
    with _open(fast_tmp / "whole", embedder) as memory:
        memory.add(MESSAGES, user_id="u", run_id="r")
        expected = _bm25_view(memory)
    with _open(fast_tmp / "parts", embedder) as memory:
        for start in range(0, len(MESSAGES), step):
            memory.add(MESSAGES[start : start + step], user_id="u", run_id="r")
        assert _bm25_view(memory) == expected
        # A reply is found through the turn before it, added in an earlier call.
        found = [hit["memory"] for hit in memory.search(
            "marathon Berlin", user_id="u", run_id="r", config="bm25")["results"]]  # fmt: skip
        assert "Exhausting, but I finished it!" in found
        # What is stored and returned stays the message itself.
        assert all("\n" not in text for text in found)


def test_unrelated_facts_in_one_add_are_indexed_without_each_others_words(
    fast_tmp: Path, embedder: LocalEmbedder
) -> None:
    with _open(fast_tmp / "h", embedder) as memory:
        memory.add(FACTS, user_id="u")
        for word, fact in (("teal", FACTS[0]), ("hatchback", FACTS[1]), ("Oslo", FACTS[2])):
            hits = memory.search(word, user_id="u", config="bm25")["results"]
            assert [hit["memory"] for hit in hits] == [fact]


def test_the_demo_questions_rank_the_right_message_first(
    fast_tmp: Path, embedder: LocalEmbedder
) -> None:
    with _open(fast_tmp / "h", embedder) as memory:
        for user, texts in PEOPLE.items():
            memory.add(texts, user_id=user)
        lisbon = memory.search("Lisbon", user_id="bob")["results"]
        assert lisbon[0]["memory"] == "I'm learning Portuguese for a trip to Lisbon in the fall"
        allergy = memory.search("Is she allergic to anything?", user_id="alice")["results"]
        assert allergy[0]["memory"] == "I'm allergic to peanuts"


def test_a_per_call_config_does_not_leak_into_the_engine_defaults(
    fast_tmp: Path, embedder: LocalEmbedder
) -> None:
    with _open(fast_tmp / "h", embedder) as memory:
        memory.add(FACTS, user_id="u")
        defaults = memory.engine.config.search
        before = memory.search("Where does my brother live?", user_id="u")["results"]
        lexical = memory.search("Oslo", user_id="u", config="bm25")["results"]
        assert [hit["memory"] for hit in lexical] == [FACTS[2]]  # BM25 alone: one match
        dense = memory.search("Oslo", user_id="u", config={"mode": "dense"})["results"]
        assert len(dense) == len(FACTS)  # dense ranks every memory
        own = SearchConfig(mode="bm25", candidates=3)
        assert len(memory.search("Oslo", user_id="u", config=own)["results"]) == 1
        assert memory.engine.config.search is defaults
        assert memory.engine.retriever.config is defaults
        assert memory.search("Where does my brother live?", user_id="u")["results"] == before
        with pytest.raises(ValidationError):
            RECIPES["bm25"].mode = "dense"  # type: ignore[misc]
        assert RECIPES["bm25"].mode == "bm25"
        with pytest.raises(InvalidInputError, match="recipe"):
            memory.search("Oslo", user_id="u", config="fastest")
        with pytest.raises(InvalidInputError, match="search config"):
            memory.search("Oslo", user_id="u", config={"mode": "graph"})


def test_a_conversation_id_makes_a_conversation_without_a_run(
    fast_tmp: Path, embedder: LocalEmbedder
) -> None:
    chat = {"conversation_id": "chat-1"}
    with _open(fast_tmp / "h", embedder) as memory:
        for message in MESSAGES[:2]:
            memory.add([message], user_id="u", source=chat)
        # Another conversation of the same user, in between, is not a neighbour.
        memory.add("Marathon Berlin", user_id="u", source={"conversation_id": "chat-2"})
        hits = memory.search("marathon Berlin", user_id="u", config="bm25")["results"]
        assert {hit["memory"] for hit in hits} == {
            "How was the marathon in Berlin?",
            "Exhausting, but I finished it!",  # through the turn before it, an earlier add
            "Marathon Berlin",
        }
        reply = memory.search("Exhausting finished", user_id="u", config="bm25")["results"]
        assert "Marathon Berlin" not in {hit["memory"] for hit in reply}
