"""OpenAILLM: the real ``openai`` client → the scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import doctest
import json
import logging
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Literal

import pytest
from pydantic import BaseModel, SecretStr

from memory_core.config import LLMConfig
from memory_core.errors import ConfigError, InvalidInputError, LLMError
from memory_core.llms import LLM, OpenAILLM, Usage, create_llm
from memory_core.llms import openai as openai_module
from memory_core.llms import structured as structured_module
from memory_core.llms.structured import strict_json_schema
from memory_core.testing import CHAT, Reply, Rule, ScriptedOpenAIServer, chat_completion

FAST_RETRY = {"retry-after-ms": "1"}  # the client waits 1 ms instead of its backoff
KEY = "sk-test-secret-key"


class Operation(BaseModel):
    event: Literal["ADD", "UPDATE", "DELETE", "NONE"]
    text: str
    target: int | None = None
    entities: list[str] = []


class Operations(BaseModel):
    """What the memory manager decides."""

    operations: list[Operation]


GOOD: dict[str, Any] = {
    "operations": [{"event": "ADD", "text": "Alice likes tea", "target": None, "entities": []}]
}
WRONG: dict[str, Any] = {"operations": [{"event": "MAYBE", "text": "SECRET-GARBAGE"}]}
USER = [{"role": "user", "content": "Alice: I like tea."}]
ADD_TEA = Operations.model_validate(GOOD)


def ok(content: Any = None, **options: Any) -> Reply:
    return Reply(chat_completion(GOOD if content is None else content, **options))


def response_format(body: dict[str, Any]) -> str | None:
    kind = body.get("response_format", {}).get("type")
    return None if kind is None else str(kind)


def is_repair(body: dict[str, Any]) -> bool:
    return "could not be used" in str(body["messages"][-1]["content"])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer() as server:
        yield server


@pytest.fixture
def server(shared_server: ScriptedOpenAIServer) -> ScriptedOpenAIServer:
    shared_server.clear()
    return shared_server


@pytest.fixture
async def make_llm(server: ScriptedOpenAIServer) -> AsyncIterator[Callable[..., OpenAILLM]]:
    made: list[OpenAILLM] = []

    def make(**options: Any) -> OpenAILLM:
        settings: dict[str, Any] = {
            "model": "gpt-test",
            "base_url": server.base_url,
            "api_key": KEY,
            "max_retries": 2,
            "timeout": 5.0,
        }
        llm = OpenAILLM(**{**settings, **options})
        made.append(llm)
        return llm

    yield make
    for llm in made:
        await llm.close()


@pytest.fixture
def llm(make_llm: Callable[..., OpenAILLM]) -> OpenAILLM:
    return make_llm()


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# --- structured output ----------------------------------------------------------------------------


async def test_structured_sends_a_strict_json_schema(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(ok(prompt_tokens=42, completion_tokens=7))
    reply = await llm.structured(USER, Operations)
    assert reply.value == ADD_TEA
    assert reply.usage == Usage(calls=1, prompt_tokens=42, completion_tokens=7)
    assert isinstance(llm, LLM)
    [body] = server.bodies(CHAT)
    assert body["model"] == "gpt-test" and body["temperature"] == 0.0
    assert "max_tokens" not in body
    assert body["messages"] == USER
    sent = body["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "Operations"
    assert sent["json_schema"]["strict"] is True
    schema = sent["json_schema"]["schema"]
    assert schema == strict_json_schema(Operations)
    objects = [node for node in walk(schema) if node.get("type") == "object"]
    assert len(objects) == 2  # Operations and the Operation in $defs
    for node in objects:
        assert node["additionalProperties"] is False
        assert sorted(node["required"]) == sorted(node["properties"])
    operation = schema["$defs"]["Operation"]["properties"]
    assert operation["target"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert not any("default" in node for node in walk(schema))  # strict mode rejects it


async def test_name_and_options_reach_the_request(
    make_llm: Callable[..., OpenAILLM], server: ScriptedOpenAIServer
) -> None:
    server.script(ok())
    llm = make_llm(temperature=0.7, max_tokens=300)
    await llm.structured(USER, Operations, name="memory ops/v1")
    [body] = server.bodies(CHAT)
    assert body["response_format"]["json_schema"]["name"] == "memory_ops_v1"
    assert (body["temperature"], body["max_tokens"]) == (0.7, 300)


async def test_json_schema_refused_falls_back_to_json_object_and_remembers(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    refused = "response_format type 'json_schema' is not supported; use 'json_object' or 'text'"
    server.add_rule(Rule(lambda b: response_format(b) == "json_schema", Reply.error(400, refused)))
    server.add_rule(Rule(lambda b: response_format(b) == "json_object", ok()))
    messages = [{"role": "system", "content": "You manage memories."}, *USER]

    reply = await llm.structured(messages, Operations)
    assert reply.value == ADD_TEA
    assert reply.usage.calls == 1  # the refused request was not an answer
    assert llm.structured_mode == "json_object"
    refused_body, fallback = server.bodies(CHAT)
    assert refused_body["response_format"]["type"] == "json_schema"
    assert fallback["response_format"] == {"type": "json_object"}
    system = fallback["messages"][0]
    assert system["role"] == "system" and len(fallback["messages"]) == 2
    assert system["content"].startswith("You manage memories.\n\n")  # merged, one system message
    assert "JSON" in system["content"]
    assert json.dumps(strict_json_schema(Operations), separators=(",", ":")) in system["content"]
    assert fallback["messages"][1:] == USER

    await llm.structured(USER, Operations)
    later = server.bodies(CHAT)[2:]
    assert [response_format(body) for body in later] == ["json_object"]  # straight there
    assert later[0]["messages"][0]["role"] == "system"  # schema in a new system message


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "Unrecognized request argument supplied: response_format"),
        (400, "JSON schema conversion failed: unsupported keyword"),
        (422, "json_schema response format is not supported by this model"),
    ],
)
async def test_other_endpoints_refusals_also_fall_back(
    llm: OpenAILLM, server: ScriptedOpenAIServer, status: int, message: str
) -> None:
    server.script(Reply.error(status, message), when=lambda b: response_format(b) == "json_schema")
    server.script(ok())
    assert (await llm.structured(USER, Operations)).value == ADD_TEA
    assert llm.structured_mode == "json_object"


async def test_json_schema_mode_never_falls_back(
    make_llm: Callable[..., OpenAILLM], server: ScriptedOpenAIServer
) -> None:
    server.script(Reply.error(400, "Unknown field: response_format.json_schema"))
    llm = make_llm(response_format="json_schema")
    with pytest.raises(LLMError, match=r"refused structured output \(HTTP 400.*'auto'"):
        await llm.structured(USER, Operations)
    assert len(server.bodies(CHAT)) == 1
    assert llm.structured_mode == "json_schema"


async def test_json_object_mode_goes_straight_to_json_mode(
    make_llm: Callable[..., OpenAILLM], server: ScriptedOpenAIServer
) -> None:
    server.script(ok())
    llm = make_llm(response_format="json_object")
    assert (await llm.structured(USER, Operations)).value == ADD_TEA
    [body] = server.bodies(CHAT)
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["role"] == "system" and body["messages"][1:] == USER


async def test_another_400_is_an_error_not_a_fallback(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(Reply.error(400, "This model's maximum context length is 8192 tokens."))
    with pytest.raises(LLMError, match=r"rejected the request \(HTTP 400: This model's max"):
        await llm.structured(USER, Operations)
    assert len(server.bodies(CHAT)) == 1  # a 400 is not retried
    assert llm.structured_mode == "json_schema"


@pytest.mark.parametrize(
    "content",
    [
        "```json\n" + json.dumps(GOOD, indent=2) + "\n```",
        "```\n" + json.dumps(GOOD) + "\n```",
        "Here are the operations:\n```json\n" + json.dumps(GOOD) + "\n```\nDone.",
        "Sure! " + json.dumps(GOOD),
    ],
    ids=["json-fence", "bare-fence", "fence-in-prose", "prose-before"],
)
async def test_code_fences_and_prose_are_stripped(
    llm: OpenAILLM, server: ScriptedOpenAIServer, content: str
) -> None:
    server.script(ok(content))
    reply = await llm.structured(USER, Operations)
    assert reply.value == ADD_TEA
    assert reply.usage.calls == 1  # no repair needed


async def test_wrong_schema_is_repaired_once_and_usage_sums_both_calls(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(
        ok(WRONG, prompt_tokens=100, completion_tokens=20),
        ok(prompt_tokens=130, completion_tokens=25),
    )
    reply = await llm.structured(USER, Operations)
    assert reply.value == ADD_TEA
    assert reply.usage == Usage(calls=2, prompt_tokens=230, completion_tokens=45)
    first, repair = server.bodies(CHAT)
    assert repair["response_format"] == first["response_format"]
    assert repair["messages"][:-2] == USER
    assert repair["messages"][-2] == {"role": "assistant", "content": json.dumps(WRONG)}
    ask = repair["messages"][-1]
    assert ask["role"] == "user"
    assert "operations.0.event" in ask["content"]  # where it was wrong
    assert "SECRET-GARBAGE" not in ask["content"]  # the reply is shown once, as itself


async def test_wrong_schema_twice_is_an_llm_error_without_the_reply(
    llm: OpenAILLM, server: ScriptedOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(ok(WRONG))
    caplog.set_level(logging.DEBUG, logger="memory_core")
    with pytest.raises(LLMError, match=r"even after one repair retry.*operations\.0\.event") as e:
        await llm.structured(USER, Operations)
    assert "SECRET-GARBAGE" not in str(e.value)
    assert e.value.__cause__ is None
    assert len(server.bodies(CHAT)) == 2  # one call, one repair, no more
    assert not any("SECRET-GARBAGE" in r.getMessage() for r in caplog.records)


async def test_invalid_json_twice(llm: OpenAILLM, server: ScriptedOpenAIServer) -> None:
    server.script(ok("I think Alice likes tea."))
    with pytest.raises(LLMError, match=r"not valid JSON.*stronger model") as e:
        await llm.structured(USER, Operations)
    assert "Alice likes tea" not in str(e.value)


async def test_prose_around_json_of_the_wrong_shape_names_the_schema_error(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(ok("Here you go: " + json.dumps(WRONG)), ok())
    await llm.structured(USER, Operations)
    assert "operations.0.event" in server.bodies(CHAT)[1]["messages"][-1]["content"]


async def test_a_refusal_is_repaired_once_then_an_error(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    refusal = chat_completion(None)
    refusal["choices"][0]["message"]["refusal"] = "I can't help with that."
    server.script(Reply(refusal))
    with pytest.raises(LLMError, match="the model refused to answer") as e:
        await llm.structured(USER, Operations)
    assert "help with that" not in str(e.value)
    assert len(server.bodies(CHAT)) == 2


async def test_truncated_json_is_repaired(llm: OpenAILLM, server: ScriptedOpenAIServer) -> None:
    cut = json.dumps(GOOD)[:25]
    server.script(ok(cut, finish_reason="length"), ok())
    reply = await llm.structured(USER, Operations)
    assert reply.value == ADD_TEA and reply.usage.calls == 2
    repair = server.bodies(CHAT)[1]
    assert repair["messages"][-2]["content"] == cut
    assert "cut off" in repair["messages"][-1]["content"]
    assert "shorter" in repair["messages"][-1]["content"]


async def test_truncated_twice_says_raise_max_tokens(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(ok(GOOD, finish_reason="length"))  # even complete JSON: it was cut
    with pytest.raises(LLMError, match=r"cut off.*Raise llm\.max_tokens"):
        await llm.structured(USER, Operations)


@pytest.mark.parametrize("empty", ["", "  \n", None], ids=["empty", "blank", "null"])
async def test_empty_reply_is_repaired(
    llm: OpenAILLM, server: ScriptedOpenAIServer, empty: str | None
) -> None:
    server.script(Reply(chat_completion(empty)), ok())
    reply = await llm.structured(USER, Operations)
    assert reply.value == ADD_TEA and reply.usage.calls == 2
    repair = server.bodies(CHAT)[1]
    assert [m["role"] for m in repair["messages"]] == ["user", "user"]  # no empty assistant
    assert "it was empty" in repair["messages"][-1]["content"]


async def test_empty_twice_is_an_llm_error(llm: OpenAILLM, server: ScriptedOpenAIServer) -> None:
    server.script(Reply(chat_completion("")))
    with pytest.raises(LLMError, match=r"first it was empty; then it was empty"):
        await llm.structured(USER, Operations)


async def test_fallback_then_repair_counts_only_answers(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.add_rule(
        Rule(lambda b: response_format(b) == "json_schema", Reply.error(422, "json_schema?"))
    )
    server.add_rule(Rule(lambda b: not is_repair(b), ok(WRONG, prompt_tokens=11)))
    server.add_rule(Rule(is_repair, ok(prompt_tokens=13)))
    reply = await llm.structured(USER, Operations)
    assert reply.usage == Usage(calls=2, prompt_tokens=24, completion_tokens=10)
    assert [response_format(b) for b in server.bodies(CHAT)] == [
        "json_schema",
        "json_object",
        "json_object",
    ]


# --- retries and failures -------------------------------------------------------------------------


async def test_429_then_success(llm: OpenAILLM, server: ScriptedOpenAIServer) -> None:
    rule = server.script(
        Reply.error(429, headers=FAST_RETRY), ok(prompt_tokens=9, completion_tokens=3)
    )
    reply = await llm.structured(USER, Operations)
    assert reply.value == ADD_TEA
    assert reply.usage == Usage(calls=1, prompt_tokens=9, completion_tokens=3)
    assert rule.hits == 2 and len(server.bodies(CHAT)) == 2  # the retry really happened


async def test_500s_until_failure(
    make_llm: Callable[..., OpenAILLM], server: ScriptedOpenAIServer
) -> None:
    server.script(Reply.error(503, "overloaded", headers=FAST_RETRY))
    llm = make_llm(max_retries=2)
    with pytest.raises(LLMError) as e:
        await llm.structured(USER, Operations)
    message = str(e.value)
    assert "HTTP 503 after 2 retries (overloaded)" in message
    assert server.base_url in message and "'gpt-test'" in message
    assert "llm.base_url" in message and "llm.model" in message
    assert isinstance(e.value.__cause__, Exception)  # chained for debugging, not raised
    assert len(server.bodies(CHAT)) == 3


async def test_endless_429_says_slow_down(
    make_llm: Callable[..., OpenAILLM], server: ScriptedOpenAIServer
) -> None:
    server.script(Reply.error(429, headers=FAST_RETRY))
    with pytest.raises(LLMError, match=r"kept rate-limiting \(HTTP 429\) after 1 retry"):
        await make_llm(max_retries=1).text(USER)
    assert len(server.bodies(CHAT)) == 2


async def test_timeouts_are_retried_then_reported(
    make_llm: Callable[..., OpenAILLM], server: ScriptedOpenAIServer
) -> None:
    server.script(Reply(chat_completion(GOOD), delay=2))
    llm = make_llm(timeout=0.2, max_retries=1)
    started = time.perf_counter()
    with pytest.raises(LLMError, match=r"timed out \(llm\.timeout=0\.2s\) after 1 retry"):
        await llm.structured(USER, Operations)
    assert time.perf_counter() - started < 2
    assert len(server.bodies(CHAT)) == 2


async def test_a_timeout_then_success(
    make_llm: Callable[..., OpenAILLM], server: ScriptedOpenAIServer
) -> None:
    server.script(Reply(chat_completion(GOOD), delay=2), ok())
    reply = await make_llm(timeout=0.2, max_retries=1).structured(USER, Operations)
    assert reply.value == ADD_TEA and reply.usage.calls == 1
    assert len(server.bodies(CHAT)) == 2


async def test_connection_refused_says_check_base_url() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    async with OpenAILLM(model="m", base_url=url, api_key=KEY, max_retries=0) as llm:
        with pytest.raises(LLMError, match=r"Cannot connect to the LLM at http://127\.0\.0\.1.*"):
            await llm.structured(USER, Operations)
        with pytest.raises(LLMError, match=r"Check llm\.base_url \(host, port and the /v1"):
            await llm.text(USER)


async def test_dropped_connections_are_retried(
    make_llm: Callable[..., OpenAILLM], server: ScriptedOpenAIServer
) -> None:
    server.script(Reply(drop=True))
    with pytest.raises(LLMError, match=r"Cannot connect .* after 1 retry"):
        await make_llm(max_retries=1).text(USER)
    assert len(server.bodies(CHAT)) == 2


async def test_a_wrong_key_is_not_retried_and_says_which_setting() -> None:
    with ScriptedOpenAIServer(api_key="right") as guarded:
        guarded.script(ok())
        async with OpenAILLM(model="m", base_url=guarded.base_url, api_key="wrong") as wrong:
            with pytest.raises(LLMError, match=r"refused the API key \(HTTP 401.*OPENAI_API_KEY"):
                await wrong.structured(USER, Operations)
        assert len(guarded.requests) == 1
        async with OpenAILLM(model="m", base_url=guarded.base_url, api_key="right") as right:
            assert (await right.structured(USER, Operations)).value == ADD_TEA


async def test_a_missing_v1_says_check_model_and_url(server: ScriptedOpenAIServer) -> None:
    base = server.base_url.removesuffix("/v1")
    async with OpenAILLM(model="m", base_url=base, api_key=KEY) as llm:
        with pytest.raises(LLMError, match=r"HTTP 404.*Check llm\.model.*/v1"):
            await llm.text(USER)


async def test_a_closed_llm_says_so(llm: OpenAILLM) -> None:
    await llm.close()
    await llm.close()  # twice is fine
    with pytest.raises(LLMError, match="is closed"):
        await llm.text(USER)


async def test_bad_messages_are_input_errors(llm: OpenAILLM) -> None:
    with pytest.raises(InvalidInputError, match="at least one message"):
        await llm.text([])
    with pytest.raises(InvalidInputError, match="not a string"):
        await llm.text("hello")  # type: ignore[arg-type]


# --- text, vision, concurrency --------------------------------------------------------------------


async def test_text_happy_path(llm: OpenAILLM, server: ScriptedOpenAIServer) -> None:
    server.script(ok("A cat on a sofa.", prompt_tokens=30, completion_tokens=6))
    reply = await llm.text(USER)
    assert reply.value == "A cat on a sofa."
    assert reply.usage == Usage(calls=1, prompt_tokens=30, completion_tokens=6)
    [body] = server.bodies(CHAT)
    assert "response_format" not in body and body["messages"] == USER


async def test_text_empty_reply_is_an_llm_error(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(ok(""))
    with pytest.raises(LLMError, match=r"empty reply \(finish_reason=stop\)"):
        await llm.text(USER)
    assert len(server.bodies(CHAT)) == 1  # no repair for text


async def test_text_cut_at_max_tokens_with_nothing_says_raise_it(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(ok("", finish_reason="length"))
    with pytest.raises(LLMError, match=r"Raise llm\.max_tokens"):
        await llm.text(USER)


async def test_image_parts_pass_through_unchanged(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    image = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this picture?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"},
                },
            ],
            "name": "alice",
        }
    ]
    original = json.loads(json.dumps(image))
    server.script(ok("A cat."), when=lambda b: response_format(b) is None)
    server.script(ok())
    assert (await llm.text(image)).value == "A cat."
    assert (await llm.structured(image, Operations)).value == ADD_TEA
    assert [body["messages"] for body in server.bodies(CHAT)] == [original, original]
    assert image == original  # the caller's messages are not modified


async def test_concurrent_calls_on_one_client(llm: OpenAILLM, server: ScriptedOpenAIServer) -> None:
    server.script(
        Reply(
            lambda body: chat_completion(
                {
                    "operations": [
                        {
                            "event": "ADD",
                            "text": body["messages"][0]["content"],
                            "target": None,
                            "entities": [],
                        }
                    ]
                }
            )
        )
    )
    texts = [f"fact {i}" for i in range(8)]
    replies = await asyncio.gather(
        *(llm.structured([{"role": "user", "content": t}], Operations) for t in texts)
    )
    assert [r.value.operations[0].text for r in replies] == texts


# --- logging --------------------------------------------------------------------------------------


async def test_debug_log_has_model_tokens_latency_and_never_key_or_content(
    llm: OpenAILLM, server: ScriptedOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(ok(WRONG, prompt_tokens=17, completion_tokens=4), ok())
    caplog.set_level(logging.DEBUG, logger="memory_core")
    await llm.structured([{"role": "user", "content": "PRIVATE-MESSAGE"}], Operations)
    ours = [r for r in caplog.records if r.name == "memory_core"]
    calls = [
        r.getMessage() for r in ours if r.levelno == logging.DEBUG and "tokens" in r.getMessage()
    ]
    assert len(calls) == 2
    assert calls[0].startswith("llm gpt-test: 17 prompt + 4 completion tokens in ")
    assert " ms (" in calls[0]
    for record in ours:
        text = record.getMessage()
        assert KEY not in text and "PRIVATE-MESSAGE" not in text and "SECRET-GARBAGE" not in text
    assert KEY not in repr(llm)


# --- configuration --------------------------------------------------------------------------------


async def test_create_llm_from_config_and_mem0_dict(server: ScriptedOpenAIServer) -> None:
    server.script(ok())
    config = LLMConfig(
        model="cfg-model", base_url=server.base_url, api_key=SecretStr(KEY), max_tokens=99
    )
    from_dict = create_llm(
        {"provider": "openai", "config": {"model": "dict-model", "base_url": server.base_url}}
    )
    async with create_llm(config) as llm, from_dict:
        assert isinstance(llm, OpenAILLM) and llm.model_name == "cfg-model"
        await llm.structured(USER, Operations)
        await from_dict.text(USER)
    first, second = server.requests
    assert first.headers["authorization"] == f"Bearer {KEY}"  # SecretStr unwrapped
    assert first.body["max_tokens"] == 99
    assert second.body["model"] == "dict-model"
    assert second.headers["authorization"] == "Bearer not-needed"  # local servers need no key


async def test_azure_openai_by_configuration(server: ScriptedOpenAIServer) -> None:
    path = "/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21"
    server.script(ok(), path=path)
    config = LLMConfig(
        provider="azure_openai",
        model="my-deployment",
        base_url=server.base_url.removesuffix("/v1"),
        api_version="2024-10-21",
        api_key=SecretStr(KEY),
    )
    async with create_llm(config) as llm:
        assert (await llm.structured(USER, Operations)).value == ADD_TEA
    [request] = server.requests
    assert request.path == path
    assert request.headers["api-key"] == KEY
    assert request.body["response_format"]["type"] == "json_schema"


def test_configuration_errors_say_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAILLM(model="gpt-4.1-mini")
    with pytest.raises(ConfigError, match="model name"):
        OpenAILLM(model="", api_key="k")
    with pytest.raises(ConfigError, match=r"llm\.api_version \(e\.g\. 2024-10-21\)"):
        OpenAILLM(model="dep", provider="azure_openai", base_url="https://x.azure.com", api_key="k")
    with pytest.raises(ConfigError, match="for provider 'azure_openai' only"):
        OpenAILLM(model="m", api_key="k", api_version="2024-10-21")
    with pytest.raises(ConfigError, match="response_format"):
        OpenAILLM(model="m", api_key="k", response_format="xml")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="temperature"):
        OpenAILLM(model="m", api_key="k", temperature=3.0)
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    assert OpenAILLM(model="m").base_url == "https://api.openai.com/v1/"


def test_importing_the_llms_package_does_not_import_openai() -> None:
    # memory_core's other packages may import openai; memory_core.llms itself must not.
    code = """if True:
        import builtins, traceback
        original = builtins.__import__
        culprits = []
        def spy(name, *args, **kwargs):
            if name == "openai" or name.startswith("openai."):
                culprits.extend(
                    frame.filename for frame in traceback.extract_stack()[:-1]
                    if "memory_core/llms" in frame.filename.replace("\\\\", "/")
                )
            return original(name, *args, **kwargs)
        builtins.__import__ = spy
        from memory_core.llms import LLM, LLMReply, Usage, create_llm
        import memory_core.llms.structured
        print(len(culprits))
        from memory_core.llms import OpenAILLM
        print(len(culprits) > 0)
    """
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["0", "True"]


def test_module_docstrings_run() -> None:
    for module in (openai_module, structured_module):
        assert doctest.testmod(module).failed == 0
