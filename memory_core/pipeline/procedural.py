"""Procedural memory: an agent's trace becomes ONE :class:`ProceduralSummary`.

    >>> from memory_core.pipeline.procedural import summarize_without_llm
    >>> from memory_core.prompts.procedural import render
    >>> trace = [
    ...     {"role": "user", "content": "What is 17 * 23?"},
    ...     {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
    ...      "function": {"name": "calculator", "arguments": '{"expression": "17 * 23"}'}}]},
    ...     {"role": "tool", "tool_call_id": "c1", "content": "391"},
    ...     {"role": "assistant", "content": "17 * 23 = 391."},
    ... ]
    >>> print(render(summarize_without_llm(trace, None)))
    Task: What is 17 * 23?
    Status: completed
    Overview: Built from the trace without an LLM: 1 tool call (calculator), no errors; 1 reply.
    1. called tool calculator with {"expression": "17 * 23"} → 391
    2. replied → 17 * 23 = 391.

The trace
---------
A list of messages, OpenAI style: ``user`` / ``assistant`` / ``system`` turns, assistant
``tool_calls`` (``{"id", "function": {"name", "arguments"}}``; the legacy ``function_call``
too) and ``tool`` results with ``tool_call_id``. LangChain-style dicts work as well: ``type``
(``human`` / ``ai`` / ``tool`` / ``system``) instead of ``role``, ``tool_calls`` as
``{"id", "name", "args"}``. A tool result is matched to its call by ``tool_call_id``; without
one, to the oldest pending call of the same name, else the oldest pending call. ``content``
is a string, a list of parts (text parts are kept, images become ``[image]``, other parts
such as ``tool_use`` are skipped: the calls carry them) or, for tool results, any JSON value.

The deterministic summary (no LLM)
----------------------------------
Each tool call with its result is a step (``called tool X with {args}`` → the exact output);
each assistant text is a step (``replied`` → the text). Results and arguments longer than
``max_chars`` keep their head and tail around a ``[… N characters truncated …]`` marker (the
end of a traceback is where the exception is). Nothing is interpreted: ``key_findings`` stay
empty and ``context`` is null — the verbatim result is the finding.

* **Errors**: a tool result is an error when it says so (``is_error: true`` or
  ``status: "error"``, as LangChain's ``ToolMessage`` does) or when its text starts with the
  word "Error" or "Traceback" (any case; "Errors: none" does not count). The step's error is
  the text's first line — for a traceback, its last line (the exception).
* **Task**: the ``task`` argument, else the first user message.
* **Status**: ``unknown`` with no agent step; ``failed`` if the last step errored;
  ``completed`` if the last step is a reply, no tool call waits for its result and no user
  message follows it; else ``in_progress``.

With an LLM, :func:`summarize_with_llm` sends the same parsed trace, compactly rendered, in
ONE structured call with the :mod:`~memory_core.prompts.procedural` prompt family.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from memory_core.errors import EmptyTextError, InvalidInputError
from memory_core.llms.base import LLM, Usage
from memory_core.llms.base import ChatMessage as Prompt
from memory_core.pipeline.messages import ChatMessage, ToolCall, to_messages
from memory_core.prompts import fill, procedural
from memory_core.prompts.procedural import ProceduralSummary, ProcedureStep, Status

__all__ = [
    "DEFAULT_MAX_CHARS",
    "NO_TASK",
    "render_trace",
    "summarize_with_llm",
    "summarize_without_llm",
    "trace_steps",
    "truncate",
]

#: Results and arguments longer than this keep their head and tail around a marker.
DEFAULT_MAX_CHARS = 1_000
#: The task when neither the caller nor a user message states one.
NO_TASK = "(not stated in the trace)"
REPLIED = "replied"

_ERROR_TEXT = re.compile(r"\s*(error|traceback)\b", re.IGNORECASE)
_ERROR_LINE_CHARS = 300
_TRACE = (
    "A procedural trace is a list of message dicts (OpenAI style, with tool_calls and tool "
    "results) or of LangChain / LlamaIndex messages"
)


# --- the parsed trace --------------------------------------------------------------------


def _parse(messages: Any) -> list[ChatMessage]:
    """The trace through the one normaliser; :class:`EmptyTextError` if no user, assistant
    or tool turn is left."""
    turns = to_messages(messages, expected=_TRACE, label="Trace message")
    if not any(t.role != "system" and (t.content or t.tool_calls) for t in turns):
        raise EmptyTextError()
    return turns


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# --- steps -------------------------------------------------------------------------------


def truncate(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """``text`` if it fits, else its first two thirds and last third of ``max_chars`` around
    a ``[… N characters truncated …]`` line.

    >>> truncate("a" * 6 + "b" * 6, 6)
    'aaaa\\n[… 6 characters truncated …]\\nbb'
    """
    if len(text) <= max_chars:
        return text
    head = max_chars * 2 // 3
    tail = max_chars - head
    omitted = len(text) - max_chars
    end = text[len(text) - tail :] if tail else ""
    return f"{text[:head]}\n[… {omitted} characters truncated …]\n{end}"


@dataclass(slots=True)
class _Draft:
    action: str
    tool: str | None = None  # None for a reply
    result: str | None = None
    errors: list[str] = field(default_factory=list)
    call: ToolCall | None = None  # a tool call still waiting for its result


@dataclass(slots=True)
class _Run:
    """Steps in the making, and what the status rule needs."""

    drafts: list[_Draft] = field(default_factory=list)
    pending: list[_Draft] = field(default_factory=list)
    user_after_last_step: bool = False

    def add(self, turn: ChatMessage, max_chars: int) -> None:
        if turn.role == "user" and turn.content:
            self.user_after_last_step = bool(self.drafts)
        elif turn.role == "assistant":
            self._assistant(turn, max_chars)
        elif turn.role == "tool":
            self._tool(turn, max_chars)

    def _assistant(self, turn: ChatMessage, max_chars: int) -> None:
        if turn.content:
            self._append(_Draft(REPLIED, result=truncate(turn.content, max_chars)))
        for call in turn.tool_calls:
            draft = _Draft(_call_action(call, max_chars), call.name, call=call)
            self._append(draft)
            self.pending.append(draft)

    def _tool(self, turn: ChatMessage, max_chars: int) -> None:
        draft = self._match(turn)
        if draft is None:
            tool = f"tool {turn.name}" if turn.name else "a tool"
            action = f"{tool} returned a result whose call is not in the trace"
            draft = _Draft(action, turn.name or "unknown tool")
            self._append(draft)
        else:
            self.pending.remove(draft)
            draft.call = None
        draft.result = truncate(turn.content, max_chars)
        if turn.error or _ERROR_TEXT.match(turn.content):
            draft.errors = [_error_line(turn.content)]

    def _match(self, turn: ChatMessage) -> _Draft | None:
        if turn.tool_call_id is not None:
            return next(
                (d for d in self.pending if d.call and d.call.id == turn.tool_call_id), None
            )
        same_name = [d for d in self.pending if d.call and d.call.name == turn.name]
        candidates = same_name or self.pending
        return candidates[0] if candidates else None

    def _append(self, draft: _Draft) -> None:
        self.drafts.append(draft)
        self.user_after_last_step = False

    def steps(self) -> list[ProcedureStep]:
        return [
            ProcedureStep(
                number=number,
                action=draft.action,
                result=draft.result,
                key_findings=[],
                errors=list(draft.errors),
                context=None,
            )
            for number, draft in enumerate(self.drafts, start=1)
        ]

    def status(self) -> Status:
        if not self.drafts:
            return "unknown"
        last = self.drafts[-1]
        if last.errors:
            return "failed"
        if last.tool is None and not self.pending and not self.user_after_last_step:
            return "completed"
        return "in_progress"


def _call_action(call: ToolCall, max_chars: int) -> str:
    if not call.arguments:
        return f"called tool {call.name} with no arguments"
    return f"called tool {call.name} with {truncate(call.arguments, max_chars)}"


def _error_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "the tool reported an error without a message"
    line = lines[-1] if lines[0].lower().startswith("traceback") else lines[0]
    return truncate(line, _ERROR_LINE_CHARS)


def _run(turns: Sequence[ChatMessage], max_chars: int) -> _Run:
    if max_chars < 1:
        raise InvalidInputError(
            f"max_chars must be a positive number of characters, got {max_chars}; the default "
            f"is {DEFAULT_MAX_CHARS}."
        )
    run = _Run()
    for turn in turns:
        run.add(turn, max_chars)
    return run


def _task(task: str | None, turns: Sequence[ChatMessage], max_chars: int) -> str:
    if task is not None and task.strip():
        return " ".join(task.split())
    first = next((t.content for t in turns if t.role == "user" and t.content), None)
    return truncate(first, max_chars) if first else NO_TASK


def _overview(run: _Run, turn_count: int) -> str:
    prefix = "Built from the trace without an LLM:"
    if not run.drafts:
        return f"{prefix} no agent steps in {_count(turn_count, 'message')}."
    calls = [d for d in run.drafts if d.tool is not None]
    tools = sorted({d.tool for d in calls if d.tool is not None})
    failed = sum(1 for d in calls if d.errors)
    named = f" ({', '.join(tools)})" if tools else ""
    errors = _count(failed, "error") if failed else "no errors"
    replies = _count(len(run.drafts) - len(calls), "reply", "replies")
    waiting = f"; {_count(len(run.pending), 'call')} without a result" if run.pending else ""
    return f"{prefix} {_count(len(calls), 'tool call')}{named}, {errors}; {replies}{waiting}."


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def trace_steps(messages: Any, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[ProcedureStep]:
    """The numbered steps of a trace, deterministically (see the module docs for the rules).

    Raises :class:`InvalidMessageError` for a malformed message and :class:`EmptyTextError`
    when the trace has no user, assistant or tool message with content.
    """
    return _run(_parse(messages), max_chars).steps()


def summarize_without_llm(
    messages: Any, task: str | None, *, max_chars: int = DEFAULT_MAX_CHARS
) -> ProceduralSummary:
    """The procedural summary built from the trace alone: steps, errors, status, task."""
    turns = _parse(messages)
    run = _run(turns, max_chars)
    return ProceduralSummary(
        task=_task(task, turns, max_chars),
        status=run.status(),
        overview=_overview(run, len(turns)),
        steps=run.steps(),
    )


# --- with an LLM ---------------------------------------------------------------------------


def render_trace(messages: Any, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The trace as the LLM sees it: one numbered block per message, long texts truncated.

    >>> print(render_trace([{"role": "user", "content": "Ping the server"},
    ...     {"role": "assistant", "tool_calls": [{"id": "c1", "name": "ping", "args": {}}]},
    ...     {"role": "tool", "tool_call_id": "c1", "content": "Error: host unreachable"}]))
    [1] user: Ping the server
    [2] assistant called tool ping with no arguments (call c1)
    [3] tool result (call c1): Error: host unreachable
    """
    return "\n".join(_trace_lines(_parse(messages), max_chars))


