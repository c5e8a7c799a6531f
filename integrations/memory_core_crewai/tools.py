"""Memory tools for CrewAI agents: search and save, in a scope fixed when the tool is made.

    >>> SearchMemoryTool.model_fields["name"].default
    'memory_search'

The model chooses only the query or the text: the arguments' schema has no scope field, and
CrewAI passes a tool nothing but its validated arguments, so an agent cannot read or write
another user's memories by naming them. The names (``memory_search``, ``memory_save``) differ
from the tools CrewAI adds itself when a crew has ``memory=`` (``search_memory``,
``save_to_memory``), so both sets can sit side by side.
"""

from __future__ import annotations

from typing import Any

from crewai.tools import BaseTool
from pydantic import BaseModel, Field, PrivateAttr

from memory_core import Scope
from memory_core.adapters import EngineHandle, render_memories
from memory_core.errors import InvalidInputError


class SearchMemoryArgs(BaseModel):
    query: str = Field(description="What to look for in memory, in plain words.")
    limit: int = Field(default=5, ge=1, le=50, description="How many memories at most.")


class SaveMemoryArgs(BaseModel):
    content: str = Field(description="One self-contained fact or lesson worth remembering.")


class _EngineTool(BaseTool):
    """Shared construction: ``memory=`` plus the scope ids (at least one)."""

    memory: Any = Field(default=None, exclude=True)
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    _handle: EngineHandle = PrivateAttr()
    _scope: Scope = PrivateAttr()

    def __init__(self, **data: Any) -> None:
        # checked before pydantic, which would wrap the typed error in a ValidationError
        scope = Scope(data.get("user_id"), data.get("agent_id"), data.get("run_id"))
        scope.require(type(self).__name__)
        super().__init__(**data)
        self._scope = scope
        self._handle = EngineHandle.of(self.memory)

    @property
    def scope(self) -> Scope:
        return self._scope


class SearchMemoryTool(_EngineTool):
    """Search the scope's long-term memory (the engine's hybrid search)."""

    name: str = "memory_search"
    description: str = (
        "Search long-term memory for facts, preferences and lessons stored earlier. "
        "Give a short query; returns the best matching memories."
    )
    args_schema: type[BaseModel] = SearchMemoryArgs

    def _run(self, query: str, limit: int = 5) -> str:
        result: str = self._handle.run(self._search(query, limit))
        return result

    async def _arun(self, query: str, limit: int = 5) -> str:
        result: str = await self._handle.arun(self._search(query, limit))
        return result

    async def _search(self, query: str, limit: int) -> str:
        if not query or not query.strip():
            raise InvalidInputError("memory_search needs a non-empty query.")
        found = await self._handle.engine.search(query, limit=limit, scope=self._scope)
        return render_memories(found["results"]) or "No relevant memories found."


class SaveMemoryTool(_EngineTool):
    """Save one fact to the scope's long-term memory."""

    name: str = "memory_save"
    description: str = (
        "Save one self-contained fact, preference or lesson to long-term memory so that "
        "later tasks can find it."
    )
    args_schema: type[BaseModel] = SaveMemoryArgs
    infer: bool = Field(
        default=False,
        description="Let the engine's LLM extract and reconcile facts (True) or store as is.",
    )

    def _run(self, content: str) -> str:
        result: str = self._handle.run(self._save(content))
        return result

    async def _arun(self, content: str) -> str:
        result: str = await self._handle.arun(self._save(content))
        return result

    async def _save(self, content: str) -> str:
        if not content or not content.strip():
            raise InvalidInputError("memory_save needs some text to save.")
        added = await self._handle.engine.add(
            content, infer=self.infer, metadata={"saved_by": "crewai_tool"}, scope=self._scope
        )
        events = [e["event"] for e in added["results"]]
        return f"Saved to memory ({', '.join(events) or 'nothing new'})."
