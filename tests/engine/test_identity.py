"""Collision-free identity: no two scopes share an id, ids are keyed by a per-home secret, and
a home written by the release before id schemes keeps working."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from memory_core import Memory, MemoryConfig, Scope
from memory_core.embeddings import LocalEmbedder
from memory_core.ids import IdScheme, memory_id, scheme_keyed_id, using

FIXTURES = Path(__file__).parent / "fixtures"
# Ids full of the characters older encodings joined on: '|', '=', '\x1f', '\x1e'.
IDS = st.text(alphabet="ab|=\x1f\x1e:/ é", min_size=1, max_size=6).filter(
    lambda s: s.strip() == s and s.strip() != ""
)
SCOPES = st.builds(Scope, IDS, st.none() | IDS, st.none() | IDS)
SCHEME = IdScheme.new()


@settings(max_examples=300, deadline=None)
@given(first=SCOPES, second=SCOPES, text=st.sampled_from(["tea", "x|y", "a\x1fb"]))
def test_two_different_scopes_never_share_an_id(first: Scope, second: Scope, text: str) -> None:
    with using(SCHEME):
        same = memory_id(first, "message", text, role="user") == memory_id(
            second, "message", text, role="user"
        )
    assert same == (first == second)


@settings(max_examples=300, deadline=None)
@given(first=st.lists(IDS, min_size=1, max_size=4), second=st.lists(IDS, min_size=1, max_size=4))
def test_two_different_keys_never_share_an_id(first: list[str], second: list[str]) -> None:
    same = scheme_keyed_id(SCHEME, tuple(first)) == scheme_keyed_id(SCHEME, tuple(second))
    assert same == (first == second)


def test_the_reported_collision_makes_two_memories(memory: Memory) -> None:
    a = memory.add("I like tea", user_id="a|agent_id=b", agent_id="c")["results"][0]
    b = memory.add("I like tea", user_id="a", agent_id="b|agent_id=c")["results"][0]
    assert (a["event"], b["event"]) == ("ADD", "ADD") and a["id"] != b["id"]
    memory.delete(b["id"])
    assert memory.get(a["id"]) is not None  # B's erasure never touches A's memory
    keyed = memory.records.keyed_id
    assert keyed("alice\x1eprefs") != keyed("alice", "prefs")


def test_ids_are_deterministic_in_a_home_and_unguessable_outside(
    fast_tmp: Path, embedder: LocalEmbedder
) -> None:
    homes = [fast_tmp / "one", fast_tmp / "two"]
    ids = []
    for home in homes:
        with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
            ids.append(memory.add("I like tea", user_id="alice")["results"][0]["id"])
    assert ids[0] != ids[1]  # same write, another home: another id
    with using(IdScheme(1)):  # nor is it the public formula of the old scheme
        assert memory_id(Scope("alice"), "message", "I like tea", role="user") not in ids
    with Memory(MemoryConfig(home=homes[0]), embedder=embedder) as memory:
        [again] = memory.add("I like tea", user_id="alice")["results"]
        assert (again["event"], again["id"]) == ("NONE", ids[0])  # still one memory
        assert memory.records.keyed_id("k") == memory.records.keyed_id("k")


def test_a_home_written_by_the_previous_release_keeps_working(
    fast_tmp: Path, embedder: LocalEmbedder
) -> None:
    """The fixture was made by ``fixtures/make_home_0_1_0.py`` run on release 0.1.0 (commit
    7675a5e): two memories, a keyed record and an erased one."""
    home = fast_tmp / "old"
    with tarfile.open(FIXTURES / "home-0.1.0.tar.xz") as archive:
        archive.extractall(home, filter="data")
    expected = json.loads((home / "expected.json").read_text())
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        tea = memory.get(expected["tea"], user_id="alice")
        assert tea is not None and tea["memory"] == "I like green tea"
        [again] = memory.add("I like green tea", user_id="alice")["results"]
        assert (again["event"], again["id"]) == ("NONE", expected["tea"])  # still deduplicates
        assert memory.records.keyed_id("prefs", "alice", "theme") == expected["keyed"]
        [record] = memory.records.get([expected["keyed"]])
        assert record.metadata == {"theme": "dark"}
        hits = memory.search("where is home?", user_id="alice")["results"]
        assert expected["paris"] in [h["id"] for h in hits]
        memory.add("a new memory", user_id="carol")
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:  # and stays so
        assert memory.engine.id_scheme.version == 1
        assert len(memory.get_all(user_id="alice")["results"]) == 3  # two and the keyed one
    shutil.rmtree(home)