def _trace_lines(turns: Sequence[ChatMessage], max_chars: int) -> list[str]:
    lines: list[str] = []
    for turn in turns:
        for text in _turn_texts(turn, max_chars):
            lines.append(f"[{len(lines) + 1}] {text}")
    return lines


def _turn_texts(turn: ChatMessage, max_chars: int) -> list[str]:
    if turn.role == "tool":
        who = f"tool {turn.name} result" if turn.name else "tool result"
        ref = f" (call {turn.tool_call_id})" if turn.tool_call_id else ""
        flag = " [flagged as an error]" if turn.error else ""
        return [f"{who}{ref}{flag}: {truncate(turn.content, max_chars)}"]
    texts = [f"{turn.role}: {truncate(turn.content, max_chars)}"] if turn.content else []
    for call in turn.tool_calls:
        ref = f" (call {call.id})" if call.id else ""
        texts.append(f"assistant {_call_action(call, max_chars)}{ref}")
    return texts


async def summarize_with_llm(
    llm: LLM,
    messages: Any,
    task: str | None,
    *,
    custom_instructions: str | None = None,
    prompts: Mapping[str, str] | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    today: date | None = None,
) -> tuple[ProceduralSummary, Usage]:
    """ONE structured LLM call writes the summary; returns it with the call's usage.

    ``prompts`` may replace ``procedural.system`` / ``procedural.user`` (placeholders
    ``{task}``, ``{trace}``, ``{today}``, ``{custom_instructions}``). A given ``task`` is
    kept as the summary's task whatever the model writes; steps are renumbered 1..n in the
    order the model gave them. Raises :class:`~memory_core.errors.LLMError` when the model
    gives no valid summary, and the input errors of :func:`trace_steps`.
    """
    turns = _parse(messages)
    _run(turns, max_chars)  # validates max_chars before anything is sent
    request = _prompt(
        given_task=task,
        trace="\n".join(_trace_lines(turns, max_chars)),
        custom_instructions=custom_instructions,
        prompts=prompts or {},
        today=today or datetime.now(UTC).date(),
    )
    reply = await llm.structured(request, ProceduralSummary, name="procedural_summary")
    return _settle(reply.value, task, turns, max_chars), reply.usage


