"""Each framework's native object, used as that framework's users use it, over one engine.

Writers: a LangChain agent (``create_agent`` + ``MemoryMiddleware`` with the memory tools) and
a LangGraph graph with tool traffic behind a ``MemoryCheckpointer``. Readers, each answering
with what reached its model or left its node: a LlamaIndex chat engine, a LangGraph node reading
the store, a CrewAI agent calling ``memory_search``, a LangChain retriever. The models are
scripted peers at the protocol boundary; everything between them and the engine is real.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypedDict

from crewai import Agent, Crew, CrewOutput, Task
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_store
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.llms.mock import MockLLMWithChatMemoryOfLastCall
from memory_core_crewai import SearchMemoryTool as CrewSearchTool
from memory_core_crewai.testing import ScriptedLLM
from memory_core_langchain import MemoryMiddleware, MemoryRetriever
from memory_core_langchain.testing import ScriptedChatModel, tool_call
from memory_core_langgraph import MemoryCheckpointer, MemoryStore
from memory_core_llamaindex import MemoryCoreMemory

from memory_core import Memory


def shown(text: str) -> str:
    """How a memory is listed in a prompt (``render_memories``): its own line, so a longer
    memory that merely contains ``text`` does not count."""
    return f"- {text} ("


def run_config(user: str, thread: str) -> RunnableConfig:
    return {"configurable": {"user_id": user, "thread_id": thread}}


# --- a LangChain agent that stores a fact --------------------------------------------------


def langchain_agent_stores(engine: Memory, user: str, said: str, fact: str) -> list[str]:
    """``user`` tells an agent ``said``; its model calls ``add_memory`` with ``fact``. The
    scope comes from the run's config; the turn itself is captured too (inline). Returns the
    prompts the model was sent (what the middleware recalled for ``user`` is in them)."""
    model = ScriptedChatModel(script=[
        tool_call("add_memory", {"text": fact}, "remember-1"),
        AIMessage(f"Noted: {fact}."),
    ])  # fmt: skip
    with MemoryMiddleware(engine, tools=True, inline=True) as middleware:
        agent = create_agent(model, middleware=[middleware], system_prompt="Be brief.")
        out = agent.invoke({"messages": [HumanMessage(said)]}, run_config(user, f"{user}-mon"))
    assert [m.type for m in out["messages"]] == ["human", "ai", "tool", "ai"]
    assert model.remaining == 0, "the agent did not run the whole script"
    return ["\n".join(m.text for m in prompt) for prompt in model.prompts]


# --- a LlamaIndex chat engine ---------------------------------------------------------------


def llamaindex_chat_engine_sends(engine: Memory, user: str, question: str) -> str:
    """Everything a ``SimpleChatEngine`` over ``MemoryCoreMemory`` sent its LLM for
    ``question``, in a new session of ``user``'s (the recalled memories are its system part)."""
    llm = MockLLMWithChatMemoryOfLastCall(max_tokens=3)  # LlamaIndex's own recording mock
    memory = MemoryCoreMemory(memory=engine, user_id=user, session_id=f"{user}-later")
    try:
        SimpleChatEngine.from_defaults(llm=llm, memory=memory).chat(question)
    finally:
        memory.close()
    sent = llm.last_chat_messages or []
    assert any(m.content == question for m in sent), "the chat engine never called its LLM"
    return "\n".join(f"{m.role.value}: {m.content}" for m in sent)


# --- a LangGraph node reading the store -----------------------------------------------------


class Question(TypedDict, total=False):
    question: str
    found: list[str]


def _recall_node(state: Question, config: RunnableConfig) -> Question:
    """A node as LangGraph's docs write one: the store from the runtime, the user from config."""
    user = config["configurable"]["user_id"]
    items = get_store().search(("memories", user), query=state["question"], limit=10)
    return {"found": [str(item.value["content"]) for item in items]}


