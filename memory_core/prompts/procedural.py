"""Procedural memory: an agent's run as an overview and numbered steps, and its stored text.

    >>> from memory_core.prompts.procedural import ProceduralSummary, render
    >>> summary = ProceduralSummary.model_validate({
    ...     "task": "Find the population of Lisbon", "status": "completed",
    ...     "overview": "Searched once and answered.",
    ...     "steps": [{"number": 1, "action": 'called tool web_search with {"q": "Lisbon"}',
    ...                "result": "Lisbon: 545,796 (2023)", "key_findings": ["545,796 in 2023"],
    ...                "errors": [], "context": None}]})
    >>> print(render(summary))
    Task: Find the population of Lisbon
    Status: completed
    Overview: Searched once and answered.
    1. called tool web_search with {"q": "Lisbon"} → Lisbon: 545,796 (2023)
       Key findings: 545,796 in 2023

The LLM gets :data:`SYSTEM` and :data:`USER` (placeholders ``{today}``,
``{custom_instructions}``, ``{task}`` and ``{trace}``; config replaces them under the names
``procedural.system`` / ``procedural.user``) and must answer a :class:`ProceduralSummary`.
The fields follow Mem0's procedural memory — task objective, progress status, and per step
the action, its exact result, key findings, errors and the current context (Mem0's
"navigation history" belongs in the context here). Every field is required (nullable where
it may be unknown), as strict structured output wants. Without an LLM,
:mod:`memory_core.pipeline.procedural` builds the same model from the trace.

:func:`render` turns a summary into the memory's text: plain lines, deterministic, with the
verbatim results in it so a search for an error message or a value finds the procedure.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

Status: TypeAlias = Literal["completed", "in_progress", "failed", "unknown"]

SYSTEM = """\
You keep the procedural memory of an AI agent: a record of what it did during one run, \
precise enough that the agent (or another one) can pick the task up again without \
repeating work or guessing. Today is {today}.

You are given the TASK and the agent's TRACE: numbered messages in order — user and \
assistant turns, the agent's tool calls (tool name and arguments) and the tool results. \
Summarize the run as:
- "task": the objective the agent works on, in one sentence (use the given task if there is \
one).
- "status": "completed" if the agent finished the task and gave its answer, "failed" if it \
gave up or ended on an error it did not recover from, "in_progress" if work remains (a tool \
call without a result, a question not yet answered), "unknown" if the trace does not say.
- "overview": two or three sentences on the progress: what is done, what is left, and the \
outcome or the blocker.
- "steps": every agent action in the order it happened, numbered from 1. A tool call and its \
result form one step; a reply to the user is a step with action "replied". For each step:
  - "action": what the agent did, with the tool name and its exact arguments (URLs, paths, \
queries, ids).
  - "result": the exact output, copied verbatim — values, JSON, error messages and stack \
traces as received, never paraphrased; a "[… N characters truncated …]" marker in the trace \
stays as it is. Null if the trace holds no result for that action.
  - "key_findings": the facts this step established that matter for the task (data points, \
URLs, ids, file names, counts); an empty list if none.
  - "errors": the error messages and problems of this step, verbatim, and any recovery the \
agent attempted; an empty list if it went fine.
  - "context": the state after the step (where the agent is, what it holds, which pages or \
files it visited) and what it is about to do next; null if nothing is worth saying.
Keep every number, name and identifier exact. Do not invent steps, results or findings that \
are not in the trace.
{custom_instructions}"""

USER = """\
TASK:
{task}

TRACE:
{trace}"""


class ProcedureStep(BaseModel):
    """One agent action: a tool call with its result, or a reply."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(description="Position in the run, from 1.")
    action: str = Field(description="What the agent did, with the tool name and arguments.")
    result: str | None = Field(description="The exact output; null if the trace has none.")
    key_findings: list[str] = Field(description="Facts this step established.")
    errors: list[str] = Field(description="Error messages and problems of this step, verbatim.")
    context: str | None = Field(description="The state after the step and what comes next.")


class ProceduralSummary(BaseModel):
    """An agent's run: task objective, progress status, overview and numbered steps."""

    model_config = ConfigDict(extra="forbid")

    task: str = Field(description="The objective the agent works on.")
    status: Status = Field(description="Progress status of the run.")
    overview: str = Field(description="What is done, what is left, the outcome or blocker.")
    steps: list[ProcedureStep] = Field(description="Every agent action, in order.")


_INDENT = "   "
NO_RESULT = "(no result in the trace)"
EMPTY_RESULT = "(empty result)"


def render(summary: ProceduralSummary) -> str:
    """The text stored as the procedure memory. Deterministic: same summary, same text.

    ``Task:``, ``Status:`` and ``Overview:`` lines, then one entry per step:
    ``N. action → result`` (``(no result in the trace)`` for ``None``, ``(empty result)`` for
    blank text), a multi-line result continuing on indented lines, then indented
    ``Key findings:``, ``Errors:`` and ``Context:`` lines when the step has them.
    """
    lines = [
        f"Task: {_flat(summary.task)}",
        f"Status: {summary.status}",
        f"Overview: {_flat(summary.overview)}",
    ]
    for step in summary.steps:
        lines.extend(_step_lines(step))
    return "\n".join(line.rstrip() for line in lines)


def _step_lines(step: ProcedureStep) -> list[str]:
    if step.result is None:
        first, rest = NO_RESULT, []
    else:
        first, *rest = step.result.strip().splitlines() or [EMPTY_RESULT]
    lines = [f"{step.number}. {_flat(step.action)} → {first}"]
    lines.extend(f"{_INDENT}{line}" for line in rest)
    if step.key_findings:
        lines.append(f"{_INDENT}Key findings: {'; '.join(_flat(f) for f in step.key_findings)}")
    if step.errors:
        lines.append(f"{_INDENT}Errors: {'; '.join(_flat(e) for e in step.errors)}")
    if step.context and step.context.strip():
        lines.append(f"{_INDENT}Context: {_flat(step.context)}")
    return lines


def _flat(text: str) -> str:
    """One line: runs of whitespace (newlines included) become one space."""
    return " ".join(text.split())
