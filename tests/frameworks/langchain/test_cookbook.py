"""The LangChain cookbook: offline it recalls across threads and updates the right memory; with
OPENAI_* set it runs the same agent on ``ChatOpenAI`` against an OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion


def test_cookbook_recalls_and_updates_across_threads(
    fast_tmp: Path, cookbook: Callable[[str], ModuleType]
) -> None:
    shown = cookbook("langchain_agent_memory").main(home=fast_tmp / "home")
    recalled, held = shown["recalled"], shown["held"]
    assert recalled.startswith("You are a helpful assistant.\n\n")
    assert "I live in Lisbon." in recalled  # Monday's words, in Friday's prompt
    assert "I live in Porto." in held  # the tool updated the memory it found, in place
    assert "Hi, I'm Alice. I live in Lisbon." not in held
    assert "I moved to Porto last week." in held  # Friday's turn, captured in the background
    assert shown["answers"] == ["Nice to meet you, Alice!", "Updated: you live in Porto now."]


def test_cookbook_runs_on_an_openai_compatible_model(
    fast_tmp: Path, cookbook: Callable[[str], ModuleType], model_server: ScriptedOpenAIServer
) -> None:
    model_server.script(Reply(chat_completion("Noted, Alice.")))
    shown = cookbook("langchain_agent_memory").main(home=fast_tmp / "home")
    assert shown["answers"] == ["Noted, Alice.", "Noted, Alice."]  # the server's, verbatim
    monday, friday = model_server.bodies()  # one model call per turn: no tool was called
    assert {monday["model"], friday["model"]} == {"scripted-chat"}
    offered = {tool["function"]["name"] for tool in friday["tools"]}
    assert {"search_memory", "update_memory"} <= offered  # the middleware's memory tools
    system = friday["messages"][0]
    assert system["role"] == "system" and "I live in Lisbon." in system["content"]
    assert system["content"] == shown["recalled"]  # what the cookbook prints is what was sent
    assert "I moved to Porto last week." in shown["held"]
