"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for tests and benchmarks.

    >>> from openai import OpenAI
    >>> from memory_core.testing import Reply, Rule, ScriptedOpenAIServer, chat_completion
    >>> with ScriptedOpenAIServer() as server:
    ...     _ = server.add_rule(Rule(lambda body: True, Reply(chat_completion("hi!"))))
    ...     client = OpenAI(base_url=server.base_url, api_key="k")
    ...     answer = client.chat.completions.create(
    ...         model="m", messages=[{"role": "user", "content": "hello"}]
    ...     )
    ...     answer.choices[0].message.content, server.bodies()[0]["messages"][0]["content"]
    ('hi!', 'hello')

It is a real peer at a protocol boundary, driven through the real ``openai`` client:

* ``POST /v1/embeddings`` serves the given embedder's real vectors (``input`` a str or a list
  of str; ``encoding_format`` float or base64; ``dimensions`` must equal the model's size;
  ``usage`` counts the model's tokens).
* ``POST /v1/chat/completions`` answers from :class:`Rule` s. A rule is a predicate on the
  parsed request body and one :class:`Reply` or a sequence of them (each matching request takes
  the next; the last one repeats): ``[Reply.error(429), Reply(chat_completion("ok"))]`` is
  "rate-limited once, then fine"; ``Reply.error(500)`` alone is "down for good";
  ``Reply(delay=5)`` outlasts a short client timeout. With no matching rule the answer is a 400
  that says so (400 because the client does not retry it).
* Rules may target ``/v1/embeddings`` too; :data:`DEFAULT` hands a request back to the real
  embeddings, e.g. ``[Reply.error(500), DEFAULT]``.
* Every request is recorded (:attr:`ScriptedOpenAIServer.requests`) so a test can assert
  exactly what was sent.

``python -m memory_core.testing.openai_server --port 8765`` serves embeddings only (benchmarks
give other systems the very vectors memory-core uses).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import json
import logging
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol

logger = logging.getLogger("memory_core")

EMBEDDINGS = "/v1/embeddings"
CHAT = "/v1/chat/completions"
JSON = dict[str, Any]


class SyncEmbedder(Protocol):
    """What the server needs from an embedder (:class:`~memory_core.embeddings.LocalEmbedder`)."""

    @property
    def dims(self) -> int: ...

    def embed_sync(self, texts: Sequence[str]) -> list[list[float]]: ...

    def count_tokens(self, texts: Sequence[str]) -> int: ...


# --- the script ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``body`` is JSON data, or a function of the request body.

    ``drop=True`` closes the connection without answering (a crashed peer).
    """

    body: Any | Callable[[JSON], Any] = None
    status: int = 200
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def error(
        cls,
        status: int,
        message: str | None = None,
        *,
        delay: float = 0.0,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An OpenAI-shaped error body, e.g. ``Reply.error(429)``.

        Tip: ``headers={"retry-after-ms": "10"}`` makes the openai client retry after 10 ms
        instead of its exponential backoff, which keeps retry tests fast.
        """
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:  # a status Python does not name, e.g. 599
            phrase = ""
        body = _error_body(message or f"scripted {status} {phrase}".strip())
        return cls(body, status, delay, dict(headers or {}))


#: A reply that hands the request to the built-in handler (real embeddings).
DEFAULT = Reply(body="<default>")


@dataclass
class Rule:
    """Answer requests to ``path`` whose body satisfies ``when`` with ``replies`` in turn."""

    when: Callable[[JSON], bool]
    replies: Reply | Sequence[Reply]
    path: str = CHAT
    hits: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.replies, Reply) and not list(self.replies):
            raise ValueError("A Rule needs at least one Reply.")

    def next_reply(self) -> Reply:
        """The reply for this hit; the last one repeats. Caller holds the server's lock."""
        replies = [self.replies] if isinstance(self.replies, Reply) else list(self.replies)
        reply = replies[min(self.hits, len(replies) - 1)]
        self.hits += 1
        return reply


