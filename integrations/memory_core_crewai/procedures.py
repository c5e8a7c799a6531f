"""Procedural memory from crews (opt-in): how an agent did a task, not only what it learned.

Usage: ``recorder = CrewProcedures(memory=m, user_id="team"); recorder.attach(crew)``.

After each task of an attached crew, the agent's steps (every tool call with its arguments
and result, the task and its outcome) are handed to the kit's formation queue, which writes
one procedural summary for that agent (``Memory.procedures(agent_id=<role>)``), off the
crew's hot path. Steps come from CrewAI's event bus, so native function calling and
ReAct-style tool use are recorded the same way.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from typing import Any

from crewai import Crew
from crewai.events.base_events import BaseEvent
from crewai.events.event_bus import crewai_event_bus
from crewai.events.types.task_events import TaskCompletedEvent
from crewai.events.types.tool_usage_events import ToolUsageFinishedEvent

from memory_core import Scope
from memory_core.adapters import EngineHandle, FormationQueue


class CrewProcedures:
    """Records the crews it is attached to as procedures in each agent's scope.

    ``memory`` and ``user_id`` / ``run_id`` say where (the agent's role is the ``agent_id``);
    ``infer`` lets the engine's LLM write the summary (without one it is built from the
    trace). Call :meth:`flush` to wait for the summaries, :meth:`close` when done.
    """

    def __init__(
        self,
        memory: Any = None,
        *,
        user_id: str | None = None,
        run_id: str | None = None,
        infer: bool = True,
    ) -> None:
        self.handle = EngineHandle.of(memory)
        self.user_id, self.run_id = user_id, run_id
        self.queue = FormationQueue(self.handle, infer=infer)
        self._agents: set[str] = set()  # CrewAI agent ids (events carry the id, not the agent)
        self._steps: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._lock = threading.Lock()
        crewai_event_bus.register_handler(ToolUsageFinishedEvent, self._on_tool)
        crewai_event_bus.register_handler(TaskCompletedEvent, self._on_task)

    def attach(self, crew: Crew) -> Crew:
        """Record this crew's agents from now on; returns the crew for chaining."""
        with self._lock:
            self._agents.update(str(agent.id) for agent in crew.agents)
        return crew

    # --- event handlers (CrewAI calls them on its own threads) -----------------------------

    def _on_tool(self, source: Any, event: BaseEvent) -> None:
        if not isinstance(event, ToolUsageFinishedEvent):
            return
        if event.agent_id not in self._agents or event.task_id is None:
            return
        call_id = f"call_{len(self._steps[event.task_id])}"
        arguments = event.tool_args if isinstance(event.tool_args, str) else json.dumps(
            event.tool_args, default=str)  # fmt: skip
        with self._lock:
            self._steps[event.task_id] += [
                {"role": "assistant", "content": "", "tool_calls": [{
                    "id": call_id, "type": "function",
                    "function": {"name": event.tool_name, "arguments": arguments}}]},
                {"role": "tool", "tool_call_id": call_id, "name": event.tool_name,
                 "content": str(event.output)},
            ]  # fmt: skip

    def _on_task(self, source: Any, event: BaseEvent) -> None:
        if not isinstance(event, TaskCompletedEvent):
            return
        task = event.task
        agent = getattr(task, "agent", None)
        if task is None or agent is None or str(agent.id) not in self._agents:
            return
        with self._lock:
            steps = self._steps.pop(str(task.id), [])
        role = str(agent.role).strip()
        messages = [
            {"role": "user", "content": task.description},
            *steps,
            {"role": "assistant", "content": event.output.raw},
        ]
        scope = Scope(user_id=self.user_id, agent_id=role, run_id=self.run_id)
        self.queue.submit(f"crewai-task-{task.id}", scope, messages,
                          procedure_agent_id=role, task=task.description)  # fmt: skip

    # --- lifecycle -----------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait for CrewAI's event handlers, then for the summaries to be written."""
        crewai_event_bus.flush()
        formed: bool = self.queue.flush(timeout)
        return formed

    def close(self) -> None:
        crewai_event_bus.off(ToolUsageFinishedEvent, self._on_tool)
        crewai_event_bus.off(TaskCompletedEvent, self._on_task)
        self.queue.close()
        self.handle.close()
