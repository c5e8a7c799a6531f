"""Cookbook: a LangChain ``create_agent`` agent with long-term memory.

Offline (a scripted chat model, no key, no network)::

    uv run --locked python cookbooks/langchain_agent_memory.py

With a real model (``ChatOpenAI``: OpenAI, or any OpenAI-compatible server — Ollama, vLLM,
llama.cpp — through ``OPENAI_BASE_URL``; ``OPENAI_MODEL`` defaults to ``gpt-4o-mini``)::

    OPENAI_API_KEY=sk-... uv run --locked python cookbooks/langchain_agent_memory.py

What it shows:

* ``MemoryMiddleware``: before each model call it searches the user's memories for the latest
  message and adds the relevant ones to the system prompt; after the agent it hands the
  conversation to the engine in the background (``flush()`` waits for it).
* ``tools=True``: the agent also gets the six memory tools (search, add, update, delete, get,
  history). Their scope comes from the run (``context``), never from the model.
* Two threads: the second conversation starts empty, yet the model sees what the user said
  in the first one (a callback records every prompt, whichever model runs), and the scripted
  model's tool call updates the right memory. A real model decides for itself which tools to
  call; the script prints what it answered and what the user's memory holds.

The engine itself stays verbatim here (no ``llm`` configured): memories are the user's own
words. ``graph_memory.py`` and ``procedural_memory.py`` show the engine with a model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypedDict

import _model
from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from memory_core_langchain import MemoryMiddleware
from memory_core_langchain.testing import ScriptedChatModel, tool_call

from memory_core import Memory


class UserContext(TypedDict):
    user_id: str


class PromptRecorder(BaseCallbackHandler):
    """Keeps every prompt a chat model is sent: what memory put in front of the model."""

    def __init__(self) -> None:
        self.prompts: list[list[BaseMessage]] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        self.prompts.extend(messages)


def _update_city(prompt: list[BaseMessage]) -> AIMessage:
    """The scripted model's third step: update the memory the search tool returned."""
    [found] = json.loads(str(prompt[-1].content))
    return tool_call("update_memory", {"memory_id": found["id"], "text": "I live in Porto."}, "u")


def scripted_model() -> BaseChatModel:
    return ScriptedChatModel(script=[
        AIMessage("Nice to meet you, Alice!"),
        tool_call("search_memory", {"query": "lives in Lisbon", "limit": 1}, "s"),
        _update_city,
        AIMessage("Updated: you live in Porto now."),
    ])  # fmt: skip


def main(home: Path | None = None) -> dict[str, Any]:
    """Run the two conversations: what the model answered, what it was shown on Friday (the
    system prompt of Friday's first call) and what the user's memory holds afterwards."""
    model = _model.langchain_model() or scripted_model()
    recorder = PromptRecorder()
    with _model.home(home) as where, Memory.from_config({"home": str(where)}) as memory:
        middleware = MemoryMiddleware(memory, tools=True)
        agent = create_agent(model, middleware=[middleware], context_schema=UserContext,
                             system_prompt="You are a helpful assistant.")  # fmt: skip
        alice = UserContext(user_id="alice")

        def say(text: str, thread: str) -> str:
            run = {"configurable": {"thread_id": thread}, "callbacks": [recorder]}
            out = agent.invoke({"messages": [HumanMessage(text)]}, run, context=alice)
            return str(out["messages"][-1].content)

        monday = say("Hi, I'm Alice. I live in Lisbon.", "monday")
        middleware.flush()  # formation runs in the background; wait so the demo is repeatable
        fridays_first_call = len(recorder.prompts)
        friday = say("I moved to Porto last week.", "friday")
        middleware.close()
        held = sorted(m["memory"] for m in memory.get_all(user_id="alice")["results"])
    recalled = str(recorder.prompts[fridays_first_call][0].content)
    return {"answers": [monday, friday], "recalled": recalled, "held": held}


if __name__ == "__main__":
    shown = main()
    print("Monday, the agent said:", shown["answers"][0])
    print("Friday, a new thread; the model's system prompt was:\n" + shown["recalled"])
    print("Friday, the agent said:", shown["answers"][1])
    print("Alice's memories now:")
    for memory in shown["held"]:
        print(" -", memory)
