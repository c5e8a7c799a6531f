"""memory_core.io: the JSONL format and the LOCOMO parser the CLI and benchmarks share."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memory_core.errors import InvalidInputError
from memory_core.io import (
    iter_sessions,
    load_locomo,
    normalize_evidence,
    parse_session_datetime,
    read_jsonl,
    write_jsonl,
)
from memory_core.io.jsonl import count_lines

LOCOMO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "locomo10.json"


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=20))
def test_jsonl_round_trips_floats_exactly(values: list[float]) -> None:
    buffer = io.StringIO()
    write_jsonl([{"t": v, "s": "é\n\u2028"} for v in values], buffer)
    rows = list(read_jsonl(io.StringIO(buffer.getvalue())))
    assert [row["t"] for row in rows] == values
    signs = [math.copysign(1, row["t"]) for row in rows]
    assert signs == [math.copysign(1, v) for v in values]  # -0.0 stays -0.0
    assert buffer.getvalue().count("\n") == len(values)  # one line per row, even with "\n"


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n[1, 2]\n')
    assert count_lines(path) == 2
    with pytest.raises(InvalidInputError, match=r"line 3: expected a JSON object, got list"):
        list(read_jsonl(path))
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(InvalidInputError, match=r"line 2: not valid JSON"):
        list(read_jsonl(path))
    with pytest.raises(ValueError, match="Out of range float"):
        write_jsonl([{"x": math.nan}], io.StringIO())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1:56 pm on 8 May, 2023", datetime(2023, 5, 8, 13, 56, tzinfo=UTC)),
        ("12:09 am on 13 September, 2023", datetime(2023, 9, 13, 0, 9, tzinfo=UTC)),
        ("12:30 pm on 1 January, 2024", datetime(2024, 1, 1, 12, 30, tzinfo=UTC)),
        (" 9:05 AM on 02 Jun 2023 ", datetime(2023, 6, 2, 9, 5, tzinfo=UTC)),
    ],
)
def test_parse_session_datetime(raw: str, expected: datetime) -> None:
    assert parse_session_datetime(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "13:00 pm on 8 May, 2023", "1:56 pm on 31 February, 2023", "1:56 pm on 8 Mai, 2023"]
)
def test_parse_session_datetime_rejects(raw: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_session_datetime(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("D1:3", ["D1:3"]),
        ("D8:6; D9:17", ["D8:6", "D9:17"]),
        ("D:11:26", ["D11:26"]),
        ("D30:05", ["D30:5"]),
        ("D21:18 D21:22 D11:15 D11:19", ["D21:18", "D21:22", "D11:15", "D11:19"]),
        ("D", []),
        (["D1:1", "D1:01", "D2:2"], ["D1:1", "D2:2"]),
    ],
)
def test_normalize_evidence(raw: str | list[str], expected: list[str]) -> None:
    assert normalize_evidence(raw) == expected


def test_iter_sessions_orders_numerically_and_skips_stray_dates() -> None:
    conversation: dict[str, Any] = {
        "speaker_a": "A", "speaker_b": "B",
        **{f"session_{n}_date_time": f"1:00 pm on {n} May, 2023" for n in (1, 2, 10, 11)},
        **{f"session_{n}": [{"speaker": "A", "dia_id": f"D{n}:1", "text": f"s{n}"}]
           for n in (10, 2, 1)},
    }  # fmt: skip
    samples: list[dict[str, Any]] = [
        {"sample_id": "c1", "conversation": conversation},
        {"sample_id": "c2"},
    ]
    sessions = list(iter_sessions(samples, limit_conversations=1))
    assert [s.session_no for s in sessions] == [1, 2, 10]
    sample_id, number, when, turns = sessions[-1]
    assert (sample_id, number, when.day, turns[0].dia_id) == ("c1", 10, 10, "D10:1")
    with pytest.raises(InvalidInputError, match="sample 1"):
        list(iter_sessions(samples))
    del conversation["session_2_date_time"]
    with pytest.raises(InvalidInputError, match="session_2 has no session_2_date_time"):
        list(iter_sessions(samples[:1]))


def test_turns_become_messages_with_image_captions() -> None:
    conversation = {
        "session_1_date_time": "1:00 pm on 1 May, 2023",
        "session_1": [
            {"speaker": "A", "dia_id": "D1:1", "text": "look", "blip_caption": "a photo of a dog"},
            {"speaker": "B", "dia_id": "D1:2", "text": "", "blip_caption": "a photo of a cat"},
        ],
    }
    [(_, _, _, turns)] = iter_sessions([{"sample_id": "c", "conversation": conversation}])
    assert [t.memory_text for t in turns] == ["look [image: a photo of a dog]",
                                             "[image: a photo of a cat]"]  # fmt: skip
    assert turns[0].message() == {
        "role": "user", "content": "look [image: a photo of a dog]", "name": "A",
    }  # fmt: skip
    assert turns[1].metadata("c", 1) == {"dia_id": "D1:2", "session": 1, "sample_id": "c"}


@pytest.mark.skipif(not LOCOMO.is_file(), reason=f"{LOCOMO} not present (it is in CI)")
def test_real_locomo_file_parses() -> None:
    samples = load_locomo(LOCOMO)
    sessions = list(iter_sessions(samples))
    assert len(samples) == 10 and len(sessions) == 272
    assert sum(len(s.turns) for s in sessions) == 5882
    dangling = set()
    for sample in samples:
        dia_ids = {t.dia_id for session in iter_sessions([sample]) for t in session.turns}
        for qa in sample["qa"]:
            evidence = normalize_evidence(qa["evidence"])
            assert all(e[0] == "D" and e.count(":") == 1 for e in evidence)
            dangling |= {(sample["sample_id"], e) for e in evidence if e not in dia_ids}
    # The README's "3 ids point to no turn" counts the bare "D" fragment, which holds no id.
    assert dangling == {("conv-42", "D10:19"), ("conv-47", "D4:36")}
    assert json.dumps(sessions[0].session_datetime.isoformat()) == '"2023-05-08T13:56:00+00:00"'
