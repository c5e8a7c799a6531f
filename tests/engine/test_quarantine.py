"""The second line: a journal entry that can never apply is quarantined, so the home opens."""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memory_core import Memory, MemoryConfig
from memory_core.cli import app
from memory_core.embeddings import LocalEmbedder


def _upsert(text: str, metadata_json: str) -> str:
    record = {
        "id": str(uuid.uuid4()), "text": text, "hash": "h", "user_id": "u", "kind": "message",
        "metadata": {}, "created_at": 1.0, "updated_at": 1.0,
    }  # fmt: skip
    entry = json.dumps([{"op": "upsert", "record": record, "embed_text": text}])
    return entry.replace('"metadata": {}', f'"metadata": {metadata_json}')


def _journal(home: Path, *entries: str) -> None:
    """Entries an older release could journal (it validated less), written as it wrote them."""
    with sqlite3.connect(home / "history.sqlite3") as db:
        db.executemany(
            "INSERT INTO journal (created_at, ops) VALUES (1.0, ?)", [(e,) for e in entries]
        )


@pytest.fixture
def poisoned(home: Path, embedder: LocalEmbedder) -> Path:
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        memory.add("written before", user_id="u")
    _journal(
        home,
        _upsert("nan metadata", '{"x": NaN}'),
        json.dumps([{"op": "no-such-op"}]),
        _upsert("applies fine", '{"ok": 1}'),
        _upsert("deep", "[" * 300 + "]" * 300),
        "not json at all",
    )
    return home


def test_unappliable_entries_are_quarantined_and_the_home_opens(
    poisoned: Path, embedder: LocalEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="memory_core"):
        memory = Memory(MemoryConfig(home=poisoned), embedder=embedder)
    with memory:
        texts = sorted(i["memory"] for i in memory.get_all(user_id="u")["results"])
        assert texts == ["applies fine", "written before"]  # the good entry was applied
        stats = memory.stats()
        assert (stats["journal_pending"], stats["journal_quarantined"]) == (0, 4)
        entries = memory.quarantined()
        causes = [e["cause"] for e in entries]
        assert len(causes) == 4 and all(causes)
        assert any("no-such-op" in c for c in causes)
        assert all(e["ops"] for e in entries)  # kept aside as journaled
    logged = [r.getMessage() for r in caplog.records if "quarantined" in r.getMessage()]
    assert len(logged) == 4
    # a second open replays nothing and still opens
    with Memory(MemoryConfig(home=poisoned), embedder=embedder) as memory:
        assert memory.stats()["journal_quarantined"] == 4
        assert memory.purge_quarantined([entries[0]["id"]]) == 1
        assert memory.purge_quarantined() == 3
        assert memory.quarantined() == []


def test_the_cli_lists_and_purges_the_quarantine(poisoned: Path) -> None:
    runner = CliRunner()
    args: list[Any] = ["--home", str(poisoned), "--json"]
    listed = runner.invoke(app, [*args, "journal"])
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)) == 4
    first = json.loads(listed.output)[0]["id"]
    one = runner.invoke(app, [*args, "journal", "--id", str(first)])
    assert [e["id"] for e in json.loads(one.output)] == [first]
    purged = runner.invoke(app, [*args, "journal", "--purge"])
    assert purged.exit_code == 0 and json.loads(purged.output) == {"purged": 4}
    assert json.loads(runner.invoke(app, [*args, "journal"]).output) == []
    human = runner.invoke(app, ["--home", str(poisoned), "journal"])
    assert "No quarantined journal entries" in human.output
