"""The LlamaIndex cookbook runs offline and recalls Monday's session on Friday."""

from __future__ import annotations

import importlib.util
from pathlib import Path

COOKBOOK = Path(__file__).parents[3] / "cookbooks" / "llamaindex_chat_memory.py"


def test_cookbook_recalls_the_user_across_sessions(fast_tmp: Path) -> None:
    spec = importlib.util.spec_from_file_location("llamaindex_chat_memory", COOKBOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seen = module.main(home=fast_tmp / "home")
    assert "<long_term_memory>" in seen
    assert "vegetarian and I'm allergic to peanuts" in seen  # Monday's words, flushed to the block
