"""LangChain's own standard suites (langchain-tests) over each of the six memory tools."""

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


class _OverAliceMemory:
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


class _Both(_OverAliceMemory, ToolsUnitTests, ToolsIntegrationTests):
    pass


class TestSearchMemoryTool(_Both):
    tool_class = SearchMemoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"query": "what does Alice eat?", "limit": 3}


class TestAddMemoryTool(_Both):
    tool_class = AddMemoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"text": "Alice lives in Lisbon"}


class TestUpdateMemoryTool(_Both):
    tool_class = UpdateMemoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"memory_id": self.memory_id, "text": "Alice is vegan"}


class TestDeleteMemoryTool(_Both):
    tool_class = DeleteMemoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"memory_id": self.memory_id}


class TestGetMemoryTool(_Both):
    tool_class = GetMemoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"memory_id": self.memory_id}


class TestMemoryHistoryTool(_Both):
    tool_class = MemoryHistoryTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"memory_id": self.memory_id}
