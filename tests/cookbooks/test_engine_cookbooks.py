"""The engine's cookbooks run offline and show what they say they show; from_mem0 also runs
with a model (the scripted OpenAI-compatible server standing in for it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion

Load = Callable[[str], ModuleType]  # the `cookbook` fixture (tests/conftest.py): offline


def test_procedural_memory(fast_tmp: Path, cookbook: Load) -> None:
    shown = cookbook("procedural_memory").main(home=fast_tmp / "home")
    assert "Error: Belcanto is full tonight" in shown["first"]["memory"]
    assert shown["current"]["supersedes"] == shown["first"]["id"]
    assert "Belcanto is full" not in shown["current"]["memory"]
    assert len(shown["versions"]) == 2
    assert shown["hits"][0]["id"] == shown["current"]["id"]


def test_graph_memory(fast_tmp: Path, cookbook: Load) -> None:
    shown = cookbook("graph_memory").main(home=fast_tmp / "home")
    lives = {r["destination"] for r in shown["relations"] if r["relationship"] == "lives_in"}
    lived = {r["destination"] for r in shown["before"] if r["relationship"] == "lives_in"}
    assert (lives, lived) == ({"Lisbon"}, {"Paris"})
    assert shown["search"]["results"][0]["memory"] == "Bob is Alice's manager at Acme"
    assert {"Bob", "Alice"} <= {r["source"] for r in shown["search"]["relations"]} | {
        r["destination"] for r in shown["search"]["relations"]
    }
    assert [e["event"] for e in shown["moved"]["results"]] == ["UPDATE"]


def test_from_mem0(fast_tmp: Path, cookbook: Load) -> None:
    shown = cookbook("from_mem0").main(home=fast_tmp / "home")
    assert [e["event"] for e in shown["added"]["results"]] == ["ADD", "ADD"]
    assert set(shown["hits"]["results"][0]) >= {"id", "memory", "score", "metadata", "user_id"}
    assert shown["changed"]["event"] == "UPDATE"
    assert shown["deleted"]["deleted"] == 2


def test_a_throwaway_home_is_removed(cookbook: Load) -> None:
    helper = cookbook("procedural_memory")._model
    with helper.home(None) as where:
        assert where.is_dir()
    assert not where.exists()


def test_from_mem0_with_a_model_extracts_facts(
    fast_tmp: Path, cookbook: Load, model_server: ScriptedOpenAIServer
) -> None:
    facts = ["Alice is vegetarian", "Alice is allergic to nuts"]
    operations = [{"event": "ADD", "id": None, "text": fact, "valid_from": None,
                   "valid_until": None, "entities": ["Alice"]} for fact in facts]  # fmt: skip
    model_server.script(Reply(chat_completion({"operations": operations, "relations": []})))
    shown = cookbook("from_mem0").main(home=fast_tmp / "home")
    assert [e["memory"] for e in shown["added"]["results"]] == facts  # the model's, not verbatim
    [request] = model_server.bodies()  # ONE call extracts and reconciles
    assert request["model"] == "scripted-chat"
    assert "I'm vegetarian and allergic to nuts." in json.dumps(request)
    assert shown["changed"]["event"] == "UPDATE"
    assert shown["deleted"]["deleted"] == 2
