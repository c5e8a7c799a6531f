"""Prompts as data, each family beside the pydantic model its replies must validate against.

* :mod:`~memory_core.prompts.memory_manager` — the one call that extracts facts, reconciles
  them with existing memories and names entities and relations.
* :mod:`~memory_core.prompts.extraction` — the two-call mode's first call (facts only).
* :mod:`~memory_core.prompts.procedural` — an agent run as an overview and numbered steps.
* :mod:`~memory_core.prompts.vision` — an image as a short text description.

Every prompt is a plain string with ``{placeholders}``; config can replace any of them
(``MemoryConfig.inference.prompts``) and add custom instructions without touching code.
:func:`fill` fills them all, with ``str.format`` rules: other braces are written twice.

    >>> fill("vision.system", "Describe it.{custom_instructions}", {"custom_instructions": ""})
    'Describe it.'
"""

from __future__ import annotations

from collections.abc import Mapping

from memory_core.errors import ConfigError


def fill(name: str, template: str, values: Mapping[str, str]) -> str:
    """``template`` with its placeholders filled; a template that names an unknown
    placeholder, or holds single braces (a JSON example, say), is a :class:`ConfigError`
    that says how to fix it — never a bare ``KeyError`` from deep inside ``add``."""
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"The prompt {name!r} cannot be filled ({type(exc).__name__}: {exc}). Use only the "
            f"placeholders {', '.join('{' + key + '}' for key in values)}, and write other "
            "braces twice ({{ and }})."
        ) from None
