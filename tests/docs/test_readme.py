"""Every snippet in the README runs, as a new user would run it, and shows what it says.

The README is the user's guide, so its code is tested like code: each ```python block runs in
a fresh Python process (a block marked ``continue`` runs after the block before it, in the
same process, as a reader types them in order), each ```bash block in ``bash -e``, in a
throwaway directory with ``MEMORY_CORE_HOME`` (and ``HOME``) inside it.

An HTML comment right before a block (invisible on GitHub and PyPI) says how to run it:

``<!-- readme: continue -->``
    run after the block before it, in the same process.
``<!-- readme: llm -->``
    ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` point at a local OpenAI-compatible server that
    answers the memory manager as a model would (:data:`MANAGER`) and serves embeddings.
``<!-- readme: peers -->``
    the addresses the README uses for servers (:func:`_peers`) are replaced by this
    machine's real peers: the scripted OpenAI-compatible server, the FalkorDB (Bolt) server,
    a Qdrant server from ``QDRANT_URL`` or else qdrant-client's local mode — the same
    provider and client, without a server process.
``<!-- readme: expect "text" -->``
    the block's output must contain ``text`` (so an example cannot quietly print ``[]``).
``<!-- readme: in-clone -->``
    a bash block run in this checkout, as in a clone (``make demo``), with the PATH the test
    was given.
``<!-- readme: tested-by path -->``
    a block about installing (pip, make) is proven by that test instead, which must exist.

A python or bash block with no comment runs as it is.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from memory_core.embeddings import LocalEmbedder
from memory_core.testing import ScriptedOpenAIServer, memory_manager
from memory_core.testing.falkordb import FalkorDBServer

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
SHARED = ROOT.parent / "shared"
MARKER = re.compile(r"^<!-- readme: (.*) -->$")
FENCE = re.compile(r"^```(\w*)\s*$")

#: What the scripted memory manager answers for a new message containing a key: the facts
#: it extracts, the relations it names, and the existing memory a fact supersedes.
MANAGER: dict[str, tuple[list[str], list[tuple[str, str, str]], str | None]] = {
    "I live in Paris": (["Alice lives in Paris"], [("Alice", "lives_in", "Paris")], None),
    "I moved to Rome": (["Alice lives in Rome"], [("Alice", "lives_in", "Rome")],
                        "Alice lives in Paris"),
    "I work at Acme": (["Alice works at Acme", "Alice lives in Rome"],
                       [("Alice", "works_at", "Acme"), ("Alice", "lives_in", "Rome")], None),
}  # fmt: skip


@dataclass
class Snippet:
    """One fenced block of the README, with what its marker says."""

    line: int
    language: str
    code: str
    marks: list[list[str]] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return any(mark[0] == name for mark in self.marks)

    def values(self, name: str) -> list[str]:
        return [" ".join(mark[1:]) for mark in self.marks if mark[0] == name]


def read_snippets() -> list[Snippet]:
    snippets: list[Snippet] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opened = FENCE.match(lines[index])
        if not opened or not opened.group(1):
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        marks, above = [], index - 1
        while above >= 0 and (found := MARKER.match(lines[above])):
            marks.insert(0, shlex.split(found.group(1)))
            above -= 1
        code = "\n".join(lines[index + 1 : end]) + "\n"
        snippets.append(Snippet(index + 1, opened.group(1), code, marks))
        index = end + 1
    return snippets


def runnable() -> Iterator[Any]:
    """The programs to run: python blocks joined to the blocks they continue; bash blocks."""
    program: list[Snippet] = []
    for snippet in read_snippets():
        if snippet.language not in ("python", "bash") or snippet.has("tested-by"):
            continue
        if snippet.has("continue"):
            assert program and program[-1].language == snippet.language, snippet.line
            program.append(snippet)
            continue
        if program:
            yield pytest.param(program, id=f"line-{program[0].line}")
        program = [snippet]
    if program:
        yield pytest.param(program, id=f"line-{program[0].line}")


@pytest.fixture(scope="module")
def llm_server(embedder: LocalEmbedder) -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(embedder=embedder) as server:
        server.add_rule(memory_manager(MANAGER))
        yield server


def _peers(code: str, server: ScriptedOpenAIServer, falkordb: FalkorDBServer) -> str:
    """The README's server addresses → this machine's peers (see the module docstring)."""
    if not falkordb.running:
        falkordb.start()
    qdrant = os.environ.get("QDRANT_URL")
    replaced = code.replace("bolt://localhost:7687", falkordb.url)
    # The FalkorDB here runs without authentication; Neo4j needs the credentials shown.
    replaced = replaced.replace(', "username": "neo4j", "password": "secret"', "")
    for local_server in ("http://localhost:11434/v1", "http://localhost:8000/v1"):
        replaced = replaced.replace(local_server, server.base_url)
    if qdrant:
        return replaced.replace("http://localhost:6333", qdrant)
    return replaced.replace('"url": "http://localhost:6333"', '"path": "qdrant-local"')


@pytest.mark.parametrize("program", list(runnable()))
def test_readme_snippet_runs(
    program: list[Snippet],
    fast_tmp: Path,
    request: pytest.FixtureRequest,
) -> None:
    first = program[0]
    code = "".join(snippet.code for snippet in program)
    env = {**os.environ, "MEMORY_CORE_HOME": str(fast_tmp / "home"), "HOME": str(fast_tmp)}
    env.update(CREWAI_DISABLE_TELEMETRY="true", CREWAI_DISABLE_TRACKING="true",
               OTEL_SDK_DISABLED="true", CREWAI_TRACING_ENABLED="false",
               CREWAI_DISABLE_VERSION_CHECK="true", HF_HUB_OFFLINE="1")  # fmt: skip
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):  # never a real model by accident
        env.pop(name, None)
    if any(s.has("llm") or s.has("peers") for s in program):
        server: ScriptedOpenAIServer = request.getfixturevalue("llm_server")
        env.update(OPENAI_API_KEY="offline", OPENAI_BASE_URL=server.base_url)
        if any(s.has("peers") for s in program):
            code = _peers(code, server, request.getfixturevalue("falkordb"))
    workdir = fast_tmp / "work"
    workdir.mkdir()
    (fast_tmp / "shared").symlink_to(SHARED)  # `../shared/data/...` as in a clone's CI
    if first.has("in-clone"):
        workdir = ROOT
    else:  # `memory-core` and `python` as after `pip install memory-core`
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    command = [sys.executable, "-c", code] if first.language == "python" else ["bash", "-ec", code]
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip
    where = f"README.md line {first.line}"
    assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
    for snippet in program:
        for expected in snippet.values("expect"):
            assert expected in done.stdout, f"{where}: {expected!r} not in:\n{done.stdout}"


def test_every_install_block_names_a_test_that_exists() -> None:
    for snippet in read_snippets():
        for path in snippet.values("tested-by"):
            assert (ROOT / path).is_file(), f"README.md line {snippet.line}: {path}"


def test_the_readme_has_runnable_snippets_for_every_section() -> None:
    """A guard on the harness itself: if the markers stopped matching, nothing would run."""
    languages = [s.language for s in read_snippets()]
    assert languages.count("python") >= 15 and "bash" in languages
