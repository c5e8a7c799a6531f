"""Procedural summaries: deterministic from a trace, and through the real OpenAILLM against
the scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import doctest
import json
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import pytest

from memory_core.errors import (
    ConfigError,
    EmptyTextError,
    InvalidInputError,
    InvalidMessageError,
    LLMError,
)
from memory_core.llms import OpenAILLM, Usage
from memory_core.llms.structured import strict_json_schema
from memory_core.pipeline import procedural as pipeline_module
from memory_core.pipeline.procedural import (
    NO_TASK,
    render_trace,
    summarize_with_llm,
    summarize_without_llm,
    trace_steps,
    truncate,
)
from memory_core.prompts import procedural as prompts_module
from memory_core.prompts.procedural import ProceduralSummary, ProcedureStep, render
from memory_core.testing import CHAT, Reply, ScriptedOpenAIServer, chat_completion

TASK = "Find the current population of Lisbon and save it to notes/lisbon.md"
SEARCH_RESULT = json.dumps(
    [
        {
            "title": "Lisbon - Wikipedia",
            "url": "https://en.wikipedia.org/wiki/Lisbon",
            "snippet": "Lisbon has a population of 545,796 (2023 estimate).",
        }
    ]
)
FORBIDDEN = "Error: HTTP 403 Forbidden for https://www.ine.pt/lisbon"
WROTE = "Wrote 42 bytes to notes/lisbon.md"
ANSWER = (
    "Lisbon had 545,796 inhabitants in 2023 (estimate); saved to notes/lisbon.md.\n"
    "The INE page refused access (403), so the figure comes from the search result."
)


def call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def research_trace() -> list[dict[str, Any]]:
    """A web-research agent: 3 tool calls, the second fails, then the final answer."""
    return [
        {"role": "system", "content": "You are a research assistant with web and file tools."},
        {"role": "user", "content": TASK},
        {
            "role": "assistant",
            "content": "I'll search for it first.",
            "tool_calls": [call("call_1", "web_search", {"query": "Lisbon population 2023"})],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": SEARCH_RESULT},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call("call_2", "fetch_page", {"url": "https://www.ine.pt/lisbon"})],
        },
        {"role": "tool", "tool_call_id": "call_2", "content": FORBIDDEN},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                call(
                    "call_3",
                    "write_file",
                    {"path": "notes/lisbon.md", "content": "Lisbon: 545,796 (2023)"},
                )
            ],
        },
        {"role": "tool", "tool_call_id": "call_3", "content": WROTE},
        {"role": "assistant", "content": ANSWER},
    ]


RENDERED = f"""\
Task: {TASK}
Status: completed
Overview: Built from the trace without an LLM: 3 tool calls (fetch_page, web_search, \
write_file), 1 error; 2 replies.
1. replied → I'll search for it first.
2. called tool web_search with {{"query": "Lisbon population 2023"}} → {SEARCH_RESULT}
3. called tool fetch_page with {{"url": "https://www.ine.pt/lisbon"}} → {FORBIDDEN}
   Errors: {FORBIDDEN}
