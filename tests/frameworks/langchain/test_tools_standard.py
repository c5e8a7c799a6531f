"""LangChain's own standard suites (langchain-tests) over each of the six memory tools: the
unit suite and the integration suite (which invokes the tool, sync and async, with and without
a ToolCall) for every tool, each over a real engine."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests
from memory_core_langchain import (
    AddMemoryTool,
    DeleteMemoryTool,
    GetMemoryTool,
    MemoryHistoryTool,
    SearchMemoryTool,
    UpdateMemoryTool,
)

from memory_core import Memory


class _OverAlicesMemory:
    """Each test gets an engine holding one memory of alice's; the tool is bound to alice."""

    tool_class: type[BaseTool]

    @pytest.fixture(autouse=True)
    def _alice(self, memory: Memory) -> None:
        self.engine = memory
        added = memory.add("Alice is vegetarian", user_id="alice", infer=False)
        self.memory_id = added["results"][0]["id"]

    @property
    def tool_constructor(self) -> type[BaseTool]:
        return self.tool_class

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"memory": self.engine, "user_id": "alice"}


class _Search(_OverAlicesMemory):
    tool_class = SearchMemoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"query": "what does Alice eat?", "limit": 3}


class _Add(_OverAlicesMemory):
    tool_class = AddMemoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"text": "Alice lives in Lisbon"}


class _Update(_OverAlicesMemory):
    tool_class = UpdateMemoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"memory_id": self.memory_id, "text": "Alice is vegan"}


class _ById(_OverAlicesMemory):
    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"memory_id": self.memory_id}


class _Delete(_ById):
    tool_class = DeleteMemoryTool


class _Get(_ById):
    tool_class = GetMemoryTool


class _History(_ById):
    tool_class = MemoryHistoryTool


class TestSearchMemoryToolUnit(_Search, ToolsUnitTests): ...


class TestSearchMemoryToolIntegration(_Search, ToolsIntegrationTests): ...


class TestAddMemoryToolUnit(_Add, ToolsUnitTests): ...


class TestAddMemoryToolIntegration(_Add, ToolsIntegrationTests): ...


class TestUpdateMemoryToolUnit(_Update, ToolsUnitTests): ...


class TestUpdateMemoryToolIntegration(_Update, ToolsIntegrationTests): ...


class TestDeleteMemoryToolUnit(_Delete, ToolsUnitTests): ...


class TestDeleteMemoryToolIntegration(_Delete, ToolsIntegrationTests): ...


class TestGetMemoryToolUnit(_Get, ToolsUnitTests): ...


class TestGetMemoryToolIntegration(_Get, ToolsIntegrationTests): ...


class TestMemoryHistoryToolUnit(_History, ToolsUnitTests): ...


class TestMemoryHistoryToolIntegration(_History, ToolsIntegrationTests): ...
