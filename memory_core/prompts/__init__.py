"""Prompts as data, each family beside the pydantic model its replies must validate against.

* :mod:`~memory_core.prompts.memory_manager` — the one call that extracts facts, reconciles
  them with existing memories and names entities and relations.
* :mod:`~memory_core.prompts.extraction` — the two-call mode's first call (facts only).
* :mod:`~memory_core.prompts.procedural` — an agent run as an overview and numbered steps.
* :mod:`~memory_core.prompts.vision` — an image as a short text description.

Every prompt is a plain string with ``{placeholders}``; config can replace any of them
(``MemoryConfig.prompts``) and add custom instructions without touching code.
"""
