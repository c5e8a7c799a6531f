"""The LangChain cookbook runs offline, recalls across threads and updates the right memory."""

from __future__ import annotations

import importlib.util
from pathlib import Path

COOKBOOK = Path(__file__).parents[3] / "cookbooks" / "langchain_agent_memory.py"


def test_cookbook_recalls_and_updates_across_threads(fast_tmp: Path) -> None:
    spec = importlib.util.spec_from_file_location("langchain_agent_memory", COOKBOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recalled, *held = module.main(home=fast_tmp / "home")
    assert recalled.startswith("You are a helpful assistant.\n\n")
    assert "I live in Lisbon." in recalled  # Monday's words, in Friday's prompt
    assert "I live in Porto." in held  # the tool updated the memory it found, in place
    assert "Hi, I'm Alice. I live in Lisbon." not in held
    assert "I moved to Porto last week." in held  # Friday's turn, captured in the background
