"""The LangGraph cookbook runs offline and remembers the user in a new thread."""

from __future__ import annotations

import importlib.util
from pathlib import Path

COOKBOOK = Path(__file__).parents[3] / "cookbooks" / "langgraph_remember_user.py"


def test_cookbook_remembers_the_user_across_threads(fast_tmp: Path) -> None:
    spec = importlib.util.spec_from_file_location("langgraph_remember_user", COOKBOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    said = module.main(home=fast_tmp / "home")
    recalled = said[0].splitlines()  # the second thread's recall found the first thread's facts
    assert "- Alice is vegetarian" in recalled
    assert "- Hi! I'm Alice, and I'm vegetarian." in recalled  # formed by the checkpointer
    assert said[1].startswith("Since you're vegetarian")
    assert "vegetarian" in said[2]
