"""The LlamaIndex cookbook: offline it recalls Monday's session on Friday; with OPENAI_* set
the same chat engine runs on ``OpenAILike`` against an OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion


def test_cookbook_recalls_the_user_across_sessions(
    fast_tmp: Path, cookbook: Callable[[str], ModuleType]
) -> None:
    friday = cookbook("llamaindex_chat_memory").main(home=fast_tmp / "home")
    seen = friday["shown"]
    assert "<long_term_memory>" in seen
    assert "vegetarian and I'm allergic to peanuts" in seen  # Monday's words, flushed to the block


def test_cookbook_runs_on_an_openai_compatible_model(
    fast_tmp: Path, cookbook: Callable[[str], ModuleType], model_server: ScriptedOpenAIServer
) -> None:
    model_server.script(Reply(chat_completion("Mushroom risotto, no peanuts.")))
    friday = cookbook("llamaindex_chat_memory").main(home=fast_tmp / "home")
    assert friday["answer"] == "Mushroom risotto, no peanuts."  # the server's, verbatim
    bodies = model_server.bodies()
    assert len(bodies) == 5  # four turns on Monday, one on Friday
    last = bodies[-1]
    assert last["model"] == "scripted-chat"
    assert last["messages"][-1] == {
        "role": "user",
        "content": "Can you suggest a dinner for me tonight?",
    }
    [system] = [m for m in last["messages"] if m["role"] == "system"]
    assert "allergic to peanuts" in system["content"]  # Monday, recalled by the block
    assert system["content"] == friday["shown"]  # what the cookbook prints is what was sent
