"""The ecosystem's contract for CrewAI storages (crewai-memory-core), run over ours: every
test in ``crewai_memory_core.contract`` with the ``backend`` fixture from conftest."""

from __future__ import annotations

from crewai_memory_core.contract import *  # noqa: F403
