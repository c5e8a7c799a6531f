"""What verbatim messages are indexed with (neighbours, date) and the speaker candidate list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from memory_core.config import IndexConfig, MemoryConfig, SearchConfig
from memory_core.pipeline.context import Line, date_words, dated, message_op, window
from memory_core.pipeline.normalize import Message
from memory_core.pipeline.ops import ops_from_json, ops_to_json
from memory_core.pipeline.verbatim import verbatim_drafts
from memory_core.retrieval.query import speaker_list
from memory_core.types import Scope

TURNS = [
    Message("user", "Where did you go?", "bo"),
    Message("user", "Lisbon, last week", "ann"),
    Message("user", "Nice!", "bo"),
]
MAY_8 = datetime(2023, 5, 8, 13, 56, tzinfo=UTC).timestamp()


LINES = [Line(f"{m.actor_id}: {m.content}", None) for m in TURNS]


def test_window_takes_neighbours_on_both_sides() -> None:
    config = IndexConfig(context_before=1, context_after=1, date_in_text=False)
    assert [window(LINES, i, config) for i in range(3)] == [
        "bo: Where did you go?\nann: Lisbon, last week",
        "bo: Where did you go?\nann: Lisbon, last week\nbo: Nice!",
        "ann: Lisbon, last week\nbo: Nice!",
    ]


def test_window_before_only_and_none() -> None:
    before = IndexConfig(context_before=2, context_after=0, date_in_text=False)
    assert window(LINES, 2, before) == "bo: Where did you go?\nann: Lisbon, last week\nbo: Nice!"
    assert window(LINES, 0, before) == "bo: Where did you go?"
    alone = IndexConfig(context_before=0, context_after=0, date_in_text=False)
    assert [window(LINES, i, alone) for i in range(3)] == [line.text for line in LINES]


def test_date_goes_in_front_in_words_only_when_known_and_on() -> None:
    on = IndexConfig(context_before=0, context_after=0, date_in_text=True)
    assert dated("bo: Where did you go?", on, MAY_8) == "8 May 2023: bo: Where did you go?"
    assert dated("bo: Where did you go?", on, None) == "bo: Where did you go?"
    off = on.model_copy(update={"date_in_text": False})
    assert dated("bo: Where did you go?", off, MAY_8) == "bo: Where did you go?"
    assert date_words(MAY_8) == "8 May 2023"


def test_drafts_are_each_message_alone_and_system_messages_are_skipped() -> None:
    messages = [Message("system", "Be brief"), *TURNS[:2]]
    index = IndexConfig(context_before=1, context_after=1, date_in_text=True, context_for="both")
    drafts = verbatim_drafts(messages, Scope(user_id="u"), {}, 0.0, valid_from=MAY_8, index=index)
    assert [d.record.text for d in drafts] == ["Where did you go?", "Lisbon, last week"]
    # Neighbours come from the conversation under the writer's lock, never from the call.
    assert drafts[1].embed_text == "8 May 2023: ann: Lisbon, last week"
    assert drafts[1].sparse_text is None
    plain = verbatim_drafts(messages, Scope(user_id="u"), {}, 0.0, valid_from=MAY_8)
    assert [d.embed_text for d in plain] == ["bo: Where did you go?", "ann: Lisbon, last week"]


def test_index_and_search_knobs_are_validated() -> None:
    assert MemoryConfig(index={"context_before": 2}).index.context_before == 2
    with pytest.raises(ValidationError):
        IndexConfig(context_after=-1)
    with pytest.raises(ValidationError):
        SearchConfig(mode="graph")
    with pytest.raises(ValidationError):
        SearchConfig(speaker_weight=2.0)


def test_speaker_list_matches_whole_names_any_case() -> None:
    payloads = {
        "a1": {"actor_id": "Caroline"},
        "a2": {"actor_id": "Caroline"},
        "b1": {"actor_id": "Mel"},
        "c1": {"actor_id": None},
        "d1": {"actor_id": "@bo"},
    }
    assert speaker_list("When did caroline's dog run away?", payloads) == [
        ("a1", 1.0),
        ("a2", 1.0),
    ]
    assert speaker_list("What did Melanie paint?", payloads) == []  # "Mel" is not "Melanie"
    assert speaker_list("ask @bo and Mel", payloads) == [("b1", 1.0), ("d1", 1.0)]
    assert speaker_list("nobody named", payloads) == []


def test_context_for_bm25_keeps_the_dense_text_the_message_and_survives_the_journal() -> None:
    index = IndexConfig(context_before=1, context_after=0, date_in_text=True)  # default: bm25
    [draft] = verbatim_drafts(TURNS[1:2], Scope(user_id="u"), {}, 0.0, valid_from=MAY_8)
    dated_record = draft.record.model_copy(update={"valid_from": MAY_8})
    op = message_op(dated_record, index, window([LINES[0], Line(LINES[1].text, MAY_8)], 1, index))
    assert op.embed_text == "8 May 2023: ann: Lisbon, last week"
    assert op.bm25_text == "8 May 2023: bo: Where did you go?\nann: Lisbon, last week"
    both = message_op(dated_record, index.model_copy(update={"context_for": "both"}), op.bm25_text)
    assert both.embed_text == both.bm25_text == op.bm25_text
    assert message_op(dated_record, index).sparse_text is None  # one text serves both
    assert ops_from_json(ops_to_json([op, both])) == [op, both]
