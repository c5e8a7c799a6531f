"""Lossless export/import: relations, validity, supersede chains and history dates survive a
round trip into a new home, compared field by field."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memory_core import Memory, MemoryConfig
from memory_core.cli import app
from memory_core.embeddings import LocalEmbedder
from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion


@pytest.fixture
def llm(embedder: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=embedder) as server:
        yield server


def _config(home: Path, llm: ScriptedOpenAIServer) -> MemoryConfig:
    return MemoryConfig(
        home=home,
        llm={"model": "scripted", "base_url": llm.base_url, "api_key": "t", "max_retries": 0},
        graph_store={"provider": "sqlite"},
    )


def _fill(memory: Memory, llm: ScriptedOpenAIServer) -> None:
    body = {
        "operations": [{"event": "ADD", "id": None, "text": "Alice works at Acme",
                        "valid_from": "2021-03-01T00:00:00Z", "valid_until": None,
                        "entities": ["Alice", "Acme"]}],
        "relations": [{"source": "Alice", "relationship": "works at", "destination": "Acme"}],
    }  # fmt: skip
    llm.script(Reply(chat_completion(body, prompt_tokens=10, completion_tokens=5)))
    memory.add("I'm Alice and I work at Acme", user_id="alice")
    [note] = memory.add("likes tea", user_id="alice", infer=False, metadata={"k": [1, {"x": 2}]})[
        "results"
    ]
    time.sleep(0.01)
    memory.update(note["id"], "likes green tea")  # history: ADD then UPDATE, two dates
    trace = [{"role": "user", "content": "book a table"}, {"role": "assistant", "content": "done"}]
    for _ in range(2):  # a newer procedure supersedes the older one: a chain
        memory.add(
            trace, agent_id="bot", memory_type="procedural", metadata={"task": "book"}, infer=False
        )
        trace = [*trace, {"role": "assistant", "content": "and confirmed"}]
    memory.add("from the past", user_id="bob", infer=False, valid_from="2020-01-01T00:00:00Z")


def _by_id(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["id"]: line for line in lines}


def test_a_round_trip_keeps_every_field(
    fast_tmp: Path, embedder: LocalEmbedder, llm: ScriptedOpenAIServer
) -> None:
    with Memory(_config(fast_tmp / "a", llm), embedder=embedder) as source:
        _fill(source, llm)
        exported = source.export_dump()
        relations = source.relations(user_id="alice")
    assert any(line["relations"] for line in exported)
    assert any(line["supersedes"] for line in exported)
    assert any(len(line["history"]) == 2 for line in exported)
    with Memory(_config(fast_tmp / "b", llm), embedder=embedder) as target:
        assert target.import_records(json.loads(json.dumps(exported))) == len(exported)
        again = target.export_dump()
        assert target.relations(user_id="alice") == relations
        assert target.import_records(exported) == 0  # importing twice changes nothing
    before, after = _by_id(exported), _by_id(again)
    assert before.keys() == after.keys()
    for memory_id, line in before.items():
        for field, value in line.items():
            assert after[memory_id][field] == value, (memory_id, field)


def test_the_cli_round_trip_is_lossless(
    fast_tmp: Path, embedder: LocalEmbedder, llm: ScriptedOpenAIServer
) -> None:
    with Memory(_config(fast_tmp / "a", llm), embedder=embedder) as source:
        _fill(source, llm)
        exported = source.export_dump()
    dump = fast_tmp / "dump.jsonl"
    runner = CliRunner()
    out = runner.invoke(app, ["--home", str(fast_tmp / "a"), "export", "--out", str(dump)])
    assert out.exit_code == 0, out.output
    config = fast_tmp / "b.json"
    config.write_text(
        json.dumps({"home": str(fast_tmp / "b"), "graph_store": {"provider": "sqlite"}})
    )
    back = runner.invoke(app, ["--config", str(config), "import", str(dump)])
    assert back.exit_code == 0, back.output
    with Memory(_config(fast_tmp / "b", llm), embedder=embedder) as target:
        assert _by_id(target.export_dump()) == _by_id(exported)