def always(_body: JSON) -> bool:
    """A predicate that matches every request."""
    return True


def body_contains(text: str) -> Callable[[JSON], bool]:
    """A predicate: ``text`` occurs anywhere in the request body (e.g. in a message)."""

    def predicate(body: JSON) -> bool:
        return text in json.dumps(body, ensure_ascii=False)

    return predicate


def chat_completion(
    content: str | Mapping[str, Any] | None = None,
    *,
    tool_calls: Sequence[Mapping[str, Any]] | None = None,
    model: str = "scripted",
    finish_reason: str | None = None,
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
) -> JSON:
    """A ``chat.completion`` body. A mapping ``content`` is sent as its JSON text."""
    text = json.dumps(content) if isinstance(content, Mapping) else content
    message: JSON = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = [dict(call) for call in tool_calls]
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error_body(message: str, kind: str = "invalid_request_error") -> JSON:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


# --- the server ---------------------------------------------------------------------------


class ScriptedOpenAIServer:
    """An OpenAI-compatible server in a background thread; a context manager.

    ``api_key``: if set, requests must carry ``Authorization: Bearer <api_key>`` (else 401).
    """

    def __init__(
        self,
        *,
        embedder: SyncEmbedder | None = None,
        rules: Sequence[Rule] = (),
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        model_name: str = "all-MiniLM-L6-v2",
    ) -> None:
        self.embedder = embedder
        self.api_key = api_key
        self.model_name = model_name
        self._rules = list(rules)
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._address = (host, port)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> ScriptedOpenAIServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _Server(self._address, _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"scripted-openai-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("scripted OpenAI server on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving, end delayed replies and close open connections; safe twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("The server is not running: call start() or use `with`.")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, what ``OpenAI(base_url=...)`` wants."""
        return f"http://{self._address[0]}:{self.port}/v1"

    # --- script and record ------------------------------------------------------------------

    def add_rule(self, rule: Rule) -> Rule:
        """Add a rule after the existing ones (the first matching rule answers)."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def script(
        self, *replies: Reply, when: Callable[[JSON], bool] = always, path: str = CHAT
    ) -> Rule:
        """Shorthand: ``server.script(Reply.error(429), Reply(chat_completion("ok")))``."""
        return self.add_rule(Rule(when, replies, path))

    def clear(self) -> None:
        """Forget every rule and recorded request."""
        with self._lock:
            self._rules.clear()
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    def bodies(self, path: str = CHAT) -> list[Any]:
        """The parsed bodies of the requests to ``path``."""
        return [request.body for request in self.requests if request.path == path]

    # --- answering (called from handler threads) --------------------------------------------

    def _answer(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")  # recorded as text; answered with a 400
        with self._lock:
            self._requests.append(RecordedRequest(method, path, dict(headers), body))
        if isinstance(body, str):
            raise _HTTPError(400, "The request body is not JSON.")
        self._check_auth(headers)
        reply = self._match(path, body) if isinstance(body, dict) else None
        if reply is None or reply is DEFAULT:
            return self._default(method, path, body)
        if callable(reply.body):  # a reply computed from the request
            return dataclasses.replace(reply, body=reply.body(body))
        return reply

    def _check_auth(self, headers: Mapping[str, str]) -> None:
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            raise _HTTPError(401, "Incorrect API key provided (scripted server).")

    def _match(self, path: str, body: JSON) -> Reply | None:
        with self._lock:
            for rule in self._rules:
                if rule.path == path and rule.when(body):
                    return rule.next_reply()
        return None

    def _default(self, method: str, path: str, body: Any) -> Reply:
        if method == "GET" and path == "/v1/models":
            model = {"id": self.model_name, "object": "model", "owned_by": "memory-core"}
            return Reply({"object": "list", "data": [model]})
        if method == "POST" and path == EMBEDDINGS:
            return Reply(self._embeddings(body))
        if method == "POST" and path == CHAT:
            raise _HTTPError(400, "No scripted rule matches this chat request; add a Rule.")
        raise _HTTPError(404, f"The scripted server does not serve {method} {path}.")

    def _embeddings(self, body: Any) -> JSON:
        if self.embedder is None:
            raise _HTTPError(400, "This scripted server was started without an embedder.")
        texts = _embedding_inputs(body)
        dims = body.get("dimensions")
        if dims is not None and dims != self.embedder.dims:
            raise _HTTPError(
                400, f"This model makes {self.embedder.dims}-d vectors; dimensions={dims}."
            )
        encoding = body.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            raise _HTTPError(400, f"encoding_format must be float or base64, not {encoding!r}.")
        vectors = self.embedder.embed_sync(texts)
        tokens = self.embedder.count_tokens(texts)
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(vector, encoding)}
            for i, vector in enumerate(vectors)
        ]
        return {
            "object": "list",
            "data": data,
            "model": body.get("model") or self.model_name,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }


