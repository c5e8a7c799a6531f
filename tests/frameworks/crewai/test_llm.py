"""A CrewAI LLM as the engine's LLM: structured output through response_model, JSON text
validated with one repair retry, and the engine's one-call extraction driven by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from memory_core_crewai.llm import CrewAIChatModel
from memory_core_crewai.testing import ScriptedLLM
from pydantic import BaseModel

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import LLMError


class City(BaseModel):
    name: str
    country: str


ASK = [{"role": "user", "content": "Where does Ana live?"}]


async def test_response_model_instance_is_the_reply() -> None:
    llm = ScriptedLLM(replies={"": [lambda _: City(name="Lisbon", country="PT")]})
    reply = await CrewAIChatModel(llm).structured(ASK, City)
    assert reply.value == City(name="Lisbon", country="PT") and reply.usage.calls == 1
    assert "JSON" in llm.prompts[0][1]  # the schema instructions went along


async def test_json_text_is_validated_and_repaired_once() -> None:
    llm = ScriptedLLM(replies={"": ['```json\n{"name": "Lisbon"}\n```',
                                    '{"name": "Lisbon", "country": "PT"}']})  # fmt: skip
    reply = await CrewAIChatModel(llm).structured(ASK, City)
    assert reply.value.country == "PT" and reply.usage.calls == 2
    assert "could not be used" in llm.prompts[1][1]  # the repair said what was wrong


async def test_unusable_twice_is_llm_error_without_the_text() -> None:
    llm = ScriptedLLM(replies={"": ["SECRET-PROSE one", "SECRET-PROSE two"]})
    with pytest.raises(LLMError) as error:
        await CrewAIChatModel(llm).structured(ASK, City)
    assert "SECRET" not in str(error.value) and error.value.usage == {
        "llm_calls": 2, "prompt_tokens": 0, "completion_tokens": 0}  # fmt: skip


def test_engine_extracts_with_a_crewai_llm(fast_tmp: Path, embedder: LocalEmbedder) -> None:
    operation = {"event": "ADD", "id": None, "text": "Ana lives in Lisbon", "valid_from": None,
                 "valid_until": None, "entities": ["Ana", "Lisbon"]}  # fmt: skip
    llm = ScriptedLLM(replies={"": [json.dumps({"operations": [operation], "relations": []})]})
    config = MemoryConfig(home=fast_tmp / "home", graph_store={"provider": "none"})
    with Memory(config, embedder=embedder, llm=CrewAIChatModel(llm)) as memory:
        added = memory.add("Hi, I'm Ana and I just moved to Lisbon!", user_id="ana")
        assert [e["memory"] for e in added["results"]] == ["Ana lives in Lisbon"]
        assert memory.search("where does Ana live", user_id="ana")["results"][0]["memory"] == (
            "Ana lives in Lisbon"
        )
