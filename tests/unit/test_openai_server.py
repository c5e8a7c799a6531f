"""ScriptedOpenAIServer: rules, sequences, recording, embeddings, the CLI."""

from __future__ import annotations

import base64
import json
import os
import signal
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai import OpenAI

os.environ["HF_HUB_OFFLINE"] = "1"

from memory_core.embeddings import LocalEmbedder
from memory_core.embeddings.local import CACHE_SUBDIR
from memory_core.testing import (
    CHAT,
    DEFAULT,
    EMBEDDINGS,
    Reply,
    Rule,
    ScriptedOpenAIServer,
    always,
    body_contains,
    chat_completion,
)

FAST_RETRY = {"retry-after-ms": "5"}
USER_HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> LocalEmbedder:
    return LocalEmbedder(cache_dir=tmp_path_factory.mktemp("home") / CACHE_SUBDIR)


@pytest.fixture
def server(local: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=local) as running:
        yield running


def chat(server: ScriptedOpenAIServer, content: str = "hello", **options: Any) -> Any:
    client = OpenAI(base_url=server.base_url, api_key="k", **options)
    with client:
        return client.chat.completions.create(
            model="gpt-test", messages=[{"role": "user", "content": content}]
        )


def post(server: ScriptedOpenAIServer, path: str, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(
        server.base_url.removesuffix("/v1") + path,
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# --- lifecycle ------------------------------------------------------------------------------------


def test_base_url_and_stop() -> None:
    server = ScriptedOpenAIServer().start()
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    url = server.base_url
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/models", timeout=2)


def test_stop_does_not_wait_for_a_long_scripted_delay() -> None:
    with ScriptedOpenAIServer() as server:
        server.script(Reply(chat_completion("late"), delay=30))
        with pytest.raises(openai.APITimeoutError):
            chat(server, timeout=0.2, max_retries=0)
        started = time.perf_counter()
    assert time.perf_counter() - started < 2


# --- chat rules -----------------------------------------------------------------------------------


def test_first_matching_rule_answers(server: ScriptedOpenAIServer) -> None:
    server.add_rule(Rule(body_contains("weather"), Reply(chat_completion("sunny"))))
    server.add_rule(Rule(always, Reply(chat_completion("fallback"))))
    assert chat(server, "what's the weather?").choices[0].message.content == "sunny"
    assert chat(server, "anything else").choices[0].message.content == "fallback"


def test_json_content_tool_calls_and_usage(server: ScriptedOpenAIServer) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    server.script(Reply(chat_completion({"facts": ["a"]}, tool_calls=[call], prompt_tokens=7)))
    answer = chat(server)
    assert json.loads(answer.choices[0].message.content) == {"facts": ["a"]}
    assert answer.choices[0].message.tool_calls[0].function.name == "f"
    assert answer.choices[0].finish_reason == "tool_calls"
    assert (answer.usage.prompt_tokens, answer.usage.total_tokens) == (7, 12)


def test_a_reply_computed_from_the_request(server: ScriptedOpenAIServer) -> None:
    server.script(Reply(lambda body: chat_completion(body["messages"][-1]["content"].upper())))
    assert chat(server, "echo me").choices[0].message.content == "ECHO ME"


def test_429_then_success(server: ScriptedOpenAIServer) -> None:
    rule = server.script(Reply.error(429, headers=FAST_RETRY), Reply(chat_completion("ok")))
    assert chat(server, max_retries=1).choices[0].message.content == "ok"
    assert rule.hits == 2
    assert len(server.bodies(CHAT)) == 2


def test_500_until_failure(server: ScriptedOpenAIServer) -> None:
    server.script(Reply.error(500, "down", headers=FAST_RETRY))
    with pytest.raises(openai.InternalServerError, match="down"):
        chat(server, max_retries=2)
    assert len(server.bodies(CHAT)) == 3


def test_the_last_reply_of_a_sequence_repeats(server: ScriptedOpenAIServer) -> None:
    server.script(Reply(chat_completion("one")), Reply(chat_completion("two")))
    answers = [chat(server).choices[0].message.content for _ in range(4)]
    assert answers == ["one", "two", "two", "two"]


def test_timeout_then_success(server: ScriptedOpenAIServer) -> None:
    server.script(Reply(chat_completion("slow"), delay=2), Reply(chat_completion("fast")))
    assert chat(server, timeout=0.3, max_retries=1).choices[0].message.content == "fast"


def test_a_rule_needs_a_reply() -> None:
    with pytest.raises(ValueError, match="at least one Reply"):
        Rule(always, [])
    assert Reply.error(599).status == 599  # statuses Python does not name work too


def test_a_dropped_connection(server: ScriptedOpenAIServer) -> None:
    server.script(Reply(drop=True))
    with pytest.raises(openai.APIConnectionError):
        chat(server, max_retries=0)


def test_no_matching_rule_is_a_400_that_says_so(server: ScriptedOpenAIServer) -> None:
    with pytest.raises(openai.BadRequestError, match="No scripted rule matches"):
        chat(server, max_retries=0)


def test_a_broken_rule_is_a_500_not_a_hang(server: ScriptedOpenAIServer) -> None:
    server.script(Reply(lambda body: 1 / 0))
    with pytest.raises(openai.InternalServerError, match="division by zero"):
        chat(server, max_retries=0)


# --- recording ------------------------------------------------------------------------------------


def test_every_request_is_recorded(server: ScriptedOpenAIServer) -> None:
    server.script(Reply(chat_completion("ok")))
    chat(server, "first")
    status, _ = post(server, "/v1/chat/completions", b"not json")
    assert status == 400
    [first, garbage] = server.requests
    assert first.method == "POST" and first.path == CHAT
    assert first.headers["authorization"] == "Bearer k"
    assert first.body["model"] == "gpt-test"
    assert first.body["messages"] == [{"role": "user", "content": "first"}]
    assert garbage.body == "not json"
    assert server.bodies(CHAT)[0] is first.body
    server.clear()
    assert server.requests == []


def test_api_key_is_enforced_when_set() -> None:
    with ScriptedOpenAIServer(api_key="secret") as server:
        server.script(Reply(chat_completion("ok")))
        with pytest.raises(openai.AuthenticationError):
            chat(server)
        client = OpenAI(base_url=server.base_url, api_key="secret")
        answer = client.chat.completions.create(model="m", messages=USER_HELLO)  # type: ignore[arg-type]
        assert answer.choices[0].message.content == "ok"
        client.close()


# --- embeddings ---------------------------------------------------------------------------------


def test_embeddings_float_and_base64(server: ScriptedOpenAIServer, local: LocalEmbedder) -> None:
    expected = local.embed_sync(["Alice likes tea"])[0]
    status, body = post(
        server, EMBEDDINGS, json.dumps({"model": "m", "input": "Alice likes tea"}).encode()
    )
    assert status == 200
    assert body["data"][0]["embedding"] == expected
    assert body["usage"]["prompt_tokens"] == local.count_tokens(["Alice likes tea"]) > 0
    payload = {"model": "m", "input": ["a", "b"], "encoding_format": "base64"}
    status, body = post(server, EMBEDDINGS, json.dumps(payload).encode())
    decoded = [struct.unpack("<384f", base64.b64decode(d["embedding"])) for d in body["data"]]
    assert [list(v) for v in decoded] == local.embed_sync(["a", "b"])
    assert [d["index"] for d in body["data"]] == [0, 1]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"model": "m", "input": "a", "dimensions": 128}, "384-d vectors"),
        ({"model": "m", "input": ["a", ""]}, "empty strings"),
        ({"model": "m", "input": [[1, 2, 3]]}, "list of strings"),
        ({"input": "a"}, "'model'"),
        ({"model": "m", "input": "a", "encoding_format": "int8"}, "encoding_format"),
    ],
)
def test_embedding_requests_are_validated(
    server: ScriptedOpenAIServer, payload: dict[str, Any], message: str
) -> None:
    status, body = post(server, EMBEDDINGS, json.dumps(payload).encode())
    assert status == 400
    assert message in body["error"]["message"]


