"""The cross-framework cookbook: what a LangGraph node stores for alice, every framework's
native object recalls; bob sees none of it; the throwaway home is gone afterwards."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest


def test_every_framework_recalls_alices_fact_and_none_shows_it_to_bob(
    fast_tmp: Path, cookbook: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(fast_tmp))  # where main() makes its home
    found = cookbook("cross_framework_memory").main()
    fact = "Alice's favourite city is Lisbon"
    alice, bob = found["alice"], found["bob"]
    assert f"- {fact} (noted " in alice["llamaindex"]  # in a new chat's system message
    assert alice["langchain"][0] == fact  # the retriever's best Document
    assert f"- {fact} (noted " in alice["crewai"]  # what the agent's tool returns
    assert alice["langgraph"][0] == {"content": fact}  # the value the node put, as it was put
    assert alice["engine"][0] == fact
    assert bob == {"llamaindex": "", "langchain": [], "crewai": "No relevant memories found.",
                   "langgraph": [], "engine": []}  # fmt: skip
    assert list(fast_tmp.iterdir()) == []  # the cookbook's home was deleted
