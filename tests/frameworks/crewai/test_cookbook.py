"""The CrewAI cookbook: offline the designer builds on what the researcher saved; with OPENAI_*
set the same crew runs on CrewAI's native OpenAI provider against an OpenAI-compatible server
(this folder's conftest fails any connection beyond 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion


def test_cookbook_crew_shares_memory(fast_tmp: Path, cookbook: Callable[[str], ModuleType]) -> None:
    outcome = cookbook("crewai_shared_memory").main(home=fast_tmp / "home")
    assert outcome["proposal"] == "A teal logo with a black-and-white variant."
    assert "Acme's brand colour is teal" in outcome["engine_sees"]


def test_cookbook_runs_on_an_openai_compatible_model(
    fast_tmp: Path, cookbook: Callable[[str], ModuleType], model_server: ScriptedOpenAIServer
) -> None:
    model_server.script(Reply(chat_completion("A teal wordmark.")))
    outcome = cookbook("crewai_shared_memory").main(home=fast_tmp / "home")
    assert outcome["proposal"] == "A teal wordmark."  # the server's answer, verbatim
    researcher, designer = model_server.bodies()
    assert {researcher["model"], designer["model"]} == {"scripted-chat"}
    assert "You are Researcher." in researcher["messages"][0]["content"]
    assert "You are Designer." in designer["messages"][0]["content"]
    offered = {tool["function"]["name"] for tool in designer["tools"]}
    assert "memory_search" in offered  # our scoped tool, through CrewAI's native tool calling
    # The crew's memory (EngineMemory) stored the researcher's outcome in Acme's scope.
    assert any("Acme's brief" in memory for memory in outcome["engine_sees"])