def langgraph_node_finds(engine: Memory, user: str, question: str) -> list[str]:
    """What a node of a graph compiled with ``store=MemoryStore(engine)`` found for ``user``."""
    with MemoryStore(engine) as store:
        builder = StateGraph(Question)
        builder.add_node("recall", _recall_node)
        builder.add_edge(START, "recall")
        graph = builder.compile(store=store)
        out = graph.invoke({"question": question}, run_config(user, f"{user}-graph"))
    found: list[str] = out["found"]
    return found


# --- a CrewAI agent calling its memory tool -------------------------------------------------


def _answer_with_observation(prompt: str) -> str:
    """The model answers with the tool result CrewAI showed it (after ``Observation:``)."""
    assert "Observation:" in prompt, "CrewAI did not show the agent a tool result"
    return "Final Answer: " + prompt.rsplit("Observation:", 1)[1].strip()


def crewai_tool_shows(
    engine: Memory, question: str, *, user_id: str | None = None, agent_id: str | None = None
) -> str:
    """What ``memory_search`` (scoped to ``user_id`` / ``agent_id``) returned to a crew's
    agent asked ``question``: the agent calls the tool (for 10 memories), then answers with
    its result (the task output)."""
    llm = ScriptedLLM(replies={"Assistant": [
        "Thought: I should look in memory.\nAction: memory_search\n"
        f"Action Input: {json.dumps({'query': question, 'limit': 10})}",
        _answer_with_observation,
    ]})  # fmt: skip
    search = CrewSearchTool(memory=engine, user_id=user_id, agent_id=agent_id)
    agent = Agent(role="Assistant", goal="Answer from memory", backstory="Careful.", llm=llm,
                  tools=[search])  # fmt: skip
    task = Task(description=question, expected_output="What memory says", agent=agent)
    result = Crew(agents=[agent], tasks=[task]).kickoff()
    assert isinstance(result, CrewOutput)  # not streamed
    assert len(llm.prompts) == 2, "the agent did not call its tool and then answer"
    return str(result.raw)


# --- the LangChain retriever ----------------------------------------------------------------


def langchain_retriever_finds(engine: Memory, user: str, question: str) -> list[str]:
    retriever = MemoryRetriever(memory=engine, user_id=user, k=10)
    return [doc.page_content for doc in retriever.invoke(question)]


# --- a LangGraph graph with tool traffic, behind a MemoryCheckpointer -----------------------


CITY_FACTS = {"Porto": "Porto has about 232,000 inhabitants", "Faro": "Faro has about 67,000"}


@tool
def city_facts(city: str) -> str:
    """Look up facts about a city."""
    return CITY_FACTS.get(city, f"Error: no facts about {city}")


class Chat(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def langgraph_research_run(engine: Memory, user: str, city: str, agent_id: str) -> list[Any]:
    """A graph (model node, ``ToolNode``, ``tools_condition``) asked about ``city``: the model
    calls ``city_facts``, reads the result and answers. Compiled with a ``MemoryCheckpointer``
    for ``agent_id``; returns the run's messages once its memories are formed."""
    model = ScriptedChatModel(script=[
        tool_call("city_facts", {"city": city}, f"{city}-1"),
        lambda prompt: AIMessage(f"Found it: {prompt[-1].text}."),
    ])  # fmt: skip

    def call_model(state: Chat) -> Chat:
        return {"messages": [model.bind_tools([city_facts]).invoke(state["messages"])]}

    builder = StateGraph(Chat)
    builder.add_node("model", call_model)
    builder.add_node("tools", ToolNode([city_facts]))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition)
    builder.add_edge("tools", "model")
    saver = MemoryCheckpointer(InMemorySaver(), engine, agent_id=agent_id)
    try:
        graph = builder.compile(checkpointer=saver)
        question = HumanMessage(f"How many people live in {city}?")
        out = graph.invoke({"messages": [question]}, run_config(user, f"{user}-{city}"))
        assert saver.flush(timeout=60), "the run's memories were not formed in time"
    finally:
        saver.close()
    messages: list[Any] = out["messages"]
    return messages
