"""Cookbook: a LangChain ``create_agent`` agent with long-term memory — offline.

    uv run --locked python cookbooks/langchain_agent_memory.py

What it shows:

* ``MemoryMiddleware``: before each model call it searches the user's memories for the latest
  message and adds the relevant ones to the system prompt; after the agent it hands the
  conversation to the engine in the background (``flush()`` waits for it).
* ``tools=True``: the agent also gets the six memory tools (search, add, update, delete, get,
  history). Their scope comes from the run (``context``), never from the model.
* Two threads: the second conversation starts empty, yet the model sees what the user said
  in the first one, and the tool it calls updates the right memory.

The chat model is scripted (no API key, no network): ``ScriptedChatModel`` replies with fixed
steps and keeps every prompt it received, so the demo can show what memory put in front of it.
Swap in any LangChain chat model.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TypedDict

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from memory_core_langchain import MemoryMiddleware
from memory_core_langchain.testing import ScriptedChatModel, tool_call

from memory_core import Memory


class UserContext(TypedDict):
    user_id: str


def _update_city(prompt: list[BaseMessage]) -> AIMessage:
    """The scripted model's third step: update the memory the search tool returned."""
    [found] = json.loads(str(prompt[-1].content))
    return tool_call("update_memory", {"memory_id": found["id"], "text": "I live in Porto."}, "u")


def main(home: Path | None = None) -> list[str]:
    """Run the two conversations; returns the recalled prompt and what the user's memory holds."""
    home = home or Path(tempfile.mkdtemp(prefix="memory-core-cookbook-"))
    model = ScriptedChatModel(script=[
        AIMessage("Nice to meet you, Alice!"),
        tool_call("search_memory", {"query": "lives in Lisbon", "limit": 1}, "s"),
        _update_city,
        AIMessage("Updated: you live in Porto now."),
    ])  # fmt: skip
    with Memory.from_config({"home": str(home)}) as memory:
        middleware = MemoryMiddleware(memory, tools=True)
        agent = create_agent(model, middleware=[middleware], context_schema=UserContext,
                             system_prompt="You are a helpful assistant.")  # fmt: skip
        alice = UserContext(user_id="alice")
        agent.invoke({"messages": [HumanMessage("Hi, I'm Alice. I live in Lisbon.")]},
                     {"configurable": {"thread_id": "monday"}}, context=alice)  # fmt: skip
        middleware.flush()  # formation runs in the background; wait so the demo is repeatable
        agent.invoke({"messages": [HumanMessage("I moved to Porto last week.")]},
                     {"configurable": {"thread_id": "friday"}}, context=alice)  # fmt: skip
        middleware.close()
        recalled = str(model.prompts[1][0].content)  # the system prompt of Friday's first call
        held = sorted(m["memory"] for m in memory.get_all(user_id="alice")["results"])
    return [recalled, *held]


if __name__ == "__main__":
    for line in main():
        print(line)
