"""The `memory-core` command: the real app in-process (CliRunner) and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from memory_core import Memory, MemoryConfig, MemoryRecord
from memory_core.embeddings import LocalEmbedder
from memory_core.ids import normalize_text, text_hash
from memory_core.io.locomo import iter_sessions, load_locomo

Invoke = Callable[..., Result]
LOCOMO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "locomo10.json"
SEARCH_ITEM_KEYS = {"id", "memory", "hash", "metadata", "score", "created_at", "updated_at"}


def as_json(result: Result) -> Any:
    """stdout of a ``--json`` run: exactly one JSON document and nothing else."""
    return json.loads(result.stdout)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return result


def added_id(result: Result) -> str:
    [event] = as_json(ok(result))["results"]
    return str(event["id"])


# --- the everyday commands -----------------------------------------------------------------


def test_add_search_get_list_history_delete(cli: Invoke) -> None:
    added = ok(cli("add", "I moved to Lisbon last spring", "--user", "alice",
                   "--metadata", '{"topic": "home"}'))  # fmt: skip
    assert "ADD" in added.stdout and "I moved to Lisbon last spring" in added.stdout
    ok(cli("add", "I am allergic to peanuts", "--user", "alice"))
    memory_id = added_id(cli("add", "I moved to Lisbon last spring", "--user", "alice", "--json"))

    found = ok(cli("search", "Where does alice live?", "--user", "alice"))
    assert "Lisbon" in found.stdout and memory_id in found.stdout
    hits = as_json(ok(cli("search", "Lisbon", "--user", "alice", "--limit", "1", "--json")))
    assert [h["id"] for h in hits["results"]] == [memory_id]
    filtered = cli("search", "anything", "-u", "alice", "--filters", '{"topic": "home"}', "--json")
    assert [h["id"] for h in as_json(ok(filtered))["results"]] == [memory_id]

    shown = ok(cli("get", memory_id))
    assert "I moved to Lisbon last spring" in shown.stdout and "home" in shown.stdout
    item = as_json(ok(cli("get", memory_id, "--json")))
    assert item["metadata"] == {"topic": "home"} and item["user_id"] == "alice"

    listed = as_json(ok(cli("list", "--user", "alice", "--json")))
    assert len(listed["results"]) == 2 and listed["next_cursor"] is None
    page = as_json(ok(cli("list", "--user", "alice", "--limit", "1", "--json")))
    rest = as_json(ok(cli("list", "--user", "alice", "--cursor", page["next_cursor"], "--json")))
    assert {i["id"] for i in page["results"] + rest["results"]} == {
        i["id"] for i in listed["results"]
    }
    assert "2 memories of user=alice" in ok(cli("list", "--user", "alice")).stdout

    history = as_json(ok(cli("history", memory_id, "--json")))
    assert [h["event"] for h in history] == ["ADD"]
    assert "ADD" in ok(cli("history", memory_id)).stdout

    assert as_json(ok(cli("delete", memory_id, "--json")))["id"] == memory_id
    gone = cli("get", memory_id)
    assert gone.exit_code == 1 and "No memory with id" in gone.stderr
    after = as_json(ok(cli("history", memory_id, "--json")))
    assert after[-1]["event"] == "DELETE"
    assert all(h["new_memory"] is None and h["old_memory"] is None for h in after)  # erased
    assert len(as_json(ok(cli("list", "--user", "alice", "--json")))["results"]) == 1


def test_json_output_has_mem0_shapes(cli: Invoke) -> None:
    add = as_json(ok(cli("--json", "add", "Tea, no sugar", "--user", "u", "--agent", "barista",
                         "--actor", "Uma", "--valid-from", "2024-01-02T03:04:05Z")))  # fmt: skip
    [event] = add["results"]
    assert event["event"] == "ADD" and event["memory"] == "Tea, no sugar"
    assert event["actor_id"] == "Uma" and event["role"] == "user"
    again = as_json(ok(cli("add", "Tea, no sugar", "-u", "u", "-a", "barista", "--actor", "Uma",
                           "--json")))  # fmt: skip
    assert again["results"][0] == {**event, "event": "NONE"}

    [hit] = as_json(ok(cli("search", "tea", "--user", "u", "--json")))["results"]
    assert hit.keys() >= SEARCH_ITEM_KEYS
    assert (hit["user_id"], hit["agent_id"], hit["actor_id"]) == ("u", "barista", "Uma")
    assert hit["valid_from"] == "2024-01-02T03:04:05+00:00"  # ISO in JSON
    assert hit["created_at"].endswith("+00:00") and isinstance(hit["score"], float)
    assert set(as_json(ok(cli("list", "--user", "u", "--json")))) == {"results", "next_cursor"}
    stats = as_json(ok(cli("stats", "--json")))
    assert stats["memories"] == 1 and stats["by_kind"]["message"] == 1
    # Human output shows times readably, not as ISO strings.
    listed = ok(cli("list", "--user", "u")).stdout
    assert "2024-01-02" in listed and "03:04" in listed and "+00:00" not in listed


def test_a_users_memories_never_reach_another_user(cli: Invoke) -> None:
    for user in ("alice", "bob"):
        ok(cli("add", f"{user} keeps the spare key under the blue flowerpot", "--user", user))
    ok(cli("add", "Same sentence for both users", "--user", "alice"))
    ok(cli("add", "Same sentence for both users", "--user", "bob"))
    for user, other in (("alice", "bob"), ("bob", "alice")):
        hits = as_json(ok(cli("search", "spare key flowerpot", "--user", user, "--json")))
        listed = as_json(ok(cli("list", "--user", user, "--json")))
        for item in hits["results"] + listed["results"]:
            assert item["user_id"] == user and other not in item["memory"]
        assert len(listed["results"]) == 2
    alice_ids = {i["id"] for i in as_json(ok(cli("list", "-u", "alice", "--json")))["results"]}
    bob_ids = {i["id"] for i in as_json(ok(cli("list", "-u", "bob", "--json")))["results"]}
    assert not alice_ids & bob_ids


def test_add_from_stdin_and_version(cli: Invoke) -> None:
    [event] = as_json(ok(cli("add", "-", "-u", "u", "--json", input="Piped in\n")))["results"]
    assert event["memory"] == "Piped in"
    ok(cli("add", "[red]not markup[/red]", "-u", "u"))
    assert "[red]not markup[/red]" in ok(cli("search", "markup", "-u", "u")).stdout
    assert ok(cli("--version")).stdout.startswith("memory-core ")


def test_stats_counts(cli: Invoke) -> None:
    assert as_json(ok(cli("stats", "--json")))["memories"] == 0
    first = added_id(cli("add", "one", "--user", "a", "--json"))
    ok(cli("add", "two", "--user", "a"))
    ok(cli("add", "three", "--user", "b", "--run", "r1"))
    stats = as_json(ok(cli("stats", "--json")))
    assert (stats["memories"], stats["current"], stats["by_kind"]["message"]) == (3, 3, 3)
    ok(cli("delete", first))
    assert as_json(ok(cli("stats", "--json")))["memories"] == 2
    table = ok(cli("stats")).stdout
    assert "memories" in table and "qdrant_edge" in table


def test_by_id_commands_take_a_scope_and_refuse_another_scopes_memory(cli: Invoke) -> None:
    memory_id = added_id(cli("add", "I like green tea", "--user", "alice", "--json"))
    for command in ("get", "history", "delete"):  # bob knowing the id is not enough
        refused = cli(command, memory_id, "--user", "bob", "--json")
        assert refused.exit_code == 1, command
        assert as_json(refused)["error"]["type"] == "MemoryNotFoundError", command
    assert as_json(ok(cli("get", memory_id, "--user", "alice", "--json")))["id"] == memory_id
    assert as_json(ok(cli("history", memory_id, "-u", "alice", "--json")))[0]["event"] == "ADD"
    assert as_json(ok(cli("delete", memory_id, "--user", "alice", "--json")))["id"] == memory_id
    assert cli("get", memory_id).exit_code == 1


def test_delete_all_asks_first(cli: Invoke) -> None:
    for text in ("a1", "a2"):
        ok(cli("add", text, "--user", "alice", "--run", "r"))
    ok(cli("add", "b1", "--user", "bob"))
    declined = cli("delete", "--all", "--user", "alice", input="n\n")
    assert declined.exit_code == 1 and "Erase all 2 memories of user=alice" in declined.stderr
    assert as_json(ok(cli("stats", "--json")))["memories"] == 3
    ok(cli("delete", "--all", "--user", "alice", input="y\n"))
    assert as_json(ok(cli("stats", "--json")))["memories"] == 1
    done = as_json(ok(cli("delete", "--all", "--user", "bob", "--yes", "--json")))
    assert done["deleted"] == 1
    assert cli("delete", "--all", "--user", "bob", "--json").exit_code == 2  # needs --yes


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("add", "hello"), 2, "needs at least one scope"),
        (("add", "", "--user", "u"), 2, "Nothing to remember"),
        (("add", "   ", "--user", "u"), 2, "Nothing to remember"),
        (("add", "x", "--user", " u "), 2, "user_id must be a non-empty string"),
        (("add", "x", "--user", "u", "--metadata", "{oops"), 2, "--metadata is not valid JSON"),
        (("add", "x", "--user", "u", "--metadata", "[1]"), 2, "must be a JSON object"),
        (("search", "x"), 2, "needs at least one scope"),
        (("search", "x", "-u", "u", "--filters", '{"n": {"approx": 1}}'), 2, "'approx'"),
        (("search", "x", "-u", "u", "--as-of", "last tuesday"), 2, "as_of must be"),
        (("list", "-u", "u", "--limit", "0"), 2, "limit must be a positive integer"),
        (("get", str(uuid.uuid4())), 1, "No memory with id"),
        (("get", "not-an-id"), 1, "No memory with id"),
        (("history", str(uuid.uuid4())), 1, "No memory with id"),
        (("delete", str(uuid.uuid4())), 1, "No memory with id"),
        (("delete",), 2, "Pass a memory id"),
        (("delete", "--all"), 2, "needs at least one scope"),
    ],
)
def test_bad_input_exit_codes_and_messages(
    cli: Invoke, args: tuple[str, ...], code: int, message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == code, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    as_json_result = cli(*args, "--json")
    assert as_json_result.exit_code == code
    error = as_json(as_json_result)["error"]
    assert message in error["message"] and error["type"].endswith("Error")


def test_unknown_operator_error_type(cli: Invoke) -> None:
    result = cli("search", "x", "-u", "u", "--filters", '{"n": {"approx": 1}}', "--json")
    assert as_json(result)["error"]["type"] == "UnknownFilterOperatorError"


def test_global_options_home_env_and_config(
    cli: Invoke, fast_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_home, file_home = fast_tmp / "env-home", fast_tmp / "file-home"
    monkeypatch.setenv("MEMORY_CORE_HOME", str(env_home))
    assert as_json(ok(cli("stats", "--json", home_dir=None)))["home"] == str(env_home)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"home": str(file_home), "max_text_length": 10}))
    ok(cli("--config", str(config), "add", "short", "-u", "u", home_dir=None))
    too_long = cli("add", "far too long for ten", "-u", "u", "--config", str(config), home_dir=None)
    assert too_long.exit_code == 2 and "over the limit of 10" in too_long.stderr
    # --home wins over the config file's home; options work after the command name too.
    stats = as_json(ok(cli("stats", "--config", str(config), "--home", str(env_home), "--json",
                           home_dir=None)))  # fmt: skip
    assert stats["home"] == str(env_home) and stats["memories"] == 0
    assert (
        as_json(ok(cli("--json", "--config", str(config), "stats", home_dir=None)))["memories"] == 1
    )
    config.write_text('{"home": ')
    broken = cli("--config", str(config), "stats", home_dir=None)
    assert broken.exit_code == 2 and "is not valid JSON" in broken.stderr
    config.write_text('{"colour": "blue"}')
    unknown = cli("--config", str(config), "stats", home_dir=None)
    assert unknown.exit_code == 2 and "Invalid configuration" in unknown.stderr


# --- export / import -----------------------------------------------------------------------


def _expired_record(user: str, successor: str) -> dict[str, Any]:
    text = "I live in Porto"
    return {
        "id": str(uuid.uuid4()), "text": text, "hash": text_hash(text), "user_id": user,
        "agent_id": "concierge", "actor_id": "Alice", "role": "user", "kind": "fact",
        "metadata": {"source": "import", "nested": {"k": [1, 2.5, None]}},
        "created_at": 1_600_000_000.123456, "updated_at": 1_650_000_000.5,
        "valid_from": 1_590_000_000.0, "valid_until": 1_650_000_000.5,
        "expired_at": 1_650_000_000.5, "supersedes": successor, "run_id": None,
        "source": {"framework": "test", "turn": 7}, "entities": ["Alice", "Porto"],
    }  # fmt: skip


def _records(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row for row in rows}


def _bare(line: dict[str, Any]) -> dict[str, Any]:
    """An export line without what travels beside the record (history and relations)."""
    return {k: v for k, v in line.items() if k not in ("history", "relations")}


def test_export_import_round_trip_is_lossless(
    cli: Invoke, home: Path, fast_tmp: Path, tmp_path: Path, embedder: LocalEmbedder
) -> None:
    ok(cli("add", "I moved to Lisbon", "-u", "alice", "-a", "concierge", "--actor", "Alice",
           "--metadata", '{"city": "Lisbon", "n": 3, "tags": ["move"]}',
           "--valid-from", "2023-04-01T10:00:00Z"))  # fmt: skip
    ok(cli("add", "Call me Al", "-u", "alice", "-r", "run-7", "--role", "assistant"))
    ok(cli("add", "Bob likes jazz", "-u", "bob"))
    expired = _expired_record("alice", str(uuid.uuid4()))
    with Memory(MemoryConfig(home=home), embedder=embedder) as memory:
        assert memory.import_records([expired]) == 1
        in_store = {r.id: r.model_dump(mode="json") for r in memory.export_records()}
    assert in_store[expired["id"]] == MemoryRecord.model_validate(expired).model_dump(
        mode="json"
    )  # as given

    dump = tmp_path / "all.jsonl"
    done = as_json(ok(cli("export", "--out", str(dump), "--json")))
    assert done == {"exported": 4, "out": str(dump)}
    exported = _records(dump)
    # whole records, no vectors, every field; beside each, its history rows and relations
    assert {i: _bare(r) for i, r in exported.items()} == in_store
    assert [h["event"] for h in exported[expired["id"]]["history"]] == ["ADD"]
    assert all(r["relations"] == [] for r in exported.values())  # no graph writes here
    assert "vector" not in exported[expired["id"]]
    assert _records_from_stdout(ok(cli("export")).stdout) == exported
    assert not list(tmp_path.glob(".*.partial"))

    current = tmp_path / "current.jsonl"
    ok(cli("export", "--current-only", "--out", str(current)))
    assert set(_records(current)) == set(exported) - {expired["id"]}
    alice_only = tmp_path / "alice.jsonl"
    ok(cli("export", "--user", "alice", "-o", str(alice_only)))
    assert {r["user_id"] for r in _records(alice_only).values()} == {"alice"}

    fresh = fast_tmp / "fresh-home"
    imported = as_json(ok(cli("import", str(dump), "--json", home_dir=fresh)))
    assert imported == {"imported": 4}
    back = tmp_path / "back.jsonl"
    ok(cli("export", "--out", str(back), home_dir=fresh))
    restored = _records(back)
    assert set(restored) == set(exported)
    for memory_id, record in exported.items():
        for field, value in record.items():
            assert restored[memory_id][field] == value, (memory_id, field)
    # The restored home behaves like the original: reads, time views and search.
    item = as_json(ok(cli("get", expired["id"], "--json", home_dir=fresh)))
    assert item["expired_at"] == "2022-04-15T05:20:00.500000+00:00"
    current_ids = {
        i["id"]
        for i in as_json(ok(cli("list", "-u", "alice", "--json", home_dir=fresh)))["results"]
    }
    assert expired["id"] not in current_ids and len(current_ids) == 2
    old = cli("search", "Porto", "-u", "alice", "--include-expired", "--json", home_dir=fresh)
    assert as_json(ok(old))["results"][0]["id"] == expired["id"]
    then = cli("list", "-u", "alice", "--as-of", "2021-01-01", "--json", home_dir=fresh)
    assert [i["id"] for i in as_json(ok(then))["results"]] == [expired["id"]]
    # Importing again changes nothing.
    ok(cli("import", str(dump), home_dir=fresh))
    assert as_json(ok(cli("stats", "--json", home_dir=fresh)))["memories"] == 4


def _records_from_stdout(text: str) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in map(json.loads, text.splitlines())}


def test_import_rejects_bad_jsonl_before_writing(cli: Invoke, tmp_path: Path) -> None:
    good = {**_expired_record("u", str(uuid.uuid4())), "expired_at": None}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(good) + "\n\nnot json\n")
    result = cli("import", str(bad))
    assert result.exit_code == 2 and "line 3: not valid JSON" in result.stderr
    no_scope = tmp_path / "no-scope.jsonl"
    no_scope.write_text(json.dumps({**good, "user_id": None, "agent_id": None}) + "\n")
    result = cli("import", str(no_scope), "--json")
    assert result.exit_code == 2 and "scope" in as_json(result)["error"]["message"]
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text(json.dumps({"text": "no id"}) + "\n")
    assert cli("import", str(wrong)).exit_code == 2
    assert cli("import", str(tmp_path / "missing.jsonl")).exit_code == 2
    assert cli("import", str(tmp_path / "missing.json"), "--format", "locomo").exit_code == 2
    nowhere = tmp_path / "no-such-dir" / "out.jsonl"
    failed = cli("export", "--out", str(nowhere))
    assert failed.exit_code == 1 and "No such file or directory" in failed.stderr
    assert as_json(ok(cli("stats", "--json")))["memories"] == 0


# --- LOCOMO --------------------------------------------------------------------------------


def _synthetic_locomo(path: Path) -> None:
    first = {
        "speaker_a": "Ann", "speaker_b": "Bo",
        "session_10_date_time": "12:09 am on 13 September, 2023",
        "session_10": [
            {"speaker": "Ann", "dia_id": "D10:1", "text": "Miso turned one today"},
            {"speaker": "Bo", "dia_id": "D10:2", "text": "Thanks!"},
        ],
        "session_2_date_time": "9:05 am on 2 June, 2023",
        "session_2": [
            {"speaker": "Bo", "dia_id": "D2:1", "text": "I adopted a cat named Miso"},
            {"speaker": "Ann", "dia_id": "D2:2", "text": "Look what I made!",
             "img_url": ["https://example.invalid/x.jpg"], "query": "bread",
             "blip_caption": "a photo of a sourdough loaf"},
        ],
        "session_1_date_time": "1:56 pm on 8 May, 2023",
        "session_1": [
            {"speaker": "Ann", "dia_id": "D1:1", "text": "Hi Bo, I started baking bread"},
            {"speaker": "Bo", "dia_id": "D1:2", "text": "Thanks!"},
        ],
        "session_11_date_time": "3:00 pm on 1 October, 2023",  # stray: no session_11
    }  # fmt: skip
    second = {
        "speaker_a": "Cy", "speaker_b": "Di",
        "session_1_date_time": "10:37 am on 27 June, 2023",
        "session_1": [
            {"speaker": "Cy", "dia_id": "D1:1", "text": "I adopted a cat named Miso"},
            {"speaker": "Di", "dia_id": "D1:2", "text": "Congrats"},
        ],
    }  # fmt: skip
    qa = [{"question": "Who is Miso?", "answer": "Bo's cat", "evidence": ["D2:1"], "category": 4}]
    path.write_text(json.dumps([
        {"sample_id": "conv-t1", "conversation": first, "qa": qa},
        {"sample_id": "conv-t2", "conversation": second, "qa": []},
    ]))  # fmt: skip


def test_locomo_import_synthetic(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "mini-locomo.json"
    _synthetic_locomo(path)
    first = cli("import", str(path), "--format", "locomo", "--limit-conversations", "1", "--json")
    # Bo's second "Thanks!" (session 10) is the same memory as his first (session 1).
    assert as_json(ok(first)) == {
        "conversations": 1, "sessions": 3, "turns": 6, "added": 5, "unchanged": 1, "skipped": 0,
    }  # fmt: skip
    items = as_json(ok(cli("list", "--user", "conv-t1", "--json")))["results"]
    assert len(items) == 5
    assert as_json(ok(cli("list", "--user", "conv-t2", "--json")))["results"] == []
    by_dia = {item["metadata"]["dia_id"]: item for item in items}
    image = by_dia["D2:2"]
    assert image["memory"] == "Look what I made! [image: a photo of a sourdough loaf]"
    assert image["actor_id"] == "Ann" and image["role"] == "user"
    assert image["metadata"] == {"dia_id": "D2:2", "session": 2, "sample_id": "conv-t1"}
    assert image["valid_from"] == "2023-06-02T09:05:00+00:00"
    assert by_dia["D10:1"]["valid_from"] == "2023-09-13T00:09:00+00:00"
    assert by_dia["D1:2"]["memory"] == "Thanks!"  # the first "Thanks!" (session 1) was kept
    hits = as_json(ok(cli("search", "cat named Miso", "--user", "conv-t1", "--json")))
    assert hits["results"][0]["metadata"]["dia_id"] == "D2:1"
    assert hits["results"][0]["actor_id"] == "Bo"

    everything = as_json(ok(cli("import", str(path), "--format", "locomo", "--json")))
    assert (everything["turns"], everything["added"], everything["unchanged"]) == (8, 2, 6)
    other = as_json(ok(cli("list", "-u", "conv-t2", "--json")))["results"]
    assert {i["actor_id"] for i in other} == {"Cy", "Di"}  # same text, another user: its own
    human = ok(cli("import", str(path), "--format", "locomo"))
    assert "Loaded 8 turns of 2 conversations" in human.stderr


def test_locomo_import_bad_files(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"not": "a list"}))
    result = cli("import", str(path), "--format", "locomo")
    assert result.exit_code == 2 and "not a LOCOMO file" in result.stderr
    path.write_text(json.dumps([{"sample_id": "c", "conversation": {
        "session_1": [{"speaker": "A", "dia_id": "D1:1", "text": "hi"}],
        "session_1_date_time": "sometime in May"}}]))  # fmt: skip
    result = cli("import", str(path), "--format", "locomo")
    assert result.exit_code == 2 and "Cannot read the LOCOMO session time" in result.stderr
    assert as_json(ok(cli("stats", "--json")))["memories"] == 0


@pytest.mark.skipif(not LOCOMO.is_file(), reason=f"{LOCOMO} not present (it is in CI)")
def test_locomo_import_one_real_conversation(cli: Invoke) -> None:
    [sample] = load_locomo(LOCOMO)[:1]
    sessions = list(iter_sessions([sample]))
    turns = [turn for session in sessions for turn in session.turns]
    distinct = {(t.speaker, normalize_text(t.memory_text)) for t in turns}
    session_keys = [k for k, v in sample["conversation"].items() if isinstance(v, list)]

    result = as_json(ok(cli("import", str(LOCOMO), "--format", "locomo",
                            "--limit-conversations", "1", "--json")))  # fmt: skip
    assert result["conversations"] == 1
    assert result["sessions"] == len(session_keys) == len(sessions)
    assert (
        result["turns"] == len(turns) == sum(len(sample["conversation"][k]) for k in session_keys)
    )
    assert result["added"] == len(distinct)
    assert result["added"] + result["unchanged"] == len(turns)
    stats = as_json(ok(cli("stats", "--json")))
    assert stats["memories"] == len(distinct)

    raw = sample["conversation"]["session_1"][2]
    flt = json.dumps({"dia_id": raw["dia_id"]})
    [item] = as_json(ok(cli("list", "-u", sample["sample_id"], "-f", flt, "--json")))["results"]
    assert item["memory"].startswith(raw["text"]) and item["actor_id"] == raw["speaker"]
    assert item["metadata"] == {"dia_id": raw["dia_id"], "session": 1,
                                "sample_id": sample["sample_id"]}  # fmt: skip
    assert item["valid_from"] == sessions[0].session_datetime.isoformat()


# --- demo and the real entry point ---------------------------------------------------------


def test_demo_runs_in_a_throwaway_home(
    cli: Invoke, home: Path, fast_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(fast_tmp))  # where the throwaway home goes
    result = ok(cli("demo", home_dir=None))
    assert "Scoping holds" in result.stdout and "UPDATE" in result.stdout
    assert not home.exists()  # the demo did not touch the test's home …
    assert not any(fast_tmp.glob("memory-core-demo-*"))  # … and removed its own
    kept = as_json(ok(cli("demo", "--json")))
    assert kept["scoping_ok"] is True and kept["home"] == str(home)
    assert [e["event"] for e in kept["history"]] == ["ADD", "UPDATE"]
    assert all(hit["user_id"] == s["user_id"] for s in kept["searches"] for hit in s["results"])
    assert as_json(ok(cli("stats", "--json")))["memories"] == 9


def _subprocess(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEMORY_CORE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300, check=False)


def test_real_entry_points(cli: Invoke, home: Path) -> None:
    """The installed console script and ``python -m memory_core.cli``, as real processes."""
    script = Path(sys.executable).with_name("memory-core")
    assert script.is_file(), "the console script is installed next to the interpreter"
    added = _subprocess([str(script), "add", "I like green tea", "--user", "u", "--json"], home)
    assert added.returncode == 0, added.stderr
    [event] = json.loads(added.stdout)["results"]  # stdout is pure JSON
    assert event["event"] == "ADD"
    [item] = as_json(ok(cli("list", "--user", "u", "--json")))["results"]  # it was persisted
    assert item["id"] == event["id"]
    bad = _subprocess([sys.executable, "-m", "memory_core.cli", "--json", "add", "tea"], home)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    error = json.loads(bad.stdout)["error"]
    assert error["type"] == "MissingScopeError" and "--user" in error["message"]


# --- flags, usage errors and one-document JSON ----------------------------------------------


def test_boolean_options_are_shown_and_parsed_as_flags(cli: Invoke) -> None:
    for args in (("--help",), ("search", "--help"), ("delete", "--help"), ("export", "--help")):
        shown = ok(cli(*args)).stdout
        assert "--json" in shown and "<bool>" not in shown.replace("--help", ""), args
    # A flag takes no value: the word after it is the next argument, not a boolean.
    assert as_json(ok(cli("--json", "stats")))["memories"] == 0
    assert as_json(ok(cli("stats", "--json")))["memories"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search",), "Missing argument 'query'"),
        (("search", "x", "--bogus"), "No such option: --bogus"),
        (("list", "-u", "u", "--limit", "many"), "Invalid value for '--limit'"),
        (("frobnicate",), "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_honour_json(cli: Invoke, args: tuple[str, ...], message: str) -> None:
    plain = cli(*args)
    assert plain.exit_code == 2 and message in plain.stderr and plain.stdout == ""
    result = cli(*args, "--json")
    assert result.exit_code == 2
    assert as_json(result) == {"error": {"type": "UsageError", "message": as_json(result)
                                         ["error"]["message"]}}  # fmt: skip
    assert message in as_json(result)["error"]["message"]


def test_export_json_to_stdout_is_one_document(cli: Invoke) -> None:
    assert as_json(ok(cli("export", "--json"))) == {"records": [], "exported": 0}
    ok(cli("add", "Alice likes tea", "-u", "alice"))
    ok(cli("add", "Bob likes jazz", "-u", "bob"))
    document = as_json(ok(cli("export", "--json")))
    assert document["exported"] == 2
    assert sorted(r["text"] for r in document["records"]) == ["Alice likes tea", "Bob likes jazz"]
    assert [r["text"] for r in as_json(ok(cli("export", "-u", "bob", "--json")))["records"]] == [
        "Bob likes jazz"
    ]
    # Without --json, stdout stays JSON Lines.
    assert len(ok(cli("export")).stdout.splitlines()) == 2
