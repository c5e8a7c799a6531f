"""LlamaIndex models driving the engine: a LlamaIndex LLM as the engine's LLM (one structured
call per inferred add — through LlamaIndex's structured output for a function-calling model,
through JSON validated by the engine otherwise) and a LlamaIndex embedding model as its embedder.

The LLMs are scripted peers at LlamaIndex's LLM interface (no network): a ``CustomLLM`` that
answers from a script, and LlamaIndex's ``MockFunctionCallingLLM`` answering with a tool call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    CompletionResponse,
    LLMMetadata,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import Field
from llama_index.core.llms.custom import CustomLLM
from llama_index.core.llms.mock import MockFunctionCallingLLM
from memory_core_llamaindex import EngineEmbedding, LlamaIndexEmbedder, LlamaIndexLLM
from pydantic import BaseModel

from memory_core import Memory, MemoryConfig
from memory_core.adapters import LLMReply
from memory_core.errors import LLMError

ADD = {
    "operations": [{
        "event": "ADD", "id": None, "text": "Alice is vegetarian", "valid_from": None,
        "valid_until": None, "entities": ["Alice"],
    }],
    "relations": [],
}  # fmt: skip


class Answer(BaseModel):
    city: str


class ScriptedLLM(CustomLLM):
    """Answers each call with the next scripted text (the last one repeats); records prompts."""

    replies: list[str]
    prompts: list[str] = Field(default_factory=list)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted")

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        self.prompts.append(prompt)
        return CompletionResponse(text=self.replies[min(len(self.prompts), len(self.replies)) - 1])

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError("the engine never streams")


def _engine(home: Path, llm: Any, embedder: Any) -> Memory:
    return Memory(MemoryConfig(home=home), llm=LlamaIndexLLM(llm), embedder=embedder)


def test_a_plain_llamaindex_llm_makes_one_json_call_per_inferred_add(
    fast_tmp: Path, embedder: Any
) -> None:
    llm = ScriptedLLM(replies=[f"Sure:\n```json\n{json.dumps(ADD)}\n```"])
    with _engine(fast_tmp / "h", llm, embedder) as memory:
        result = memory.add("Hi, I'm Alice and I never eat meat.", user_id="alice")
        assert [e["event"] for e in result["results"]] == ["ADD"]
        assert result["usage"]["llm_calls"] == 1 and len(llm.prompts) == 1
        assert '"operations"' in llm.prompts[0]  # the schema went with the request
        found = memory.search("what does Alice eat?", user_id="alice")["results"]
        assert found[0]["memory"] == "Alice is vegetarian"


def test_a_function_calling_llamaindex_llm_answers_through_structured_output(
    fast_tmp: Path, embedder: Any
) -> None:
    calls: list[Sequence[ChatMessage]] = []

    def answer(messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
        calls.append(messages)
        [tool] = kwargs["tools"]
        block = ToolCallBlock(tool_call_id="c1", tool_name=tool.metadata.name, tool_kwargs=ADD)
        return ChatMessage(role="assistant", blocks=[block])

    llm = MockFunctionCallingLLM(response_generator=answer)
    with _engine(fast_tmp / "h", llm, embedder) as memory:
        result = memory.add("Hi, I'm Alice and I never eat meat.", user_id="alice")
        assert [e["memory"] for e in result["results"]] == ["Alice is vegetarian"]
        assert len(calls) == 1


async def test_a_reply_outside_the_schema_is_repaired_once_then_refused() -> None:
    repaired = LlamaIndexLLM(ScriptedLLM(replies=['{"town": "Lisbon"}', '{"city": "Lisbon"}']))
    reply: LLMReply[Answer] = await repaired.structured([{"role": "user", "content": "?"}], Answer)
    assert reply.value.city == "Lisbon" and reply.usage.calls == 2
    stubborn = LlamaIndexLLM(ScriptedLLM(replies=["no JSON here"]))
    with pytest.raises(LLMError, match="no usable Answer reply, even after one repair retry"):
        await stubborn.structured([{"role": "user", "content": "?"}], Answer)


def test_a_llamaindex_embedding_model_is_the_engine_embedder(
    fast_tmp: Path, engine_memory: Memory
) -> None:
    """The engine's own model lent to LlamaIndex and back: the second engine embeds with it."""
    bridged = LlamaIndexEmbedder(EngineEmbedding(engine_memory))
    with Memory(MemoryConfig(home=fast_tmp / "bridged"), embedder=bridged) as memory:
        memory.add("Bob is allergic to peanuts", user_id="bob", infer=False)
        memory.add("The meeting moved to Friday", user_id="bob", infer=False)
        found = memory.search("food allergy", user_id="bob")["results"]
        assert found[0]["memory"] == "Bob is allergic to peanuts"
    assert len(EngineEmbedding(engine_memory).get_text_embedding("peanuts")) == 384
