"""The memory tools: scope fixed when made, never reachable through the arguments."""

from __future__ import annotations

import pytest
from crewai.tools import BaseTool
from memory_core_crewai import SaveMemoryTool, SearchMemoryTool

from memory_core import Memory
from memory_core.errors import InvalidInputError, MissingScopeError


def test_tools_are_crewai_tools_bound_to_their_scope(engine: Memory) -> None:
    engine.add("Bob's salary is 90k", user_id="bob", infer=False)
    save = SaveMemoryTool(memory=engine, user_id="alice")
    search = SearchMemoryTool(memory=engine, user_id="alice")
    assert isinstance(save, BaseTool) and isinstance(search, BaseTool)

    # a model naming another user in its arguments is ignored: the arguments' schema has none
    assert "Saved" in save.run(content="Alice is learning Go", user_id="bob")
    found = search.run(query="salary and languages", user_id="bob", limit=5)
    assert "Alice is learning Go" in found and "90k" not in found
    assert [m["memory"] for m in engine.get_all(user_id="bob")["results"]] == [
        "Bob's salary is 90k"
    ]


async def test_async_run(engine: Memory) -> None:
    save = SaveMemoryTool(memory=engine, user_id="carol")
    search = SearchMemoryTool(memory=engine, user_id="carol")
    assert "ADD" in await save.arun(content="Carol prefers tea")
    assert "Carol prefers tea" in await search.arun(query="drinks")
    assert await search.arun(query="quantum chromodynamics zzz") != ""


def test_a_scope_is_required_and_bad_input_is_typed(engine: Memory) -> None:
    with pytest.raises(MissingScopeError):
        SearchMemoryTool(memory=engine)
    with pytest.raises(InvalidInputError, match="non-empty query"):
        SearchMemoryTool(memory=engine, user_id="dan")._run("  ")
