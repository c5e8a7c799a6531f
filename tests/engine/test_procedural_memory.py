"""Procedural memory through the engine: one current procedure per agent and task, newer runs
supersede older ones, history keeps every version; with or without an LLM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import InvalidInputError
from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion


def run(city: str, temperature: str) -> list[dict[str, Any]]:
    """A small agent trace: a tool call, its result, a final answer."""
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": f'{{"city": "{city}"}}'},
    }
    return [
        {"role": "user", "content": f"What's the weather in {city}?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": f"{temperature}, sunny"},
        {"role": "assistant", "content": f"It is {temperature} and sunny in {city}."},
    ]


def test_runs_become_versioned_procedures_without_an_llm(memory: Memory) -> None:
    scope = {"agent_id": "weather-bot", "user_id": "u"}
    [first] = memory.add(
        run("Paris", "21C"), **scope, memory_type="procedural", metadata={"task": "weather"}
    )["results"]
    assert first["event"] == "ADD"
    stored = memory.get(first["id"])
    assert stored["kind"] == "procedure" and stored["metadata"]["task"] == "weather"
    assert stored["procedure"]["status"] == "completed"
    assert stored["procedure"]["steps"][0]["result"] == "21C, sunny"  # verbatim
    assert "get_weather" in stored["memory"]

    again = memory.add(
        run("Paris", "21C"), **scope, memory_type="procedural", metadata={"task": "weather"}
    )["results"]
    assert again == [{**first, "event": "NONE"}]
    [second] = memory.add(
        run("Oslo", "3C"), **scope, memory_type="procedural", metadata={"task": "weather"}
    )["results"]
    assert second["event"] == "UPDATE" and second["previous_id"] == first["id"]
    assert memory.get(second["id"])["supersedes"] == first["id"]
    assert memory.get(first["id"])["expired_at"] is not None

    current = memory.procedures("weather-bot", user_id="u")["results"]
    assert [p["id"] for p in current] == [second["id"]]
    assert (
        len(memory.procedures("weather-bot", task="weather", include_expired=True)["results"]) == 2
    )
    assert [h["event"] for h in memory.history(first["id"])] == ["ADD", "UPDATE"]
    hits = memory.search("weather in Oslo", user_id="u", kind="procedure")["results"]
    assert [h["id"] for h in hits] == [second["id"]]
    assert memory.search("weather", user_id="u", kind="message")["results"] == []


def test_tasks_are_kept_apart(memory: Memory) -> None:
    for task in ("weather", "news"):
        memory.add(
            run("Rome", "25C"), agent_id="bot", memory_type="procedural", metadata={"task": task}
        )
    tasks = sorted(p["metadata"]["task"] for p in memory.procedures("bot")["results"])
    assert tasks == ["news", "weather"]


def test_procedural_needs_an_agent_and_a_known_type(memory: Memory) -> None:
    with pytest.raises(InvalidInputError, match="agent_id"):
        memory.add(run("Rome", "25C"), user_id="u", memory_type="procedural")
    with pytest.raises(InvalidInputError, match="procedural"):
        memory.add(run("Rome", "25C"), agent_id="a", memory_type="episodic")  # type: ignore[arg-type]


@pytest.fixture
def scripted(embedder: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=embedder) as server:
        yield server


def test_with_an_llm_the_llm_writes_the_summary(
    home: Path, scripted: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    summary = {
        "task": "ignored: the given task wins",
        "status": "completed",
        "overview": "Looked up the weather in Paris and answered.",
        "steps": [
            {
                "number": 1,
                "action": "get_weather(Paris)",
                "result": "21C, sunny",
                "key_findings": ["Paris is sunny"],
                "errors": [],
                "context": None,
            }
        ],
    }
    scripted.script(Reply(chat_completion(summary, prompt_tokens=300, completion_tokens=80)))
    config = MemoryConfig(
        home=home,
        llm={"model": "m", "base_url": scripted.base_url, "api_key": "k"},
        inference={"custom_instructions": "Mention the city."},
    )
    with Memory(config, embedder=embedder) as memory:
        result = memory.add(
            run("Paris", "21C"),
            agent_id="bot",
            memory_type="procedural",
            metadata={"task": "weather"},
        )
        [event] = result["results"]
        assert result["usage"] == {"llm_calls": 1, "prompt_tokens": 300, "completion_tokens": 80}
        stored = memory.get(event["id"])
        assert stored["procedure"]["task"] == "weather"
        assert stored["procedure"]["steps"][0]["key_findings"] == ["Paris is sunny"]
    [body] = scripted.bodies()
    prompt = "\n".join(m["content"] for m in body["messages"])
    assert "Mention the city." in prompt and "21C, sunny" in prompt
