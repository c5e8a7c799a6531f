"""What every cookbook shares: where its memories live, and which model (if any) it talks to.

A cookbook runs offline by default. With ``OPENAI_API_KEY`` (and optionally
``OPENAI_BASE_URL`` — Ollama, vLLM, llama.cpp and any OpenAI-compatible server work — and
``OPENAI_MODEL``, default ``gpt-4o-mini``) set, the ones that use a model talk to that model
instead of a scripted one: the engine through its ``llm`` config (:func:`real_model`), a
framework through that framework's own OpenAI chat model (:func:`langchain_model`,
:func:`llamaindex_model`, :func:`crewai_model`). Each returns ``None`` offline.

    OPENAI_API_KEY=sk-... uv run --locked python cookbooks/<name>.py
    OPENAI_API_KEY=ollama OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_MODEL=llama3.1 \\
        uv run --locked python cookbooks/<name>.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # each framework is imported only by the cookbook that uses it
    from crewai.llms.base_llm import BaseLLM
    from langchain_core.language_models import BaseChatModel
    from llama_index.core.llms.function_calling import FunctionCallingLLM


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


def langchain_model() -> BaseChatModel | None:
    """A LangChain ``ChatOpenAI`` on that model (``langchain-openai``), or ``None`` offline."""
    section = real_model()
    if section is None:
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=section["model"], base_url=section.get("base_url"), api_key=section["api_key"]
    )


def llamaindex_model() -> FunctionCallingLLM | None:
    """A LlamaIndex ``OpenAILike`` chat LLM on that model, or ``None`` offline.

    ``OpenAILike`` rather than ``OpenAI``: it takes any model name any compatible server serves.
    """
    section = real_model()
    if section is None:
        return None
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=section["model"],
        api_base=section.get("base_url", "https://api.openai.com/v1"),
        api_key=section["api_key"],
        is_chat_model=True,
        is_function_calling_model=True,
    )


def crewai_model() -> BaseLLM | None:
    """A CrewAI ``LLM`` on that model, through CrewAI's native OpenAI provider, or ``None``.

    ``custom_openai=True`` sends any model name to a compatible server (CrewAI would otherwise
    route an unknown name such as ``llama3.1`` to LiteLLM, which it does not install).
    """
    section = real_model()
    if section is None:
        return None
    from crewai import LLM

    if "base_url" in section:
        return LLM(model=section["model"], base_url=section["base_url"],
                   api_key=section["api_key"], custom_openai=True)  # fmt: skip
    return LLM(model=section["model"], api_key=section["api_key"], provider="openai")


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
