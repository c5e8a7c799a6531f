"""Retrieval features through the public API: neighbour context, search modes, speakers."""

from __future__ import annotations

from pathlib import Path

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder

CHAT = [
    {"role": "user", "content": "How was the marathon in Berlin?", "name": "bo"},
    {"role": "user", "content": "Exhausting, but I finished it!", "name": "ann"},
    {"role": "user", "content": "I adopted a kitten called Miso.", "name": "ann"},
    {"role": "user", "content": "I bought a kitten bed too.", "name": "bo"},
]


def _open(home: Path, embedder: LocalEmbedder, **config: object) -> Memory:
    return Memory(MemoryConfig(home=home, **config), embedder=embedder)  # type: ignore[arg-type]


def _texts(memory: Memory, query: str) -> list[str]:
    return [r["memory"] for r in memory.search(query, user_id="u", limit=4)["results"]]


def test_a_reply_is_found_through_the_turn_before_it(
    fast_tmp: Path, embedder: LocalEmbedder
) -> None:
    for before, expected in ((0, False), (1, True)):
        index = {"context_before": before, "context_after": 0}
        bm25 = {"mode": "bm25"}  # lexical: a term either is in the indexed text or is not
        with _open(fast_tmp / f"h{before}", embedder, index=index, search=bm25) as memory:
            memory.add(CHAT, user_id="u", run_id="chat")  # a run: its messages are a chat
            found = [r["memory"] for r in memory.search(
                "marathon Berlin", user_id="u", run_id="chat", limit=4)["results"]]  # fmt: skip
            assert ("Exhausting, but I finished it!" in found) is expected
            # What is stored and returned stays the turn itself.
            assert all("\n" not in text for text in found)


def test_search_modes_use_one_list_each(fast_tmp: Path, embedder: LocalEmbedder) -> None:
    plain = {"context_before": 0, "context_after": 0}
    with _open(fast_tmp / "h", embedder, index=plain) as memory:
        memory.add(CHAT, user_id="u")
    with _open(fast_tmp / "h", embedder, index=plain, search={"mode": "bm25"}) as memory:
        # BM25 alone returns only memories sharing a term with the query.
        assert sorted(_texts(memory, "kitten")) == [
            "I adopted a kitten called Miso.",
            "I bought a kitten bed too.",
        ]
    with _open(fast_tmp / "h", embedder, index=plain, search={"mode": "dense"}) as memory:
        assert len(_texts(memory, "kitten")) == 4  # dense ranks every memory


def test_a_named_speaker_lifts_their_memories(fast_tmp: Path, embedder: LocalEmbedder) -> None:
    plain = {"context_before": 0, "context_after": 0}
    with _open(fast_tmp / "h", embedder, index=plain, search={"speaker_weight": 0}) as memory:
        memory.add(CHAT, user_id="u")
        off = memory.search("What kitten thing did bo get?", user_id="u", limit=4)["results"]
    on_config = {"speaker_weight": 1.0}
    with _open(fast_tmp / "h", embedder, index=plain, search=on_config) as memory:
        on = memory.search("What kitten thing did bo get?", user_id="u", limit=4)["results"]
    bo_on = [r for r in on if r["actor_id"] == "bo"]
    assert [r["actor_id"] for r in on[:2]] == ["bo", "bo"]
    # Without the list the other speaker's kitten turn outranks bo's small-talk turn.
    assert [r["actor_id"] for r in off[:2]] != ["bo", "bo"]
    assert all(r["score"] > 1.0 for r in bo_on)  # lifted by the list's weight
