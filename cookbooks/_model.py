"""What every cookbook shares: where its memories live, and which model (if any) it talks to.

A cookbook runs offline by default. With ``OPENAI_API_KEY`` (and optionally
``OPENAI_BASE_URL`` — Ollama, vLLM, llama.cpp and any OpenAI-compatible server work — and
``OPENAI_MODEL``) set, the ones that use a model talk to that model instead of a scripted one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def real_model() -> dict[str, Any] | None:
    """The engine's ``llm`` config section for a real model, or ``None`` to stay offline."""
    if not os.environ.get("OPENAI_API_KEY"):
        return None
    section: dict[str, Any] = {
        "model": os.environ.get("OPENAI_MODEL", "gpt-4o-mini"),
        "api_key": os.environ["OPENAI_API_KEY"],
    }
    if os.environ.get("OPENAI_BASE_URL"):
        section["base_url"] = os.environ["OPENAI_BASE_URL"]
    return section


@contextmanager
def home(given: Path | None) -> Iterator[Path]:
    """The memory home to use: ``given``, else a throwaway directory deleted afterwards."""
    if given is not None:
        yield given
        return
    path = Path(tempfile.mkdtemp(prefix="memory-core-cookbook-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
