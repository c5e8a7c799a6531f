"""The LangGraph cookbook: offline it remembers the user in a new thread; with OPENAI_* set the
same agent runs on ``ChatOpenAI`` against an OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion


def test_cookbook_remembers_the_user_across_threads(
    fast_tmp: Path, cookbook: Callable[[str], ModuleType]
) -> None:
    said = cookbook("langgraph_remember_user").main(home=fast_tmp / "home")
    recalled = said[0].splitlines()  # the second thread's recall found the first thread's facts
    assert "- Alice is vegetarian" in recalled
    assert "- Hi! I'm Alice, and I'm vegetarian." in recalled  # formed by the checkpointer
    assert said[1].startswith("Since you're vegetarian")
    assert "vegetarian" in said[2]


def test_cookbook_runs_on_an_openai_compatible_model(
    fast_tmp: Path, cookbook: Callable[[str], ModuleType], model_server: ScriptedOpenAIServer
) -> None:
    model_server.script(Reply(chat_completion("Try the falafel place.")))
    said = cookbook("langgraph_remember_user").main(home=fast_tmp / "home")
    assert said[0] == "Try the falafel place."  # the server's answer, verbatim
    _monday, friday = model_server.bodies()
    assert friday["model"] == "scripted-chat"
    assert friday["messages"][-1] == {"role": "user", "content": "Where should I eat tonight?"}
    offered = {tool["function"]["name"] for tool in friday["tools"]}
    assert offered == {"save_memory", "search_memories"}
    # No tool was called, yet the checkpointer handed Monday's conversation to the engine.
    assert said[1] == "Engine search for alice: Hi! I'm Alice, and I'm vegetarian."
