"""A scripted memory manager: what a model would answer the engine's one structured call.

    >>> from memory_core.testing import ScriptedOpenAIServer, memory_manager
    >>> rule = memory_manager({"I live in Paris": (["Alice lives in Paris"], [], None)})
    >>> with ScriptedOpenAIServer(rules=[rule]) as server:
    ...     server.base_url.startswith("http://")
    True

A script maps a piece of a new message to what the "model" makes of it: the facts it states,
the relations it names (``(source, relationship, destination)``), and the existing memory those
facts supersede, if any. Each fact comes back as the model would decide it against the
memories it was shown: ``NONE`` when it is already one of them, ``UPDATE`` of the superseded
memory when that was shown, ``ADD`` otherwise — so a demo or a test reads as a conversation,
not as a list of operations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from memory_core.testing.openai_server import Reply, Rule, chat_completion

#: A message piece → (facts, relations, the memory the facts supersede).
Script = Mapping[str, tuple[Sequence[str], Sequence[tuple[str, str, str]], str | None]]

#: Where the memory manager's user prompt starts the messages to decide on.
_NEW = "NEW MESSAGES:"


def memory_manager(script: Script) -> Rule:
    """A :class:`Rule` answering the memory manager's requests from ``script``."""

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        prompt = str(request["messages"][-1]["content"])
        existing, new = prompt.split(_NEW, 1)
        shown = {text: int(i) for i, text in re.findall(r"\[(\d+)\] (.+)", existing)}
        scripted = [value for piece, value in script.items() if piece in new]
        if not scripted:
            raise LookupError(f"memory_manager: nothing scripted for {new.strip()!r}")
        facts, relations, supersedes = scripted[0]
        triples = [{"source": s, "relationship": r, "destination": d} for s, r, d in relations]
        operations = [_operation(fact, shown, supersedes) for fact in facts]
        return chat_completion({"operations": operations, "relations": triples})

    return Rule(lambda body: _NEW in str(body), Reply(answer))


def _operation(fact: str, shown: Mapping[str, int], supersedes: str | None) -> dict[str, Any]:
    if fact in shown:
        event, target = "NONE", shown[fact]
    elif supersedes is not None and supersedes in shown:
        event, target = "UPDATE", shown[supersedes]
    else:
        event, target = "ADD", None
    return {
        "event": event, "id": target, "text": fact, "valid_from": None, "valid_until": None,
        "entities": re.findall(r"[A-Z]\w+", fact),
    }  # fmt: skip
