"""A LangChain chat model as the engine's LLM (ChatModelLLM, scripted at the protocol boundary)
and LangChain embeddings as its embedder (the bridge)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from memory_core_langchain import ChatModelLLM, EngineEmbeddings, LangChainEmbedder
from memory_core_langchain.testing import ScriptedChatModel, tool_call
from pydantic import BaseModel

from memory_core import AsyncMemory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import LLMError

ADD_VEGETARIAN = {
    "operations": [{"event": "ADD", "id": None, "text": "Alice is vegetarian",
                    "valid_from": None, "valid_until": None, "entities": ["Alice"]}],
    "relations": [],
}  # fmt: skip


class Answer(BaseModel):
    city: str
    year: int


def _answer_with(model: ScriptedChatModel, args: dict[str, Any]) -> Any:
    """A step that calls the tool the structured-output wrapper bound (named after the schema)."""

    def step(prompt: list[BaseMessage]) -> AIMessage:
        return tool_call(model.tools_offered[-1][0], args, "structured")

    return step


async def test_a_chat_model_and_embeddings_drive_the_engine(
    fast_tmp: Path, embedder: LocalEmbedder
) -> None:
    """The inferred add is one structured call through the model's own structured output."""
    model = ScriptedChatModel()
    model.script.append(_answer_with(model, ADD_VEGETARIAN))
    llm = ChatModelLLM(model)
    # LangChain Embeddings (here the local model seen through LangChain) as the engine's embedder
    lc_embeddings = LangChainEmbedder(EngineEmbeddings(embedder), dims=384)
    config = MemoryConfig(home=fast_tmp / "h")
    async with AsyncMemory(config, embedder=lc_embeddings, llm=llm) as engine:
        added = await engine.add("I'm Alice and I never eat meat.", user_id="alice")
        assert [(e["event"], e["memory"]) for e in added["results"]] == [
            ("ADD", "Alice is vegetarian")
        ]
        assert added["usage"]["llm_calls"] == 1 and len(model.prompts) == 1
        assert model.tools_offered == [["MemoryOperations"]]  # the model's own structured output
        found = await engine.search("diet", user_id="alice")
        assert found["results"][0]["memory"] == "Alice is vegetarian"


async def test_an_invalid_reply_gets_one_repair_retry() -> None:
    model = ScriptedChatModel()
    model.script += [_answer_with(model, {"city": "Lisbon"}),
                     _answer_with(model, {"city": "Lisbon", "year": 2024})]  # fmt: skip
    reply = await ChatModelLLM(model).structured([{"role": "user", "content": "?"}], Answer)
    assert reply.value == Answer(city="Lisbon", year=2024) and reply.usage.calls == 2
    repair = model.prompts[1][-1].text
    assert "year" in repair and "Reply again" in repair  # the engine's repair request


async def test_two_bad_replies_raise_llm_error() -> None:
    model = ScriptedChatModel(script=[AIMessage("no idea"), AIMessage("still no idea")])
    with pytest.raises(LLMError, match="even after one repair retry"):
        await ChatModelLLM(model).structured([{"role": "user", "content": "?"}], Answer)


async def test_json_mode_for_a_model_without_structured_output() -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    model = FakeListChatModel(responses=['```json\n{"city": "Porto", "year": 2023}\n```'])
    reply = await ChatModelLLM(model).structured([{"role": "user", "content": "?"}], Answer)
    assert reply.value == Answer(city="Porto", year=2023)
