"""The whole memory in LlamaIndex's other chat engine and agents (``memory=``):
``ContextChatEngine`` (over a ``VectorStoreIndex`` on the engine's own embedding model),
``AgentWorkflow`` and ``ReActAgent`` — a fact from an earlier session reaches the model."""

from __future__ import annotations

from typing import Any

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent, ReActAgent
from llama_index.core.base.llms.types import CompletionResponse, LLMMetadata
from llama_index.core.bridge.pydantic import Field
from llama_index.core.chat_engine import ContextChatEngine
from llama_index.core.llms.custom import CustomLLM
from llama_index.core.llms.mock import MockFunctionCallingLLMWithChatMemoryOfLastCall
from llama_index.core.memory.memory import InsertMethod
from memory_core_llamaindex import EngineEmbedding, MemoryCoreMemory

from memory_core import Memory

FACT = "My sister Clara lives in Porto."


class ScriptedLLM(CustomLLM):
    """Answers every call with ``reply``; records the prompts it was given."""

    reply: str
    prompts: list[str] = Field(default_factory=list)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted")

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        self.prompts.append(prompt)
        return CompletionResponse(text=self.reply)

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        self.prompts.append(prompt)
        yield CompletionResponse(text=self.reply, delta=self.reply)


def _remembered(engine_memory: Memory) -> None:
    engine_memory.add(FACT, user_id="alice", run_id="earlier", infer=False)


def _memory(engine_memory: Memory, session: str, **fields: Any) -> MemoryCoreMemory:
    return MemoryCoreMemory(
        memory=engine_memory, user_id="alice", session_id=session, formation="inline", **fields
    )


def test_context_chat_engine(engine_memory: Memory) -> None:
    _remembered(engine_memory)
    index = VectorStoreIndex.from_documents(
        [Document(text="Porto is a city in the north of Portugal.")],
        embed_model=EngineEmbedding(engine_memory),
    )
    llm = ScriptedLLM(reply="She lives in Porto.")
    chat = ContextChatEngine.from_defaults(
        retriever=index.as_retriever(), llm=llm, memory=_memory(engine_memory, "ctx")
    )
    assert str(chat.chat("Where does my sister live?")) == "She lives in Porto."
    assert "Clara lives in Porto" in llm.prompts[-1]


async def test_agent_workflow(engine_memory: Memory) -> None:
    _remembered(engine_memory)
    llm = MockFunctionCallingLLMWithChatMemoryOfLastCall()
    helper = FunctionAgent(name="helper", description="Helps.", llm=llm, tools=[])
    workflow = AgentWorkflow(agents=[helper], root_agent="helper")
    await workflow.run(user_msg="Where does my sister live?", memory=_memory(engine_memory, "wf"))
    seen = "\n".join(m.content or "" for m in llm.last_chat_messages or [])
    assert "Clara lives in Porto" in seen


async def test_react_agent(engine_memory: Memory) -> None:
    _remembered(engine_memory)
    llm = ScriptedLLM(reply="Thought: I can answer without tools.\nAnswer: In Porto.")
    agent = ReActAgent(llm=llm, tools=[])
    # ReActAgent drops a leading system message (its own ReAct header replaces it), so the
    # memories go in front of the user's message — LlamaIndex's Memory has the same option.
    memory = _memory(engine_memory, "react", insert_method=InsertMethod.USER)
    answer = await agent.run(user_msg="Where does my sister live?", memory=memory)
    assert "In Porto" in str(answer)
    assert "Clara lives in Porto" in llm.prompts[-1]
    assert [m.role.value for m in await memory.aget_all()] == ["user", "assistant"]
