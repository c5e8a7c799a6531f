"""Message normalization, deterministic ids, scopes and their parents."""

from __future__ import annotations

import pytest

from memory_core.errors import EmptyTextError, InvalidMessageError, InvalidScopeError
from memory_core.ids import memory_id, normalize_text, text_hash
from memory_core.pipeline.normalize import IMAGE_PLACEHOLDER, Message, normalize_messages
from memory_core.scoping import parent_scopes
from memory_core.types import Scope


def test_accepts_str_dict_list_and_parts() -> None:
    assert normalize_messages("hi") == [Message("user", "hi")]
    assert normalize_messages({"role": "assistant", "content": " ok "}) == [
        Message("assistant", "ok")
    ]
    parts = [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "x"}}]
    [message] = normalize_messages([{"role": "user", "content": parts, "name": "bo"}])
    assert message == Message("user", f"look\n{IMAGE_PLACEHOLDER}", "bo", images=("x",))


def test_empty_messages_are_dropped_but_all_empty_is_an_error() -> None:
    assert normalize_messages(["", "x"]) == [Message("user", "x")]
    with pytest.raises(EmptyTextError):
        normalize_messages([{"role": "user", "content": None}])


@pytest.mark.parametrize(
    "bad",
    [42, [42], [{"role": 3, "content": "x"}], [{"content": {"a": 1}}], [{"content": [{"x": 1}]}],
     [{"content": "x", "name": ""}]],
)  # fmt: skip
def test_malformed_messages_raise(bad: object) -> None:
    with pytest.raises(InvalidMessageError):
        normalize_messages(bad)


def test_ids_are_deterministic_and_scope_and_speaker_aware() -> None:
    scope = Scope(user_id="u")
    base = memory_id(scope, "message", "Hello  World", role="user")
    assert base == memory_id(scope, "message", "hello world", role="user")
    assert base != memory_id(scope, "fact", "hello world", role="user")
    assert base != memory_id(scope, "message", "hello world", role="user", actor_id="bo")
    assert base != memory_id(Scope(user_id="u", run_id="r"), "message", "hello world", role="user")
    assert normalize_text("Ｆｕｌｌ\tWIDTH") == "full width"
    assert text_hash("a") == "0cc175b9c0f1b6a831c399e269772661"


def test_scope_validation_and_parents() -> None:
    with pytest.raises(InvalidScopeError):
        Scope(user_id=" padded ")
    with pytest.raises(InvalidScopeError):
        Scope(agent_id=3)  # type: ignore[arg-type]
    full = Scope("u", "a", "r")
    assert parent_scopes(full) == [full, Scope("u", "a"), Scope("u")]
    assert parent_scopes(Scope(agent_id="a")) == [Scope(agent_id="a")]