def test_embedding_rules_and_default_passthrough(
    server: ScriptedOpenAIServer, local: LocalEmbedder
) -> None:
    server.script(Reply.error(503), DEFAULT, path=EMBEDDINGS)
    payload = json.dumps({"model": "m", "input": "x"}).encode()
    assert post(server, EMBEDDINGS, payload)[0] == 503
    status, body = post(server, EMBEDDINGS, payload)
    assert status == 200 and body["data"][0]["embedding"] == local.embed_sync(["x"])[0]


def test_without_an_embedder_embeddings_say_so() -> None:
    with ScriptedOpenAIServer() as server:
        status, body = post(server, EMBEDDINGS, json.dumps({"model": "m", "input": "x"}).encode())
    assert status == 400 and "without an embedder" in body["error"]["message"]


def test_models_listing(server: ScriptedOpenAIServer) -> None:
    with OpenAI(base_url=server.base_url, api_key="k") as client:
        assert [m.id for m in client.models.list()] == ["all-MiniLM-L6-v2"]


# --- the CLI --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_serves_embeddings(tmp_path: Path, local: LocalEmbedder) -> None:
    env = {**os.environ, "MEMORY_CORE_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    # Started as a shell starts a background job, with SIGINT ignored: it must stop anyway.
    process = subprocess.Popen(
        [sys.executable, "-m", "memory_core.testing.openai_server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving embeddings on http://127.0.0.1:"), line
        base_url = line.split()[-1]
        with OpenAI(base_url=base_url, api_key="k") as client:
            response = client.embeddings.create(model="m", input=["hello"])
        assert response.data[0].embedding == local.embed_sync(["hello"])[0]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