def _prompt(
    *,
    given_task: str | None,
    trace: str,
    custom_instructions: str | None,
    prompts: Mapping[str, str],
    today: date,
) -> list[Prompt]:
    instructions = (custom_instructions or "").strip()
    task = " ".join(given_task.split()) if given_task and given_task.strip() else None
    values = {
        "task": task or "(not given: infer it from the trace, usually the first user message)",
        "trace": trace,
        "today": today.isoformat(),
        "custom_instructions": f"\nAdditional instructions:\n{instructions}" if instructions
        else "",
    }  # fmt: skip
    return [
        {"role": "system", "content": _fill(prompts, "system", procedural.SYSTEM, values)},
        {"role": "user", "content": _fill(prompts, "user", procedural.USER, values)},
    ]


def _fill(prompts: Mapping[str, str], part: str, default: str, values: Mapping[str, str]) -> str:
    name = f"procedural.{part}"
    return fill(name, prompts.get(name, default), values)


def _settle(
    summary: ProceduralSummary, task: str | None, turns: Sequence[ChatMessage], max_chars: int
) -> ProceduralSummary:
    """The caller's task wins; an empty task falls back to the trace's; steps numbered 1..n."""
    keep = summary.task if summary.task.strip() and not (task and task.strip()) else None
    steps = [s.model_copy(update={"number": n}) for n, s in enumerate(summary.steps, start=1)]
    return summary.model_copy(
        update={"task": keep or _task(task, turns, max_chars), "steps": steps}
    )
