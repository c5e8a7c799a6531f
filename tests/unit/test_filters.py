"""The filter language parses to one AST; bad filters raise typed errors that say what to do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from memory_core.errors import InvalidFilterError, UnknownFilterOperatorError
from memory_core.filters import And, Cond, Not, Or, and_, parse_filter


def test_plain_keys_are_metadata_and_reserved_keys_are_fields() -> None:
    assert parse_filter({"topic": "food"}) == Cond("metadata.topic", "eq", "food")
    assert parse_filter({"metadata.topic": "x"}) == Cond("metadata.topic", "eq", "x")
    assert parse_filter({"actor_id": "alice"}) == Cond("actor_id", "eq", "alice")


def test_operators_and_groups() -> None:
    node = parse_filter({
        "OR": [{"score": {"gte": 3, "lt": 9}}, {"NOT": [{"tag": {"in": ["a", "b"]}}]}],
        "kind": "fact",
    })  # fmt: skip
    assert node == And((
        Or((
            And((Cond("metadata.score", "gte", 3), Cond("metadata.score", "lt", 9))),
            Not((Cond("metadata.tag", "in", ("a", "b")),)),
        )),
        Cond("kind", "eq", "fact"),
    ))  # fmt: skip


def test_time_fields_take_iso_strings_and_datetimes() -> None:
    iso = parse_filter({"created_at": {"gte": "1970-01-01T00:01:00Z"}})
    assert iso == Cond("created_at", "gte", 60.0)
    when = datetime(1970, 1, 1, 0, 2, tzinfo=UTC)
    assert parse_filter({"valid_from": {"lt": when}}) == Cond("valid_from", "lt", 120.0)
    with pytest.raises(InvalidFilterError, match="ISO-8601"):
        parse_filter({"created_at": {"gte": "yesterday"}})


def test_empty_means_no_filter_and_and_flattens() -> None:
    assert parse_filter(None) is None and parse_filter({}) is None
    a, b = Cond("x", "eq", 1), Cond("y", "eq", 2)
    assert and_(None, And((a,)), b) == And((a, b))
    assert and_(None, a) == a and and_() is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"x": {"like": 1}}, "Unknown filter operator 'like'"),
        ({"x": {"gt": "3"}}, "compares numbers"),
        ({"x": {"in": []}}, "non-empty list"),
        ({"x": {"in": "abc"}}, "non-empty list"),
        ({"x": {}}, "Empty condition"),
        ({"x": None}, "takes a string"),
        ({"OR": []}, "non-empty list"),
        ({"and": [{"x": 1}]}, "capitals"),
        ({"AND": [{}]}, "empty filter"),
        ({"x": {"contains": 1.5}}, "string or integer"),
        ({"metadata.": 1}, "needs a key"),
    ],
)
def test_bad_filters_say_what_to_do(spec: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidFilterError, match=message):
        parse_filter(spec)


def test_unknown_operator_lists_the_known_ones() -> None:
    with pytest.raises(UnknownFilterOperatorError, match="eq, ne, gt, gte"):
        parse_filter({"x": {"between": [1, 2]}})


def test_filter_must_be_a_dict() -> None:
    with pytest.raises(InvalidFilterError, match="must be a dict"):
        parse_filter(["x"])  # type: ignore[arg-type]
