"""Inferred add: the LLM memory manager through the real openai client and a scripted
OpenAI-compatible server on 127.0.0.1. The LLM's replies are scripted; everything else —
candidates, validation, supersede, journal, stores — is the real engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from memory_core import Memory, MemoryConfig
from memory_core.embeddings import LocalEmbedder
from memory_core.errors import ConfigError, LLMError
from memory_core.testing import Reply, ScriptedOpenAIServer, chat_completion


@pytest.fixture(scope="module")
def server(embedder: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=embedder) as srv:
        yield srv


@pytest.fixture
def llm_server(server: ScriptedOpenAIServer) -> ScriptedOpenAIServer:
    server.clear()
    return server


def _config(home: Path, server: ScriptedOpenAIServer, **inference: Any) -> MemoryConfig:
    return MemoryConfig(
        home=home,
        llm={
            "model": "scripted",
            "base_url": server.base_url,
            "api_key": "test",
            "max_retries": 1,
            "timeout": 5,
        },
        inference=inference,
    )


@pytest.fixture
def memory(
    home: Path, llm_server: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> Iterator[Memory]:
    with Memory(_config(home, llm_server), embedder=embedder) as mem:
        yield mem


def op(event: str, id: int | None = None, text: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "event": event,
        "id": id,
        "text": text,
        "valid_from": extra.get("valid_from"),
        "valid_until": extra.get("valid_until"),
        "entities": extra.get("entities", []),
    }


def answer(server: ScriptedOpenAIServer, *ops: dict[str, Any], relations: Any = ()) -> None:
    """The next chat completion answers with these operations."""
    server.script(
        Reply(
            chat_completion(
                {"operations": list(ops), "relations": list(relations)},
                prompt_tokens=120,
                completion_tokens=30,
            )
        )
    )


def prompt_of(server: ScriptedOpenAIServer, index: int = -1) -> str:
    body = server.bodies()[index]
    return "\n".join(m["content"] for m in body["messages"])


def test_add_extracts_facts_in_one_call(memory: Memory, llm_server: ScriptedOpenAIServer) -> None:
    relation = {"source": "Alice", "relationship": "owns", "destination": "Miso"}
    answer(
        llm_server,
        op("ADD", text="Alice has a cat named Miso", entities=["Alice", "Miso"]),
        relations=[relation],
    )
    result = memory.add(
        [{"role": "user", "content": "I just adopted a cat named Miso!", "name": "Alice"}],
        user_id="alice",
    )
    [event] = result["results"]
    assert event["event"] == "ADD" and event["memory"] == "Alice has a cat named Miso"
    assert result["usage"] == {"llm_calls": 1, "prompt_tokens": 120, "completion_tokens": 30}
    assert result["relations"] == [relation]
    stored = memory.get(event["id"])
    assert stored["kind"] == "fact" and stored["user_id"] == "alice"
    [body] = llm_server.bodies()
    assert body["response_format"]["type"] == "json_schema"
    prompt = prompt_of(llm_server)
    assert datetime.now(UTC).date().isoformat() in prompt  # the date goes in at call time
    assert "Alice: I just adopted a cat named Miso!" in prompt
    assert "EXISTING MEMORIES:\n(none)" in prompt
    assert memory.search("pet", user_id="alice")["results"][0]["id"] == event["id"]


def test_update_supersedes_and_as_of_sees_the_past(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    answer(llm_server, op("ADD", text="Alice lives in Paris"))
    [paris] = memory.add("I live in Paris", user_id="alice")["results"]
    between = datetime.now(UTC)
    llm_server.clear()
    answer(llm_server, op("UPDATE", 0, "Alice lives in Rome"))
    [rome] = memory.add("I moved to Rome", user_id="alice")["results"]
    assert "[0] Alice lives in Paris" in prompt_of(llm_server)  # shown under a small id
    assert rome["event"] == "UPDATE" and rome["previous_memory"] == "Alice lives in Paris"
    assert rome["previous_id"] == paris["id"] and rome["id"] != paris["id"]

    old, new = memory.get(paris["id"]), memory.get(rome["id"])
    assert old["expired_at"] is not None and old["valid_until"] == old["expired_at"]
    assert new["supersedes"] == paris["id"] and new["expired_at"] is None

    def current(**kwargs: Any) -> list[str]:
        return [
            r["memory"]
            for r in memory.search("where does Alice live", user_id="alice", **kwargs)["results"]
        ]

    assert current() == ["Alice lives in Rome"]
    assert current(as_of=between) == ["Alice lives in Paris"]
    assert current(as_of=datetime.now(UTC)) == ["Alice lives in Rome"]
    assert sorted(current(include_expired=True)) == ["Alice lives in Paris", "Alice lives in Rome"]
    assert [h["event"] for h in memory.history(paris["id"])] == ["ADD", "UPDATE"]
    assert memory.history(paris["id"])[1]["new_memory"] == "Alice lives in Rome"


def test_a_dated_update_closes_the_old_fact_at_that_date(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    answer(llm_server, op("ADD", text="Alice works at Acme", valid_from="2020-03-01"))
    [acme] = memory.add("I joined Acme in March 2020", user_id="alice")["results"]
    llm_server.clear()
    answer(llm_server, op("UPDATE", 0, "Alice works at Globex", valid_from="2024-06-01"))
    [globex] = memory.add("I started at Globex in June 2024", user_id="alice")["results"]
    old, new = memory.get(acme["id"]), memory.get(globex["id"])
    assert old["valid_from"] == "2020-03-01T00:00:00+00:00"
    assert old["valid_until"] == new["valid_from"] == "2024-06-01T00:00:00+00:00"

    def employer(when: str) -> list[str]:
        return [
            r["memory"] for r in memory.search("employer", user_id="alice", as_of=when)["results"]
        ]

    assert employer("2019-01-01T00:00:00Z") == []
    assert employer("2022-01-01T00:00:00Z") == ["Alice works at Acme"]
    assert employer("2025-01-01T00:00:00Z") == ["Alice works at Globex"]


def test_add_valid_from_dates_what_the_model_leaves_undated(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    """``add(valid_from=...)`` is when the messages were said: the model's "today", the start
    of the facts it gives no date, and the end of the ones it deletes."""
    answer(llm_server, op("ADD", text="Alice lives in Paris"))
    [paris] = memory.add("I live in Paris", user_id="alice",
                         valid_from="2023-09-01T00:00:00Z")["results"]  # fmt: skip
    assert "Today is 2023-09-01" in prompt_of(llm_server)
    llm_server.clear()
    answer(llm_server, op("UPDATE", 0, "Alice lives in Rome"))
    [rome] = memory.add("I moved to Rome", user_id="alice",
                        valid_from="2025-05-01T00:00:00Z")["results"]  # fmt: skip
    old, new = memory.get(paris["id"]), memory.get(rome["id"])
    assert old["valid_from"] == "2023-09-01T00:00:00+00:00"
    assert old["valid_until"] == new["valid_from"] == "2025-05-01T00:00:00+00:00"
    then = memory.search("where", user_id="alice", as_of="2024-06-01T00:00:00Z")["results"]
    assert [hit["memory"] for hit in then] == ["Alice lives in Paris"]

    llm_server.clear()
    answer(llm_server, op("DELETE", 0))
    memory.add("I left Rome", user_id="alice", valid_from="2026-01-01T00:00:00Z")
    assert memory.get(rome["id"])["valid_until"] == "2026-01-01T00:00:00+00:00"
    llm_server.clear()
    answer(llm_server, op("ADD", text="Alice likes tea", valid_from="2020-01-01"))
    [tea] = memory.add("I've liked tea since 2020", user_id="alice",
                       valid_from="2026-02-01T00:00:00Z")["results"]  # fmt: skip
    assert memory.get(tea["id"])["valid_from"] == "2020-01-01T00:00:00+00:00"  # the model's


def test_supersede_chain(memory: Memory, llm_server: ScriptedOpenAIServer) -> None:
    answer(llm_server, op("ADD", text="Bob drinks tea"))
    [first] = memory.add("I drink tea", user_id="bob")["results"]
    ids = [first["id"]]
    for drink in ("coffee", "mate"):
        llm_server.clear()
        answer(llm_server, op("UPDATE", 0, f"Bob drinks {drink}"))
        [event] = memory.add(f"Now I drink {drink}", user_id="bob")["results"]
        ids.append(event["id"])
    chain = [memory.get(i) for i in ids]
    assert [c.get("supersedes") for c in chain] == [None, ids[0], ids[1]]
    assert [c["expired_at"] is None for c in chain] == [False, False, True]
    assert [r["memory"] for r in memory.get_all(user_id="bob")["results"]] == ["Bob drinks mate"]


def test_delete_invalidates_but_keeps_the_record(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    answer(llm_server, op("ADD", text="Carol works at Acme"))
    [job] = memory.add("I work at Acme", user_id="carol")["results"]
    llm_server.clear()
    answer(llm_server, op("DELETE", 0))
    [event] = memory.add("I quit my job at Acme", user_id="carol")["results"]
    assert event == {"id": job["id"], "memory": "Carol works at Acme", "event": "DELETE"}
    kept = memory.get(job["id"])
    assert kept["expired_at"] is not None and kept["memory"] == "Carol works at Acme"
    assert memory.get_all(user_id="carol")["results"] == []
    assert len(memory.get_all(user_id="carol", include_expired=True)["results"]) == 1
    history = memory.history(job["id"])
    assert [(h["event"], h["old_memory"], h["is_deleted"]) for h in history] == [
        ("ADD", None, False),
        ("DELETE", "Carol works at Acme", False),
    ]


def test_none_writes_nothing(memory: Memory, llm_server: ScriptedOpenAIServer) -> None:
    answer(llm_server, op("ADD", text="Dan is vegetarian"))
    [fact] = memory.add("I'm vegetarian", user_id="dan")["results"]
    llm_server.clear()
    answer(llm_server, op("NONE", 0))
    result = memory.add("As I said, no meat for me", user_id="dan")
    assert result["results"] == [{**fact, "event": "NONE"}]
    assert memory.stats()["memories"] == 1 and memory.stats()["history_rows"] == 1


def test_parent_scope_memories_are_candidates_and_not_duplicated(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    answer(llm_server, op("ADD", text="Erin is allergic to nuts"))
    memory.add("I'm allergic to nuts", user_id="erin")
    llm_server.clear()
    answer(llm_server, op("ADD", text="Erin likes tea"))
    memory.add("I like tea", user_id="erin", agent_id="other-agent")  # a sibling scope
    llm_server.clear()
    # Same fact again, through an agent: the user-level memory is shown; the sibling's is not.
    answer(llm_server, op("NONE", 0), op("ADD", text="Erin is allergic to nuts"))
    result = memory.add("Remember: nuts make me sick", user_id="erin", agent_id="chef")
    prompt = prompt_of(llm_server)
    assert "Erin is allergic to nuts" in prompt and "Erin likes tea" not in prompt
    assert [e["event"] for e in result["results"]] == ["NONE"]  # the ADD repeated [0]
    texts = [r["memory"] for r in memory.get_all(user_id="erin")["results"]]
    assert sorted(texts) == ["Erin is allergic to nuts", "Erin likes tea"]


def test_hallucinated_ids_are_rejected_never_applied(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    answer(llm_server, op("ADD", text="Fay plays chess"))
    [fact] = memory.add("I play chess", user_id="fay")["results"]
    llm_server.clear()
    answer(
        llm_server,
        op("UPDATE", 7, "Fay plays go"),
        op("DELETE", -1),
        op("DELETE", None),
        op("UPDATE", 0, None),
        op("ADD", text="   "),
    )
    result = memory.add("I play go now", user_id="fay")
    assert result["results"] == []
    assert len(result["rejected"]) == 5
    assert any("id 7" in reason for reason in result["rejected"])
    assert memory.get(fact["id"])["expired_at"] is None
    assert memory.stats()["memories"] == 1


def test_llm_failure_raises_by_default_and_writes_nothing(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    llm_server.script(Reply(chat_completion("this is not json at all")))
    with pytest.raises(LLMError):
        memory.add("Gus loves jazz", user_id="gus")
    llm_server.clear()
    llm_server.script(Reply.error(500))
    with pytest.raises(LLMError, match="500"):
        memory.add("Gus loves jazz", user_id="gus")
    assert memory.stats()["memories"] == 0 and memory.stats()["history_rows"] == 0


def test_llm_failure_can_fall_back_to_verbatim(
    home: Path, llm_server: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    config = _config(home, llm_server, on_llm_error="store_verbatim")
    with Memory(config, embedder=embedder) as mem:
        llm_server.script(
            Reply(chat_completion('{"operations": [{"event": "ADD"', finish_reason="length"))
        )
        result = mem.add("Hana collects stamps", user_id="hana")
        assert result["fallback"]["mode"] == "verbatim" and result["fallback"]["reason"]
        assert result["usage"]["llm_calls"] == 2  # the cut-off reply and its repair
        [event] = result["results"]
        assert event["event"] == "ADD" and mem.get(event["id"])["kind"] == "message"


def test_code_fenced_json_is_accepted(memory: Memory, llm_server: ScriptedOpenAIServer) -> None:
    fenced = (
        '```json\n{"operations": ['
        + str(op("ADD", text="Ian surfs")).replace("'", '"').replace("None", "null")
        + '], "relations": []}\n```'
    )
    llm_server.script(Reply(chat_completion(fenced)))
    assert memory.add("I surf", user_id="ian")["results"][0]["memory"] == "Ian surfs"


def test_custom_instructions_and_prompts_reach_the_request(
    home: Path, llm_server: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    config = _config(
        home,
        llm_server,
        custom_instructions="Only keep facts about food.",
        prompts={"memory_manager.user": "MEMS={memories}\nCHAT={messages}"},
    )
    with Memory(config, embedder=embedder) as mem:
        answer(llm_server, op("ADD", text="Jo likes sushi"))
        mem.add("I like sushi", user_id="jo")
    prompt = prompt_of(llm_server)
    assert "Only keep facts about food." in prompt
    assert "MEMS=(none)\nCHAT=user: I like sushi" in prompt


def test_two_call_mode_extracts_then_reconciles(
    home: Path, llm_server: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    with Memory(_config(home, llm_server, mode="two_call"), embedder=embedder) as mem:
        llm_server.script(
            Reply(chat_completion({"facts": ["Kim runs marathons"]}, prompt_tokens=50)),
            when=lambda body: body["response_format"]["json_schema"]["name"] == "facts",
        )
        answer(llm_server, op("ADD", text="Kim runs marathons"))
        result = mem.add("I ran my third marathon", user_id="kim")
    assert result["usage"]["llm_calls"] == 2
    assert result["usage"]["prompt_tokens"] == 170
    second = prompt_of(llm_server)
    assert "- Kim runs marathons" in second and "third marathon" not in second


def test_vision_describes_images_when_on_and_keeps_a_placeholder_when_off(
    home: Path, llm_server: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    message = {"role": "user", "content": [{"type": "text", "text": "my new bike"}, image]}
    with Memory(_config(home, llm_server, enable_vision=True), embedder=embedder) as mem:
        llm_server.script(
            Reply(chat_completion("A red road bike leaning on a wall.", prompt_tokens=900)),
            when=lambda body: "response_format" not in body,
        )
        result = mem.add([message], user_id="lee", infer=False)
        [event] = result["results"]
        assert event["memory"] == "my new bike\n[image: A red road bike leaning on a wall.]"
        assert result["usage"]["llm_calls"] == 1 and result["usage"]["prompt_tokens"] == 900
        [vision_request] = llm_server.bodies()
        assert vision_request["messages"][1]["content"][0] == image  # sent unchanged
    llm_server.clear()
    with Memory(_config(home, llm_server, enable_vision=False), embedder=embedder) as mem:
        [event] = mem.add([message], user_id="lee2", infer=False)["results"]
        assert event["memory"] == "my new bike\n[image]"
    assert llm_server.bodies() == []


def test_relations_can_be_left_out_of_the_call(
    home: Path, llm_server: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    with Memory(_config(home, llm_server, extract_relations=False), embedder=embedder) as mem:
        llm_server.script(Reply(chat_completion({"operations": [op("ADD", text="Max sails")]})))
        result = mem.add("I sail on weekends", user_id="max")
    assert result["results"][0]["memory"] == "Max sails" and result["relations"] == []
    [body] = llm_server.bodies()
    schema = body["response_format"]["json_schema"]["schema"]
    assert "relations" not in schema["properties"]
    assert '"relations"' not in body["messages"][0]["content"]


def test_two_operations_writing_one_text_write_it_once(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    # Seen from SmolLM2 behind llama.cpp: an UPDATE and an ADD of the same new text.
    answer(llm_server, op("ADD", text="Nia lives in Porto"))
    [porto] = memory.add("I live in Porto", user_id="nia")["results"]
    llm_server.clear()
    answer(
        llm_server, op("UPDATE", 0, "Nia lives in Lisbon"), op("ADD", text="Nia lives in Lisbon")
    )
    result = memory.add("I moved to Lisbon", user_id="nia")
    assert [e["event"] for e in result["results"]] == ["UPDATE"]
    assert result["rejected"] == ["ADD repeats the text of an earlier operation"]
    [lisbon] = memory.get_all(user_id="nia")["results"]
    assert lisbon["supersedes"] == porto["id"]
    assert [h["event"] for h in memory.history(lisbon["id"])] == ["ADD"]


def test_a_custom_prompt_with_stray_braces_is_a_config_error(
    home: Path, llm_server: ScriptedOpenAIServer, embedder: LocalEmbedder
) -> None:
    bad = {"memory_manager.user": 'Example: {"operations": []}\n{memories}\n{messages}'}
    with Memory(_config(home, llm_server, prompts=bad), embedder=embedder) as mem:
        with pytest.raises(ConfigError, match=r"write other braces twice"):
            mem.add("hello", user_id="o")
        assert mem.stats()["memories"] == 0
    assert llm_server.bodies() == []


def test_ids_named_when_nothing_was_shown_are_rejected_clearly(
    memory: Memory, llm_server: ScriptedOpenAIServer
) -> None:
    answer(llm_server, op("UPDATE", 1, "Pat likes tea"))
    result = memory.add("I like tea", user_id="pat")
    assert result["rejected"] == ["UPDATE names id 1, which was not shown (no memories were shown)"]
