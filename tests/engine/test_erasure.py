"""Erasure that erases: once an erasing call returns and the engine closes, no byte of the
erased text, metadata or entity names is left in any file under the home."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.filters import Cond
from memory_core.records import RecordWrite, keyed_id, keyed_record
from memory_core.stores.vector import edge_compaction as ec
from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion

TEXT, META, ENTITY = "ZQXTEXT7", "ZQXMETA7", "Zqxentity7"


def files_holding(home: Path, *markers: str) -> list[str]:
    """Every file under ``home`` that holds one of ``markers`` (as UTF-8 bytes)."""
    found = []
    for path in sorted(home.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(home)}: {m}" for m in markers if m.encode() in data]
    return found


def _fill(memory: Memory) -> None:
    """Other users' memories, which must survive every erasure."""
    for i in range(30):
        memory.add(f"unrelated memory {i}", user_id="keep", metadata={"i": i}, infer=False)


def _secret(memory: Memory, **scope: str) -> str:
    [event] = memory.add(f"my secret is {TEXT}", metadata={"tag": META}, **scope)["results"]
    return event["id"]


def _keyed(memory: Memory, expires_at: float | None = None) -> str:
    rid = keyed_id("ns", "secret")
    record = keyed_record(rid, f"value {TEXT}", {"v": META}, user_id="u", expires_at=expires_at)
    memory.records.put([RecordWrite(record, f"value {TEXT}")])
    return rid


ERASURES: dict[str, Callable[[Memory], None]] = {
    "delete": lambda m: m.delete(_secret(m, user_id="u")),
    "delete_all": lambda m: (_secret(m, user_id="u", agent_id="a"), m.delete_all(user_id="u")),
    "reset_scope": lambda m: (_secret(m, user_id="u", run_id="r"), m.reset(user_id="u")),
    "reset_everything": lambda m: (_secret(m, user_id="u"), m.reset(everything=True)),
    "records_delete": lambda m: m.records.put([], delete=[_keyed(m)]),
    "records_delete_where": lambda m: (_keyed(m), m.records.delete_where(_user("u"))),
    "ttl_sweep": lambda m: _expire(m),
}


def _expire(memory: Memory) -> None:
    _keyed(memory, expires_at=time.time() + 0.2)
    time.sleep(0.3)
    assert memory.records.sweep() == 1


def _user(user_id: str) -> Any:
    return Cond("user_id", "eq", user_id)


@pytest.mark.parametrize("erase", list(ERASURES), ids=list(ERASURES))
def test_no_byte_of_an_erased_memory_stays_under_the_home(
    home: Path, embedder: LocalEmbedder, erase: str
) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        _fill(memory)
        ERASURES[erase](memory)
    assert files_holding(home, TEXT, META) == []
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:  # and it reopens
        survivors = memory.get_all(user_id="keep", limit=100)["results"]
        assert len(survivors) == (0 if erase == "reset_everything" else 30)
        assert memory.search("secret", user_id="u")["results"] == []
    assert files_holding(home, TEXT, META) == []


def test_reset_everything_leaves_no_vector_files(home: Path, embedder: LocalEmbedder) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        _fill(memory)
        memory.reset(everything=True)
    assert not any(p.is_file() for p in (home / "vectors").rglob("*"))


def test_the_journal_stays_bounded(home: Path, embedder: LocalEmbedder) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        _fill(memory)
        memory.delete_all(user_id="keep")
        assert memory.stats()["journal_pending"] == 0
    with sqlite3.connect(home / "history.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0


# --- entity names (the graph), with a scripted LLM naming them --------------------------


@pytest.fixture
def llm(embedder: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=embedder) as server:
        yield server


def _remember_with_entities(memory: Memory, llm: ScriptedOpenAIServer, user: str) -> str:
    body = {
        "operations": [{"event": "ADD", "id": None, "text": f"{ENTITY} knows {TEXT}",
                        "valid_from": None, "valid_until": None, "entities": [ENTITY]}],
        "relations": [{"source": ENTITY, "relationship": "knows", "destination": TEXT}],
    }  # fmt: skip
    llm.clear()
    llm.script(Reply(chat_completion(body, prompt_tokens=10, completion_tokens=5)))
    [event] = memory.add("tell me", user_id=user)["results"]
    return event["id"]


@pytest.mark.parametrize("how", ["delete", "delete_all"])
def test_entity_names_of_an_erased_scope_go_too(
    home: Path, embedder: LocalEmbedder, llm: ScriptedOpenAIServer, how: str
) -> None:
    config = MemoryConfig(
        home=home,
        llm={"model": "scripted", "base_url": llm.base_url, "api_key": "t", "max_retries": 0},
        graph_store={"provider": "sqlite"},
    )
    with Memory(config, embedder=embedder) as memory:
        _fill(memory)
        mid = _remember_with_entities(memory, llm, "u")
        assert memory.relations(user_id="u")
        assert files_holding(home, ENTITY)  # it was written somewhere
        if how == "delete":
            memory.delete(mid)
        else:
            memory.delete_all(user_id="u")
    assert files_holding(home, TEXT, ENTITY) == []
    assert json.dumps(files_holding(home, "knows")) == "[]"


# --- the rebuild survives a crash at any step ------------------------------------------


@pytest.mark.parametrize("stop_after", ["rebuild", "first_rename", "second_rename"])
def test_an_interrupted_rebuild_is_finished_or_undone_on_open(
    home: Path, embedder: LocalEmbedder, stop_after: str
) -> None:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        _fill(memory)
        memory.delete(_secret(memory, user_id="u"))
    # close() rebuilt the shard; put the home back into each state a crash could leave
    shard_dir = home / "vectors" / "memories"
    ec.mark_erased(shard_dir)
    fresh, old = Path(f"{shard_dir}.compacting"), Path(f"{shard_dir}.erased")
    assert not fresh.exists() and not old.exists()
    shutil.copytree(shard_dir, fresh)
    (fresh / ec.ERASED).unlink()
    (fresh / ec.COMPLETE).touch()
    if stop_after in ("first_rename", "second_rename"):
        os.rename(shard_dir, old)
    if stop_after == "second_rename":
        os.rename(fresh, shard_dir)
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        assert len(memory.get_all(user_id="keep", limit=100)["results"]) == 30
    assert not fresh.exists() and not old.exists()
    assert not (shard_dir / ec.COMPLETE).exists()
    assert files_holding(home, TEXT, META) == []
