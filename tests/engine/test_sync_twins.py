"""Every public async call has a sync twin with the same signature and docstring.

A method added to ``AsyncMemory`` (or ``Records``) without a twin on ``Memory`` (or
``SyncRecords``) fails here, and so does a twin whose parameters drift from the engine's.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from memory_core import AsyncMemory, Memory
from memory_core.records import Records, SyncRecords

# Lifecycle methods that only exist on one side, each with the reason.
_ASYNC_ONLY = {"__aenter__", "__aexit__"}  # the sync facade is a context manager instead
# Twins whose return type differs by design: (sync, async) annotation.
_RETURNS = {
    "export_records": ("list[MemoryRecord]", "AsyncIterator[MemoryRecord]"),
    "export_dump": ("list[dict[str, Any]]", "AsyncIterator[dict[str, Any]]"),
    "from_config": ("Memory", "AsyncMemory"),
}


def _public_methods(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member)
    }


def _pairs(sync_cls: type, async_cls: type) -> list[tuple[str, Any, Any]]:
    sync_methods = _public_methods(sync_cls)
    return [(name, sync_methods.get(name), method)
            for name, method in _public_methods(async_cls).items()]  # fmt: skip


_ALL = [
    (f"{s.__name__}.{name}", sync, asyn)
    for s, a in ((Memory, AsyncMemory), (SyncRecords, Records))
    for name, sync, asyn in _pairs(s, a)
]


def test_the_comparison_covers_the_main_calls() -> None:
    names = {label for label, _, _ in _ALL}
    assert {"Memory.add", "Memory.search", "Memory.export_records", "SyncRecords.put"} <= names


@pytest.mark.parametrize(("label", "sync", "asyn"), _ALL, ids=[label for label, _, _ in _ALL])
def test_sync_twin_matches_its_async_method(label: str, sync: Any, asyn: Any) -> None:
    assert sync is not None, f"{label} has no sync twin"
    name = label.split(".")[1]
    sync_sig, async_sig = inspect.signature(sync), inspect.signature(asyn)
    assert sync_sig.parameters == async_sig.parameters, label
    expected = _RETURNS.get(name, (async_sig.return_annotation,) * 2)
    assert (sync_sig.return_annotation, async_sig.return_annotation) == expected, label
    assert asyn.__doc__, f"{label}: the async method needs a docstring"
    assert inspect.getdoc(sync) == inspect.getdoc(asyn), label
    assert not inspect.iscoroutinefunction(sync), f"{label} must be a plain sync method"


def test_async_only_names_are_lifecycle_only() -> None:
    async_names = {n for n, _ in inspect.getmembers(AsyncMemory) if n.startswith("__a")}
    assert async_names == _ASYNC_ONLY


def test_the_twins_run_on_the_engine(memory: Memory) -> None:
    memory.add("Dana keeps bees", user_id="dana")
    hits = memory.search("bees", user_id="dana", limit=1)["results"]
    exported = memory.export_records(user_id="dana")
    assert hits[0]["memory"] == "Dana keeps bees"
    assert [r.text for r in exported] == ["Dana keeps bees"]