def _embedding_inputs(body: Any) -> list[str]:
    if not isinstance(body, dict) or not body.get("model"):
        raise _HTTPError(400, "An embeddings request needs a JSON body with 'model' and 'input'.")
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise _HTTPError(400, "'input' must be a non-empty string or list of strings.")
    if any(not text for text in texts):
        raise _HTTPError(400, "'input' cannot contain empty strings.")  # as OpenAI answers
    return texts


def _encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler sleeping in a scripted delay must not block stop()
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        owner: ScriptedOpenAIServer,
    ) -> None:
        super().__init__(address, handler)
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Shut keep-alive connections so their handler threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the openai client expects
    # Headers and body go out in two sends; with Nagle's algorithm the body would wait for
    # the client's delayed ACK, ~40-50 ms per request (measured: 60 ms -> 7 ms per request).
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, alive=True)

    def finish(self) -> None:
        self.server.track(self.connection, alive=False)
        super().finish()

    def do_POST(self) -> None:
        self._handle("POST")

    def do_GET(self) -> None:
        self._handle("GET")

    def _handle(self, method: str) -> None:
        owner = self.server.owner
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            reply = owner._answer(method, self.path, headers, raw)
        except _HTTPError as exc:
            kind = "authentication_error" if exc.status == 401 else "invalid_request_error"
            reply = Reply(_error_body(str(exc), kind), exc.status)
        except Exception as exc:  # a bug in a rule or the embedder: tell the client, log it
            logger.exception("scripted server failed on %s %s", method, self.path)
            reply = Reply(_error_body(f"scripted server error: {exc}", "server_error"), 500)
        if reply.delay and owner._stopping.wait(reply.delay):
            reply = Reply(drop=True)  # stopping: do not answer after the script's delay
        if reply.drop:
            self.close_connection = True
            return
        # A client that timed out has gone away; that is the scripted outcome, not an error.
        with contextlib.suppress(ConnectionError):
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        payload = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("scripted server: " + format, *args)


# --- CLI ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """Serve real local embeddings until interrupted (chat requests get a 400)."""
    from pathlib import Path

    from memory_core.embeddings.local import LocalEmbedder

    parser = argparse.ArgumentParser(
        prog="python -m memory_core.testing.openai_server",
        description="Serve all-MiniLM-L6-v2 vectors on an OpenAI-compatible /v1/embeddings.",
    )
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--api-key", default=None, help="require this bearer key")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    embedder = LocalEmbedder(model_dir=args.model_dir)
    embedder.load()  # fail now, not on the first request
    server = ScriptedOpenAIServer(
        embedder=embedder, api_key=args.api_key, host=args.host, port=args.port
    )
    # Stop on SIGINT and SIGTERM even when started from a shell that ignores SIGINT for
    # background jobs (Python keeps an inherited SIG_IGN, and the server would never stop).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with server:
        print(f"serving embeddings on {server.base_url}", flush=True)  # the CLI's output
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
