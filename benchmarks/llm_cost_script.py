"""The LLM-cost benchmark's workload and scripted LLM: LOCOMO sessions as adds, the replies
the scripted server gives each system (the same facts for all), and the token counting
(see :mod:`benchmarks.llm_cost` for the run).
"""

from __future__ import annotations

import ast
import json
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory_core.prompts import extraction, memory_manager

MARK_PATH = "/v1/x-bench/add"
CHAT_PATH = "/v1/chat/completions"
EMBEDDINGS_PATH = "/v1/embeddings"


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
