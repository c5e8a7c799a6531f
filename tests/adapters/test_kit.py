"""The adapter kit on its own: the engine handle and its home loop, the one message normaliser
on every framework's shapes, the prompt renderer, and memory formation across a restart."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from llama_index.core.base.llms.types import ChatMessage as LlamaMessage
from llama_index.core.base.llms.types import ImageBlock, MessageRole, TextBlock

from memory_core import AsyncMemory, Memory, MemoryConfig
from memory_core.adapters import (
    EngineHandle,
    FormationQueue,
    message_id,
    render_memories,
    to_messages,
)
from memory_core.adapters.render import count_tokens
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import ClosedError, InvalidMessageError, WrongLoopError
from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion
from memory_core.types import Scope


async def _where() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


# --- the handle ----------------------------------------------------------------------------


def test_a_memory_handle_runs_every_call_on_the_engine_loop(memory: Memory) -> None:
    handle = EngineHandle.of(memory)
    home = memory.engine.home_loop
    assert home is not None and not handle.owned
    assert handle.run(_where()) is home
    assert asyncio.run(handle.arun(_where())) is home  # another loop's caller: hopped over
    seen: list[asyncio.AbstractEventLoop] = []
    worker = threading.Thread(target=lambda: seen.append(handle.run(_where())))
    worker.start()
    worker.join()
    assert seen == [home]


def test_a_sync_call_on_the_home_loop_names_the_async_method(memory: Memory) -> None:
    handle = EngineHandle.of(memory)

    async def called_from_a_callback_on_the_loop() -> None:
        handle.run(memory.engine.stats(), async_name="asearch")

    with pytest.raises(WrongLoopError, match="asearch"):
        handle.run(called_from_a_callback_on_the_loop())


def test_an_async_engine_first_used_from_sync_code_gets_a_home_loop(
    home: Path, embedder: LocalEmbedder
) -> None:
    engine = AsyncMemory(MemoryConfig(home=home), embedder=embedder)
    handle = EngineHandle.of(engine)
    handle.run(engine.add("Zoe plays the cello", user_id="zoe"))
    home_loop = engine.home_loop
    assert home_loop is not None and handle.run(_where()) is home_loop
    found = asyncio.run(handle.arun(engine.search("cello", user_id="zoe")))
    assert found["results"][0]["memory"] == "Zoe plays the cello"
    assert handle.owned
    handle.close()  # the engine cannot outlive the loop the handle gave it
    with pytest.raises(ClosedError):
        handle.run(engine.stats())


async def test_an_async_engine_opened_in_an_app_stays_on_the_app_loop(
    home: Path, embedder: LocalEmbedder
) -> None:
    async with AsyncMemory(MemoryConfig(home=home), embedder=embedder) as engine:
        handle = EngineHandle.of(engine)
        assert engine.home_loop is asyncio.get_running_loop()
        await handle.arun(engine.add("Yan likes chess", user_id="yan"))
        # A framework's worker thread calls the sync API: it hops onto the app's loop.
        from_thread = await asyncio.to_thread(handle.run, _where())
        assert from_thread is asyncio.get_running_loop()
        with pytest.raises(WrongLoopError):
            handle.run(engine.stats())


def test_a_handle_built_from_a_config_owns_and_closes_its_engine(home: Path) -> None:
    handle = EngineHandle.of({"home": str(home)})
    assert handle.owned and EngineHandle.of(handle) is handle
    handle.run(handle.engine.add("Ivy is left-handed", user_id="ivy"))
    handle.close()
    with pytest.raises(ClosedError):
        handle.run(handle.engine.stats())


# --- the normaliser ------------------------------------------------------------------------

OPENAI_CALL = {"id": "c1", "type": "function",
               "function": {"name": "weather", "arguments": '{"city": "Rome"}'}}  # fmt: skip


def _shape(messages: Any) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in to_messages(messages)]


def test_every_framework_shape_gives_the_same_messages() -> None:
    expected = [("system", "Be brief"), ("user", "Weather in Rome?"), ("assistant", ""),
                ("tool", "Sunny"), ("assistant", "It is sunny.")]  # fmt: skip
    openai = [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": [{"type": "text", "text": "Weather in Rome?"}]},
        {"role": "assistant", "content": None, "tool_calls": [OPENAI_CALL]},
        {"role": "tool", "tool_call_id": "c1", "content": "Sunny"},
        {"role": "assistant", "content": "It is sunny."},
    ]
    langchain_dicts = [
        {"type": "system", "content": "Be brief"},
        {"type": "human", "content": "Weather in Rome?"},
        {"type": "ai", "content": "", "tool_calls": [
            {"id": "c1", "name": "weather", "args": {"city": "Rome"}}]},
        {"type": "tool", "tool_call_id": "c1", "content": "Sunny"},
        {"type": "ai", "content": "It is sunny."},
    ]  # fmt: skip
    langchain = [
        SystemMessage("Be brief"),
        HumanMessage("Weather in Rome?", id="h1"),
        AIMessage("", tool_calls=[{"id": "c1", "name": "weather", "args": {"city": "Rome"}}]),
        ToolMessage("Sunny", tool_call_id="c1"),
        AIMessage("It is sunny."),
    ]
    llama = [
        LlamaMessage(role=MessageRole.SYSTEM, content="Be brief"),
        LlamaMessage(role=MessageRole.USER, blocks=[TextBlock(text="Weather in Rome?")]),
        LlamaMessage(role=MessageRole.ASSISTANT, content="",
                     additional_kwargs={"tool_calls": [OPENAI_CALL]}),
        LlamaMessage(role=MessageRole.TOOL, content="Sunny",
                     additional_kwargs={"tool_call_id": "c1"}),
        LlamaMessage(role=MessageRole.ASSISTANT, content="It is sunny."),
    ]  # fmt: skip
    for shape in (openai, langchain_dicts, langchain, llama):
        assert _shape(shape) == expected
        [call] = to_messages(shape)[2].tool_calls
        assert (call.id, call.name, call.arguments) == ("c1", "weather", '{"city": "Rome"}')
        assert to_messages(shape)[3].tool_call_id == "c1"
    assert to_messages(langchain)[1].id == "h1"


def test_images_errors_names_and_crewai_dicts() -> None:
    [llama] = to_messages(LlamaMessage(role="user", blocks=[
        TextBlock(text="Look"), ImageBlock(url="https://x.test/cat.png")]))  # fmt: skip
    assert (llama.content, llama.images) == ("Look\n[image]", ("https://x.test/cat.png",))
    [failed] = to_messages(ToolMessage("Error: 403", tool_call_id="c", status="error"))
    assert failed.error and failed.role == "tool"
    crew = to_messages([{"role": "user", "content": "Plan a trip", "name": "planner"}])
    assert crew[0].name == "planner"
    with pytest.raises(InvalidMessageError, match="role 'robot'"):
        to_messages([{"role": "robot", "content": "beep"}])


def test_message_ids_are_stable_and_prefer_the_frameworks_own() -> None:
    assert message_id(HumanMessage("hi", id="run-1-msg-0")) == "run-1-msg-0"
    same = message_id({"role": "user", "content": "hi"})
    assert same == message_id(HumanMessage("hi")) == message_id(LlamaMessage(content="hi"))
    assert same != message_id({"role": "assistant", "content": "hi"})


def test_an_ai_turn_is_stored_as_the_assistants(memory: Memory) -> None:
    added = memory.add([{"type": "ai", "content": "I am the bot"}, HumanMessage("I am Kim")],
                       user_id="kim")  # fmt: skip
    assert [(e["memory"], e["role"]) for e in added["results"]] == [
        ("I am the bot", "assistant"), ("I am Kim", "user")]  # fmt: skip


# --- the renderer --------------------------------------------------------------------------


def test_render_keeps_the_best_memories_within_the_budget(memory: Memory) -> None:
    for fact in ("Uma likes green tea", "Uma is a nurse", "Uma lives in Oslo"):
        memory.add(fact, user_id="uma")
    found = memory.search("Uma", user_id="uma")["results"]
    full = render_memories(found, show_dates=False)
    assert full.splitlines()[1:] == [f"- {hit['memory']}" for hit in found]  # in rank order
    first = full.splitlines()[:2]
    small = render_memories(found, show_dates=False, max_tokens=count_tokens(first) + 1)
    assert small.splitlines()[1:] == [f"- {found[0]['memory']}"]  # the lower-ranked went first
    assert render_memories(found, max_tokens=1) == ""  # not even the header fits
    tagged = render_memories([{"memory": "a < b & c", "created_at": None}], style="xml")
    assert tagged == "<memories>\n<memory>a &lt; b &amp; c</memory>\n</memories>"
    records = memory.records.get([found[0]["id"]])
    assert render_memories(records, show_dates=False) == render_memories(
        found[:1], show_dates=False
    )


# --- formation -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(embedder: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=embedder) as srv:
        yield srv


def _fact_reply(text: str) -> Reply:
    ops = [{"event": "ADD", "id": None, "text": text, "valid_from": None, "valid_until": None,
            "entities": []}]  # fmt: skip
    return Reply(chat_completion({"operations": ops, "relations": []}))


def test_formation_survives_a_restart_without_re_inferring(
    home: Path, embedder: LocalEmbedder, server: ScriptedOpenAIServer
) -> None:
    server.clear()
    server.script(_fact_reply("Lea is a pilot"))
    config = MemoryConfig(home=home, llm={"model": "m", "base_url": server.base_url,
                                          "api_key": "k", "max_retries": 0})  # fmt: skip
    first = [HumanMessage("I'm Lea, a pilot", id="m1"), AIMessage("Nice!", id="m2")]
    with Memory(config, embedder=embedder) as memory:
        queue = FormationQueue(EngineHandle.of(memory))
        queue.submit("t1", Scope(user_id="lea"), first)
        assert queue.flush(timeout=60) and queue.formed == 1
        queue.close()
    assert len(server.bodies()) == 1
    server.clear()
    server.script(_fact_reply("Lea flies to Lima on Friday"))
    with Memory(config, embedder=embedder) as memory:  # a new process, as far as it knows
        queue = FormationQueue(EngineHandle.of(memory))
        queue.submit("t1", Scope(user_id="lea"), [*first, HumanMessage("Lima on Friday", id="m3")])
        assert queue.flush(timeout=60)
        queue.close()
        [call] = server.bodies()  # one more inference, of the new message only
        prompt = call["messages"][-1]["content"].split("NEW MESSAGES:")[1]
        assert "Lima on Friday" in prompt and "a pilot" not in prompt
        facts = {i["memory"] for i in memory.get_all(user_id="lea")["results"]}
        assert facts == {"Lea is a pilot", "Lea flies to Lima on Friday"}


def test_formed_turns_of_a_thread_are_one_conversation(memory: Memory) -> None:
    queue = FormationQueue(EngineHandle.of(memory), infer=False)
    queue.form("t9", Scope(user_id="ola"), [HumanMessage("I run marathons", id="a")])
    queue.form("t9", Scope(user_id="ola"), [HumanMessage("I run marathons", id="a"),
                                             AIMessage("Which one is next?", id="b")])  # fmt: skip
    queue.close()
    stamps = [i["source"] for i in memory.get_all(user_id="ola")["results"]]
    assert [s["conversation_id"] for s in stamps] == ["t9", "t9"]
    # The reply, handed over later, is found through the turn before it (its neighbour).
    hits = memory.search("marathons", user_id="ola", config="bm25")["results"]
    assert "Which one is next?" in [hit["memory"] for hit in hits]


def test_formation_forms_procedures_and_never_raises(home: Path, embedder: LocalEmbedder) -> None:
    memory = Memory(MemoryConfig(home=home), embedder=embedder)
    handle = EngineHandle.of(memory)
    queue = FormationQueue(handle, infer=False, retries=2, backoff=0.01)
    run = [
        {"role": "user", "content": "Book a table in Porto"},
        {"role": "assistant", "tool_calls": [
            {"id": "b", "function": {"name": "book", "arguments": '{"city": "Porto"}'}}]},
        {"role": "tool", "tool_call_id": "b", "content": "Booked 20:00"},
        {"role": "assistant", "content": "Booked for 20:00."},
    ]  # fmt: skip
    queue.form("t2", Scope(user_id="max"), run, procedure_agent_id="concierge")
    said = memory.get_all(user_id="max", kind="message")["results"]
    assert {i["memory"] for i in said} == {"Book a table in Porto", "Booked for 20:00."}
    [procedure] = memory.procedures("concierge", user_id="max")["results"]
    assert "Booked 20:00" in procedure["memory"]
    assert procedure["metadata"]["task"] == "Book a table in Porto"  # derived by the engine
    memory.close()  # the engine goes away under the queue: logged and counted, not raised
    queue.submit("t3", Scope(user_id="max"), [{"role": "user", "content": "hello"}])
    assert queue.flush(timeout=60) and queue.failed == 1
    queue.close()