4. called tool write_file with {{"path": "notes/lisbon.md", "content": "Lisbon: 545,796 \
(2023)"}} → {WROTE}
5. replied → Lisbon had 545,796 inhabitants in 2023 (estimate); saved to notes/lisbon.md.
   The INE page refused access (403), so the figure comes from the search result."""


def step(number: int, action: str, result: str | None, errors: list[str]) -> ProcedureStep:
    return ProcedureStep(
        number=number, action=action, result=result, key_findings=[], errors=errors, context=None
    )


# --- the deterministic summary ---------------------------------------------------------------


def test_steps_of_a_multi_tool_trace_are_exact_and_verbatim() -> None:
    assert trace_steps(research_trace()) == [
        step(1, "replied", "I'll search for it first.", []),
        step(
            2,
            'called tool web_search with {"query": "Lisbon population 2023"}',
            SEARCH_RESULT,
            [],
        ),
        step(
            3,
            'called tool fetch_page with {"url": "https://www.ine.pt/lisbon"}',
            FORBIDDEN,
            [FORBIDDEN],
        ),
        step(
            4,
            'called tool write_file with {"path": "notes/lisbon.md", '
            '"content": "Lisbon: 545,796 (2023)"}',
            WROTE,
            [],
        ),
        step(5, "replied", ANSWER, []),
    ]


def test_summary_takes_the_task_from_the_first_user_message_and_completes() -> None:
    summary = summarize_without_llm(research_trace(), None)
    assert summary.task == TASK
    assert summary.status == "completed"
    assert len(summary.steps) == 5


def test_render_is_stable_readable_text() -> None:
    summary = summarize_without_llm(research_trace(), None)
    assert render(summary) == RENDERED
    again = ProceduralSummary.model_validate_json(summary.model_dump_json())
    assert render(again) == render(summarize_without_llm(research_trace(), None)) == RENDERED


def test_a_given_task_wins_over_the_first_user_message() -> None:
    summary = summarize_without_llm(research_trace(), "  Lisbon   population ")
    assert summary.task == "Lisbon population"


def test_without_a_user_message_the_task_says_so() -> None:
    trace = [{"role": "assistant", "content": "Nightly cleanup done."}]
    assert summarize_without_llm(trace, None).task == NO_TASK


@pytest.mark.parametrize(
    ("cut", "extra", "status"),
    [
        (6, [], "failed"),  # ends on the fetch_page error
        (7, [], "in_progress"),  # write_file called, no result yet
        (8, [], "in_progress"),  # a tool result the agent has not answered
        (9, [], "completed"),
        (9, [{"role": "user", "content": "Also Porto?"}], "in_progress"),
        (2, [], "unknown"),  # system + user: no agent step at all
    ],
)
def test_status(cut: int, extra: list[dict[str, Any]], status: str) -> None:
    assert summarize_without_llm(research_trace()[:cut] + extra, None).status == status


def test_a_pending_call_has_no_result_and_renders_so() -> None:
    summary = summarize_without_llm(research_trace()[:7], None)
    assert summary.steps[-1].result is None
    assert render(summary).splitlines()[-1].endswith("→ (no result in the trace)")
    assert summary.overview.endswith("; 1 reply; 1 call without a result.")


def test_a_reply_after_an_error_completes_the_run() -> None:
    trace = [*research_trace()[:6], {"role": "assistant", "content": "I could not get it."}]
    assert summarize_without_llm(trace, None).status == "completed"


def test_huge_results_keep_head_and_tail_around_a_marker() -> None:
    page = "<html>" + "x" * 10_000 + "</html>"
    trace = [
        {"role": "user", "content": "Fetch it"},
        {"role": "assistant", "tool_calls": [call("c", "fetch_page", {"url": "u"})]},
        {"role": "tool", "tool_call_id": "c", "content": page},
    ]
    [only] = trace_steps(trace, max_chars=300)
    assert (
        only.result == f"{page[:200]}\n[… {len(page) - 300} characters truncated …]\n{page[-100:]}"
    )
    assert only.result is not None and only.result.endswith("</html>")
    [default] = trace_steps(trace)
    assert default.result is not None and "[… 9013 characters truncated …]" in default.result
    assert truncate("short", 5) == "short"


def test_long_arguments_are_truncated_too() -> None:
    trace = [{"role": "assistant", "tool_calls": [call("c", "write_file", {"content": "y" * 500})]}]
    [only] = trace_steps(trace, max_chars=100)
    assert "characters truncated …]" in only.action and len(only.action) < 200


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (
            {"content": "Traceback (most recent call last):\n  File x\nKeyError: 'id'"},
            "KeyError: 'id'",
        ),
        ({"content": "error: disk full\nretry later"}, "error: disk full"),
        ({"content": "ERROR 500"}, "ERROR 500"),
        ({"content": "rate limited", "is_error": True}, "rate limited"),
        ({"content": "timed out", "status": "error"}, "timed out"),
        ({"content": "", "status": "error"}, "the tool reported an error without a message"),
    ],
)
def test_tool_errors_are_detected(message: dict[str, Any], error: str) -> None:
    trace = [
        {"role": "assistant", "tool_calls": [call("c", "run", {})]},
        {"role": "tool", "tool_call_id": "c", **message},
    ]
    [only] = trace_steps(trace)
    assert only.action == "called tool run with no arguments"
    assert only.errors == [error]
    assert summarize_without_llm(trace, None).status == "failed"


@pytest.mark.parametrize("content", ["Errors: none", "0 errors", "errorless run", "OK"])
def test_results_that_merely_mention_errors_are_not_errors(content: str) -> None:
    trace = [
        {"role": "assistant", "tool_calls": [call("c", "lint", {})]},
        {"role": "tool", "tool_call_id": "c", "content": content, "status": "success"},
    ]
    assert trace_steps(trace)[0].errors == []


def test_parallel_calls_keep_call_order_whatever_order_results_come_in() -> None:
    trace = [
        {
            "role": "assistant",
            "tool_calls": [call("a", "weather", {"city": "Rome"}), call("b", "weather", {})],
        },
        {"role": "tool", "tool_call_id": "b", "content": "sunny"},
        {"role": "tool", "tool_call_id": "a", "content": "rain"},
    ]
    steps = trace_steps(trace)
    assert [(s.action, s.result) for s in steps] == [
        ('called tool weather with {"city": "Rome"}', "rain"),
        ("called tool weather with no arguments", "sunny"),
    ]


def test_results_without_ids_match_by_name_then_oldest_and_orphans_stay_visible() -> None:
    trace = [
        {"role": "assistant", "tool_calls": [call("a", "search", {}), call("b", "read", {})]},
        {"role": "tool", "name": "read", "content": "file body"},
        {"role": "tool", "content": "hits"},
        {"role": "tool", "tool_call_id": "zzz", "name": "search", "content": "late"},
    ]
    steps = trace_steps(trace)
    assert [s.result for s in steps] == ["hits", "file body", "late"]
    assert steps[2].action == "tool search returned a result whose call is not in the trace"


def test_langchain_dicts_give_the_same_steps_as_openai_ones() -> None:
    langchain = [
        {"type": "human", "content": "Is example.com up?"},
        {
            "type": "ai",
            "content": [{"type": "text", "text": "Checking."}, {"type": "tool_use", "id": "t"}],
            "tool_calls": [{"name": "ping", "args": {"host": "example.com"}, "id": "t"}],
        },
        {"type": "tool", "tool_call_id": "t", "name": "ping", "content": "down", "status": "error"},
    ]
    openai_style = [
        {"role": "user", "content": "Is example.com up?"},
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [call("t", "ping", {"host": "example.com"})],
        },
        {"role": "tool", "tool_call_id": "t", "content": "down", "is_error": True},
    ]
    assert summarize_without_llm(langchain, None) == summarize_without_llm(openai_style, None)
    assert trace_steps(langchain)[1].errors == ["down"]


def test_legacy_function_calls_and_structured_tool_content() -> None:
    trace = [
        {"role": "assistant", "function_call": {"name": "lookup", "arguments": "not json"}},
        {"role": "function", "name": "lookup", "content": {"id": 7, "ok": True}},
        {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
    ]
    steps = trace_steps(trace)
    assert steps[0].action == "called tool lookup with not json"
    assert steps[0].result == '{"id": 7, "ok": true}'
    assert steps[1].result == "[image]"


@pytest.mark.parametrize(
    "trace",
    [[], [{"role": "system", "content": "be brief"}], [{"role": "user", "content": "  "}], ""],
)
def test_a_trace_without_usable_messages_is_refused(trace: Any) -> None:
    with pytest.raises(EmptyTextError):
        summarize_without_llm(trace, None)


@pytest.mark.parametrize(
    ("trace", "hint"),
    [
        (42, "list of message dicts"),
        ([3.5], "use a dict with 'role'"),
        ([{"role": "robot", "content": "beep"}], "has role 'robot'"),
        ([{"role": "user", "content": 7}], "content is a int"),
        ([{"role": "user", "content": [None]}], "content part None"),
        ([{"role": "assistant", "tool_calls": "search"}], "use a list of"),
        ([{"role": "assistant", "tool_calls": [{"id": "c"}]}], "has a tool call"),
        ([{"role": "tool", "tool_call_id": 5, "content": "x"}], "has tool_call_id 5"),
    ],
)
def test_malformed_messages_say_what_to_fix(trace: Any, hint: str) -> None:
    with pytest.raises(InvalidMessageError, match=r"Trace message|trace is") as info:
        trace_steps(trace)
    assert hint in str(info.value)


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(InvalidInputError, match="max_chars must be a positive"):
        trace_steps(research_trace(), max_chars=0)


def test_reply_model_is_strict_schema_friendly() -> None:
    schema = strict_json_schema(ProceduralSummary)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["task", "status", "overview", "steps"]
    assert schema["properties"]["status"]["enum"] == [
        "completed",
        "in_progress",
        "failed",
        "unknown",
    ]
    assert "default" not in json.dumps(schema)
    with pytest.raises(ValueError, match="extra"):
        ProcedureStep.model_validate({**step(1, "a", "b", []).model_dump(), "note": "x"})


def test_render_trace_is_compact_and_numbered() -> None:
    lines = render_trace(research_trace()).splitlines()
    assert lines[1] == f"[2] user: {TASK}"
    assert lines[3] == (
        '[4] assistant called tool web_search with {"query": "Lisbon population 2023"} '
        "(call call_1)"
    )
    assert lines[6] == f"[7] tool result (call call_2): {FORBIDDEN}"
    assert lines[9].startswith("[10] assistant: Lisbon had 545,796")


def test_module_docstrings_run() -> None:
    for module in (pipeline_module, prompts_module):
        assert doctest.testmod(module).failed == 0


# --- with the LLM, through the real client --------------------------------------------------

LLM_SUMMARY: dict[str, Any] = {
    "task": "Find Lisbon's population and save it",
    "status": "completed",
    "overview": "Found 545,796 (2023) by search; the INE page was forbidden; saved the note.",
    "steps": [
        {
            "number": 3,
            "action": 'web_search {"query": "Lisbon population 2023"}',
            "result": SEARCH_RESULT,
            "key_findings": ["Lisbon population 545,796 (2023 estimate)"],
            "errors": [],
            "context": "Has the figure; wants the official source next.",
        },
        {
            "number": 7,
            "action": "fetch_page https://www.ine.pt/lisbon",
            "result": FORBIDDEN,
            "key_findings": [],
            "errors": [FORBIDDEN],
            "context": None,
        },
    ],
}


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer() as server:
        yield server


@pytest.fixture
def server(shared_server: ScriptedOpenAIServer) -> ScriptedOpenAIServer:
    shared_server.clear()
    return shared_server


@pytest.fixture
async def llm(server: ScriptedOpenAIServer) -> AsyncIterator[OpenAILLM]:
    async with OpenAILLM(
        model="gpt-test", base_url=server.base_url, api_key="k", max_retries=0, timeout=5.0
    ) as client:
        yield client


async def test_llm_writes_the_summary_in_one_structured_call(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(Reply(chat_completion(LLM_SUMMARY, prompt_tokens=321, completion_tokens=54)))
    summary, usage = await summarize_with_llm(
        llm,
        research_trace(),
        None,
        custom_instructions="Always note the data source.",
        today=date(2025, 3, 14),
    )
    assert usage == Usage(calls=1, prompt_tokens=321, completion_tokens=54)
    assert summary.task == LLM_SUMMARY["task"] and summary.status == "completed"
    assert [s.number for s in summary.steps] == [1, 2]  # renumbered in the given order
    assert summary.steps[1].errors == [FORBIDDEN]
    [body] = server.bodies(CHAT)
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "Today is 2025-03-14." in system["content"]
    assert system["content"].endswith("Additional instructions:\nAlways note the data source.")
    assert render_trace(research_trace()) in user["content"]
    assert FORBIDDEN in user["content"] and "(call call_3)" in user["content"]
    assert "not given: infer it from the trace" in user["content"]
    sent = body["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "procedural_summary"
    assert sent["json_schema"]["schema"] == strict_json_schema(ProceduralSummary)


async def test_prompt_overrides_reach_the_request_and_the_given_task_wins(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(Reply(chat_completion(LLM_SUMMARY)))
    prompts = {
        "procedural.system": "Summarize agent runs for ACME ({today}).{custom_instructions}",
        "procedural.user": "Job: {task}\n--\n{trace}",
        "extraction.system": "not used here",
    }
    summary, usage = await summarize_with_llm(
        llm, research_trace(), "lisbon-population", prompts=prompts, today=date(2025, 1, 2)
    )
    assert summary.task == "lisbon-population"
    assert usage.calls == 1
    system, user = server.bodies(CHAT)[0]["messages"]
    assert system["content"] == "Summarize agent runs for ACME (2025-01-02)."
    assert user["content"] == f"Job: lisbon-population\n--\n{render_trace(research_trace())}"


async def test_a_prompt_with_an_unknown_placeholder_fails_before_any_request(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    with pytest.raises(ConfigError, match=r"procedural\.user.*\{trace\}"):
        await summarize_with_llm(
            llm, research_trace(), None, prompts={"procedural.user": "{steps}"}
        )
    assert server.bodies(CHAT) == []


async def test_bad_input_fails_before_any_request(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    with pytest.raises(EmptyTextError):
        await summarize_with_llm(llm, [], None)
    with pytest.raises(InvalidMessageError):
        await summarize_with_llm(llm, [{"role": "robot"}], None)
    assert server.bodies(CHAT) == []


async def test_an_unusable_reply_is_an_llm_error_after_one_repair(
    llm: OpenAILLM, server: ScriptedOpenAIServer
) -> None:
    server.script(Reply(chat_completion({**LLM_SUMMARY, "status": "maybe"})))
    with pytest.raises(LLMError, match="even after one repair retry"):
        await summarize_with_llm(llm, research_trace(), None)
    assert len(server.bodies(CHAT)) == 2


def test_an_empty_tool_result_is_not_a_missing_one() -> None:
    trace = [
        {"role": "assistant", "tool_calls": [call("c", "touch", {"path": "a.txt"})]},
        {"role": "tool", "tool_call_id": "c", "content": ""},
    ]
    summary = summarize_without_llm(trace, "touch a file")
    assert summary.steps[0].result == ""
    last = render(summary).splitlines()[-1]
    assert last == '1. called tool touch with {"path": "a.txt"} → (empty result)'
